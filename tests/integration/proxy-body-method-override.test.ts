/**
 * A `_method` field in a POST body (Laravel, Symfony, Rails and Express honour it) through the built
 * host, against a real HTTP server as the upstream that records everything it receives: refused
 * before a byte is forwarded wherever the rules judge another method differently, one audit line
 * each; an ordinary form body reaches the upstream exactly as sent, to every key tried; other
 * uploads still stream.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, auditLinesFor, type ProxyHost, type RawRequestOptions, requestIdOf, startProxyHost } from './proxy-host';

const API_SECRET = 'sk-test-FAKE-bodymethod-api-7c2e9a4f1b';
const DEAD_SECRET = 'sk-test-FAKE-bodymethod-dead-3f8b1d6e0a';
const LIVE_SECRET = 'sk-test-FAKE-bodymethod-live-9e4a2c7f5d';

/** The second service's first key is dead: its requests are sent again with the second. */
const answer: MockHandler = (request, res) => {
  if (request.headers.authorization === `Bearer ${DEAD_SECRET}`) return sendJson(res, 401, { error: 'invalid_token' });
  sendJson(res, 200, { ok: true });
};

let upstream: MockUpstream;
let proxy: ProxyHost;

beforeAll(async () => {
  upstream = await startMockUpstream(answer);
  proxy = await startProxyHost({
    policy: `[proxy]
port = 0
max_request_body_bytes = 200000

[custom.api]
base_url = "${upstream.url}/api"
auth_header = "Authorization"
auth_value_prefix = "Bearer "
blocked_endpoints = ["DELETE /repos/*"]

[custom.pair]
base_url = "${upstream.url}/pair"
auth_header = "Authorization"
auth_value_prefix = "Bearer "
blocked_endpoints = ["DELETE /repos/*"]
rotation = "on_first_failed"
`,
    credentials: [
      { service: 'api', secret: API_SECRET },
      { service: 'pair', secret: DEAD_SECRET },
      { service: 'pair', secret: LIVE_SECRET },
    ],
    agents: [{ name: 'agent', scopes: ['custom:api', 'custom:pair'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

beforeEach(() => {
  upstream.reset();
  upstream.setHandler(answer);
});

function post(path: string, contentType: string | null, body: RawRequestOptions['body']) {
  const headers: Array<[string, string]> = [['Authorization', `Bearer ${proxy.agentKeys.agent}`]];
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  return proxy.raw({ method: 'POST', path, headers, body });
}

const MULTIPART_TYPE = 'multipart/form-data; boundary=kgBoundary7';

function multipartBody(fields: Array<[disposition: string, value: string]>): string {
  return `${fields.map(([disposition, value]) => `--kgBoundary7\r\nContent-Disposition: form-data; ${disposition}\r\n\r\n${value}\r\n`).join('')}--kgBoundary7--\r\n`;
}

describe('a _method field in the body of a POST to a route whose rules block another method', () => {
  it.each<[string, string | null, RawRequestOptions['body']]>([
    ['urlencoded', 'application/x-www-form-urlencoded', 'name=x&_method=DELETE'],
    ['urlencoded, other case and charset', 'Application/X-WWW-Form-Urlencoded; charset=ISO-8859-1', 'name=x&%5Fmethod=delete'],
    ['urlencoded, PHP spelling', 'application/x-www-form-urlencoded', 'name=x&.method=DELETE'],
    ['untyped (Rack reads it as a form)', null, 'name=x;_method=DELETE'],
    ['multipart, quoted name', MULTIPART_TYPE, multipartBody([['name="title"', 'x'], ['name="_method"', 'DELETE']])],
    ['multipart, RFC 5987 name', MULTIPART_TYPE, multipartBody([['name="title"', 'x'], ["name*=UTF-8''%5Fmethod", 'DELETE']])],
    ['chunked urlencoded upload', 'application/x-www-form-urlencoded', ['name=', 'x'.repeat(40_000), '&note=a', '&_meth', 'od=DELETE']],
    ['chunked multipart upload', MULTIPART_TYPE, [multipartBody([['name="title"', 'y'.repeat(40_000)]]).replace('--kgBoundary7--\r\n', ''), '--kgBoundary7\r\nContent-Disposition: form-data; name=_method\r\n\r\nDELETE\r\n--kgBoundary7--\r\n']],
    ['JSON (Laravel takes its top-level fields as the form)', 'application/json', '{"name":"x","_method":"DELETE"}'],
  ])('refuses it: %s, forwarding nothing, with one audit line', async (_kind, contentType, body) => {
    const response = await post('/custom/api/repos/o/r', contentType, body);
    expect(agentError(response).code).toBe('METHOD_OVERRIDE_REFUSED');
    expect(upstream.received).toEqual([]);
    const requestId = requestIdOf(response);
    expect(requestId).not.toBeNull();
    const lines = await auditLinesFor(proxy.dataDir, [requestId!]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'api', method: 'POST', path: '/custom/api/repos/o/r', status: 400, decision: 'blocked', reason: 'METHOD_OVERRIDE_REFUSED', credentialId: null });
  });
  it('refuses a form body past the body cap before any of it reaches the upstream', async () => {
    const response = await post('/custom/api/repos/o/r', 'application/x-www-form-urlencoded', ['name=', 'x'.repeat(150_000), 'y'.repeat(150_000)]);
    expect(agentError(response).code).toBe('REQUEST_TOO_LARGE');
    expect(upstream.received).toEqual([]);
  });
});

describe('bodies that name no other method', () => {
  it('forwards an urlencoded body byte for byte, near misses included', async () => {
    const body = 'method=flickr.photos.search&x_method=DELETE&q=_method%3DDELETE&text=caf%C3%A9+%2B+%26;semi=%E2%82%AC&raw=é&empty=';
    const response = await post('/custom/api/repos/o/r', 'application/x-www-form-urlencoded; charset=UTF-8', body);
    expect(response.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    expect(received?.method).toBe('POST');
    expect(received?.body).toBe(body);
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('forwards a chunked multipart upload byte for byte, a file mentioning _method included', async () => {
    const body = multipartBody([['name="method"', 'DELETE'], ['name="file"; filename="_method"', 'name="_method"\r\n_method=DELETE ✓'], ['name="x_method"', 'PUT']]);
    const response = await post('/custom/api/repos/o/r', MULTIPART_TYPE, [body.slice(0, 50), body.slice(50, 120), body.slice(120)]);
    expect(response.status).toBe(200);
    expect(upstream.received.map((request) => request.body)).toEqual([body]);
  });

  it('forwards a JSON body whose _method is no top-level field, and a form-shaped text/plain body (no framework parses one)', async () => {
    const json = '{"prompt":"explain _method=DELETE","messages":[{"_method":"DELETE"}]}';
    expect((await post('/custom/api/repos/o/r', 'application/json', json)).status).toBe(200);
    expect((await post('/custom/api/repos/o/r', 'text/plain', '_method=DELETE')).status).toBe(200);
    expect(upstream.received.map((request) => [request.headers['content-type'], request.body])).toEqual([
      ['application/json', json],
      ['text/plain', '_method=DELETE'],
    ]);
  });

  it('sends a checked form body again, unchanged, when the first key turns out dead', async () => {
    const body = 'title=rotate&note=a%26b';
    const response = await post('/custom/pair/repos/o/r', 'application/x-www-form-urlencoded', body);
    expect(response.status).toBe(200);
    expect(upstream.received.map((request) => [request.headers.authorization, request.body])).toEqual([
      [`Bearer ${DEAD_SECRET}`, body],
      [`Bearer ${LIVE_SECRET}`, body],
    ]);
  });

  it('still streams an upload of another type: the upstream has its first bytes before the agent sends the rest', async () => {
    const first = Buffer.alloc(64 * 1024, 0x61);
    const before = upstream.bodyBytesSoFar();
    const request = httpRequest({
      host: '127.0.0.1',
      port: proxy.port,
      method: 'POST',
      path: '/custom/api/repos/o/r',
      headers: { authorization: `Bearer ${proxy.agentKeys.agent}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      agent: false,
    });
    const status = new Promise<number>((resolve, reject) => {
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    request.write(first);
    await untilUpstreamHas(before + first.length);
    request.end('end');
    expect(await status).toBe(200);
    expect(upstream.received.map((received) => received.body.length)).toEqual([first.length + 3]);
  });
});

/** Waits until the upstream has read `bytes` request-body bytes; fails if the host holds them back. */
async function untilUpstreamHas(bytes: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (upstream.bodyBytesSoFar() < bytes) {
    if (Date.now() > deadline) throw new Error(`the upstream had ${upstream.bodyBytesSoFar()} of ${bytes} body bytes after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
