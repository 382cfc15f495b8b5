/**
 * One test per proxy defence, against the built host and a real HTTP server as the upstream.
 * Requests go out raw (`http.request` with the target and headers exactly as given), because the
 * attacks are spellings that `fetch` and the SDKs would quietly normalise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAgentKey } from '../../shared/agents/agent-keys';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream, unusedLoopbackUrl } from './mock-upstream';
import { agentError, type ProxyHost, type RawResponse, rawExchange, startProxyHost } from './proxy-host';

const OPENAI_SECRET = 'sk-test-FAKE-defences-openai-3c9e1b7a5d20';
const ANTHROPIC_SECRET = 'sk-ant-test-FAKE-defences-6a0f2d8c4e17';
const GITHUB_SECRETS = ['ghp_test_FAKE_defences_first_91c3', 'ghp_test_FAKE_defences_second_5e7b'];
const OTHER_SECRET = 'sk-test-FAKE-defences-other-0b4d6f8a';
const SECRETS = [OPENAI_SECRET, ANTHROPIC_SECRET, ...GITHUB_SECRETS, OTHER_SECRET];
const ALLOWED_ORIGIN = 'https://app.example.com';
const MAX_BODY_BYTES = 1024;

const answerOk: MockHandler = (request, res) => sendJson(res, 200, { ok: true, path: request.url }, { 'access-control-allow-origin': '*' });

let upstream: MockUpstream;
let evil: MockUpstream;
let proxy: ProxyHost;

function policy(upstreamUrl: string, downUrl: string): string {
  return `[proxy]
port = 0
allowed_origins = ["${ALLOWED_ORIGIN}"]
max_request_body_bytes = ${MAX_BODY_BYTES}
upstream_timeout_seconds = 1

[services.openai]
base_url = "${upstreamUrl}"
blocked_endpoints = ["DELETE /v1/files/*", "* /v1/organization/*"]

[services.anthropic]
base_url = "${upstreamUrl}"

[custom.github]
base_url = "${upstreamUrl}/github"
auth_header = "Authorization"
auth_value_prefix = "token "
allowed_endpoints = ["GET /user", "GET /repos/*", "POST /repos/*/issues"]

[custom.limited]
base_url = "${upstreamUrl}"
auth_header = "X-Limited-Key"
rate_limit = 2
rate_limit_window_seconds = 60

[custom.nokey]
base_url = "${upstreamUrl}"
auth_header = "X-Key"

[custom.down]
base_url = "${downUrl}"
auth_header = "X-Key"

[custom.slow]
base_url = "${upstreamUrl}"
auth_header = "X-Key"
`;
}

function bearer(name = 'agent'): Array<[string, string]> {
  return [['Authorization', `Bearer ${proxy.agentKeys[name]}`]];
}

/** The catalogue code of a refusal; fails the test unless the body has the catalogue shape and status. */
function codeOf(response: { status: number; body: string }): string {
  return agentError(response).code;
}

beforeAll(async () => {
  upstream = await startMockUpstream(answerOk);
  evil = await startMockUpstream((_request, res) => sendJson(res, 200, { evil: true }));
  proxy = await startProxyHost({
    policy: policy(upstream.url, await unusedLoopbackUrl()),
    credentials: [
      { service: 'openai', secret: OPENAI_SECRET },
      { service: 'anthropic', secret: ANTHROPIC_SECRET },
      // Two keys: github requests are buffered (a retry may need the body); the others stream.
      ...GITHUB_SECRETS.map((secret) => ({ service: 'github', secret })),
      { service: 'limited', secret: OTHER_SECRET },
      { service: 'down', secret: OTHER_SECRET },
      { service: 'slow', secret: OTHER_SECRET },
    ],
    agents: [
      { name: 'agent', scopes: ['openai', 'anthropic', 'custom:github', 'custom:limited', 'custom:nokey', 'custom:down', 'custom:slow'] },
      { name: 'narrow', scopes: ['anthropic'] },
      { name: 'disabled', scopes: ['openai'], enabled: false },
      { name: 'expired', scopes: ['openai'], expiresAt: Date.now() - 60_000 },
    ],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([upstream?.close(), evil?.close()]);
});

beforeEach(() => {
  upstream.reset();
  upstream.setHandler(answerOk);
});

describe('where the proxy listens', () => {
  it('binds 127.0.0.1 only: other interface addresses refuse the connection', async () => {
    const canConnect = (address: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port: proxy.port, timeout: 2_000 });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => {
          socket.destroy();
          resolve(false);
        });
      });
    const external = Object.entries(networkInterfaces()).flatMap(([name, addresses]) =>
      (addresses ?? []).filter((address) => !address.internal).map((address) => (address.address.startsWith('fe80:') ? `${address.address}%${name}` : address.address)),
    );

    expect(await canConnect('127.0.0.1')).toBe(true);
    for (const address of [...external, '::1']) expect({ address, connected: await canConnect(address) }).toEqual({ address, connected: false });

    // The kernel's own table (Linux): one listening socket on this port, and it is 127.0.0.1's.
    if (!existsSync('/proc/net/tcp')) return;
    const listening = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${proxy.port.toString(16).toUpperCase().padStart(4, '0')}`))
        .map((fields) => fields[1]);
    expect(listening('/proc/net/tcp')).toEqual([`0100007F:${proxy.port.toString(16).toUpperCase().padStart(4, '0')}`]);
    if (existsSync('/proc/net/tcp6')) expect(listening('/proc/net/tcp6')).toEqual([]);
  });
});

describe('Host and Origin (DNS rebinding, hostile pages)', () => {
  it('accepts only 127.0.0.1, localhost and [::1] with the proxy port as Host', async () => {
    for (const host of [`127.0.0.1:${proxy.port}`, `localhost:${proxy.port}`, `[::1]:${proxy.port}`, `LOCALHOST:${proxy.port}`]) {
      const response = await proxy.raw({ path: '/openai/v1/models', host, headers: bearer() });
      expect({ host, status: response.status }).toEqual({ host, status: 200 });
    }
    expect(upstream.received).toHaveLength(4);
    upstream.reset();

    const refused = ['evil.com', `evil.com:${proxy.port}`, '127.0.0.1:1', `127.0.0.1:${proxy.port + 1}`, 'localhost', '127.0.0.1', `127.0.0.2:${proxy.port}`, `0.0.0.0:${proxy.port}`, `rebind.example:${proxy.port}`, ''];
    for (const host of refused) {
      const response = await proxy.raw({ path: '/openai/v1/models', host, headers: bearer() });
      expect({ host, code: codeOf(response) }).toEqual({ host, code: 'HOST_NOT_ALLOWED' });
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('refuses a request with two Host headers, even two good ones, in any spelling of the name', async () => {
    const pairs = [['Host', 'Host', 'evil.com'], ['Host', 'Host', `127.0.0.1:${proxy.port}`], ['host', 'HOST', `127.0.0.1:${proxy.port}`], ['hOsT', 'host', `127.0.0.1:${proxy.port}`]];
    for (const [firstName, secondName, second] of pairs) {
      const answer = await rawExchange(
        proxy.port,
        `GET /openai/v1/models HTTP/1.1\r\n${firstName}: 127.0.0.1:${proxy.port}\r\n${secondName}: ${second}\r\nAuthorization: Bearer ${proxy.agentKeys.agent}\r\nConnection: close\r\n\r\n`,
      );
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      const status = Number(head.split(' ')[1]);
      expect(status).toBe(400);
      expect(codeOf({ status, body: decodeChunked(head, body) })).toBe('HOST_HEADER_INVALID');
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('refuses two Origin headers, even the allow-listed one twice, in any spelling of the name', async () => {
    for (const [firstName, secondName] of [['Origin', 'Origin'], ['origin', 'ORIGIN']]) {
      const answer = await rawExchange(
        proxy.port,
        `GET /openai/v1/models HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n${firstName}: ${ALLOWED_ORIGIN}\r\n${secondName}: ${ALLOWED_ORIGIN}\r\nAuthorization: Bearer ${proxy.agentKeys.agent}\r\nConnection: close\r\n\r\n`,
      );
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      const status = Number(head.split(' ')[1]);
      expect({ firstName, secondName, status, code: codeOf({ status, body: decodeChunked(head, body) }) }).toEqual({ firstName, secondName, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('refuses a web origin that is not allow-listed, with no CORS headers at all', async () => {
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${proxy.port}`, `${ALLOWED_ORIGIN}.evil.example`, 'https://APP.example.com']) {
      for (const method of ['GET', 'OPTIONS']) {
        const response = await proxy.raw({ method, path: '/openai/v1/models', headers: [...bearer(), ['Origin', origin], ['Access-Control-Request-Method', 'GET']] });
        expect({ origin, method, code: codeOf(response) }).toEqual({ origin, method, code: 'ORIGIN_NOT_ALLOWED' });
        expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('answers an allow-listed origin with exactly that origin, preflight included, and never "*"', async () => {
    const preflight = await proxy.raw({
      method: 'OPTIONS',
      path: '/openai/v1/chat/completions',
      headers: [['Origin', ALLOWED_ORIGIN], ['Access-Control-Request-Method', 'POST'], ['Access-Control-Request-Headers', 'authorization, content-type']],
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/authorization/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/content-type/);
    expect(preflight.headers.vary).toMatch(/Origin/i);
    expect(upstream.received).toHaveLength(0);

    // The upstream itself answers with "access-control-allow-origin: *"; the agent never sees it.
    const call = await proxy.raw({ path: '/openai/v1/models', headers: [...bearer(), ['Origin', ALLOWED_ORIGIN]] });
    expect(call.status).toBe(200);
    expect(call.rawHeaders.filter((name) => name.toLowerCase() === 'access-control-allow-origin')).toHaveLength(1);
    expect(call.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(upstream.received[0]?.headers.origin).toBeUndefined();

    const noOrigin = await proxy.raw({ path: '/openai/v1/models', headers: bearer() });
    expect(noOrigin.status).toBe(200);
    expect(noOrigin.headers['access-control-allow-origin']).toBeUndefined();

    const refusal = await proxy.raw({ path: '/openai/v1/models', headers: [['Origin', ALLOWED_ORIGIN]] });
    expect(codeOf(refusal)).toBe('AGENT_KEY_MISSING');
    expect(refusal.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
  });
});

describe('paths', () => {
  it('refuses every non-canonical spelling, and the upstream sees none of them', async () => {
    const paths = [
      '/openai/v1/%2e%2e/v1/models',
      '/openai/v1/%2E/models',
      '/openai/v1%2fmodels',
      '/openai/v1%2Ffiles/file-1',
      '/openai/v1/files%5cfile-1',
      '/openai//v1/models',
      '/openai/v1/models//',
      '/openai/v1\\models',
      '/openai/v1/models;jsessionid=1',
      '/openai/v1/files/file-1;/x',
      '/openai/v1/../v1/models',
      '/openai/./v1/models',
      '/openai/v1/models/.',
      '/openai/v1/%41',
      '/openai/v1/fil%65s/file-1',
      '/openai/v1/files/%252e%252e/x',
      '/openai/v1/models%00',
      '/custom/github/repos/o/r/%2e%2e/%2e%2e/user',
      '/custom/github/user/..',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'DELETE']) {
        const response = await proxy.raw({ method, path, headers: bearer() });
        expect({ path, method, status: response.status }).toEqual({ path, method, status: 400 });
        expect({ path, code: codeOf(response) }).toEqual({ path, code: 'NON_CANONICAL_PATH' });
      }
    }
    expect(upstream.received).toEqual([]);
  });

  it('takes the upstream origin from the policy only: absolute-form targets and Host tricks reach nothing else', async () => {
    const evilHost = new URL(evil.url).host;
    const absolute = [`${evil.url}/openai/v1/models`, 'http://evil.example/openai/v1/models', `http://127.0.0.1:${proxy.port}/openai/v1/models`];
    for (const target of absolute) {
      const response = await proxy.raw({ path: target, headers: bearer() });
      expect({ target, code: codeOf(response) }).toEqual({ target, code: 'NON_CANONICAL_PATH' });
    }
    const hostTrick = await proxy.raw({ path: '/openai/v1/models', host: evilHost, headers: bearer() });
    expect(codeOf(hostTrick)).toBe('HOST_NOT_ALLOWED');
    const userinfoTrick = await proxy.raw({ path: `/openai@${evilHost}/v1/models`, headers: bearer() });
    expect(codeOf(userinfoTrick)).toBe('SERVICE_UNKNOWN');

    // Forwarding headers naming the evil host change nothing: the policy's upstream gets the call.
    const forwarded = await proxy.raw({
      path: '/openai/v1/models',
      headers: [...bearer(), ['X-Forwarded-Host', evilHost], ['Forwarded', `host=${evilHost}`], ['X-Forwarded-For', '203.0.113.9'], ['X-Forwarded-Proto', 'https']],
    });
    expect(forwarded.status).toBe(200);
    expect(evil.received).toEqual([]);
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    expect(received?.headers.host).toBe(new URL(upstream.url).host);
    expect(received?.url).toBe('/v1/models');
    expect(Object.keys(received!.headers).filter((name) => name === 'forwarded' || name.startsWith('x-forwarded-'))).toEqual([]);
  });
});

describe('headers sent upstream', () => {
  it('refuses a WebSocket upgrade with 501 before anything reaches the upstream, and ignores an h2c offer', async () => {
    const websocket: Array<[string, string]> = [['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']];
    const refused = await proxy.raw({ path: '/openai/v1/realtime?model=gpt-realtime', headers: [...bearer(), ...websocket] });
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 501, code: 'WEBSOCKET_NOT_SUPPORTED' });
    expect(upstream.received).toEqual([]);

    // curl --http2 on plain http offers an upgrade to h2c: the answer is simply HTTP/1.1.
    const h2c = await proxy.raw({ path: '/openai/v1/models', headers: [...bearer(), ['Connection', 'Upgrade, HTTP2-Settings'], ['Upgrade', 'h2c'], ['HTTP2-Settings', 'AAMAAABkAAQAoAAAAAIAAAAA']] });
    expect(h2c.status).toBe(200);
    expect(upstream.received.map((request) => [request.headers.upgrade, request.headers['http2-settings']])).toEqual([[undefined, undefined]]);
  });

  it('hands an upstream redirect to the agent instead of following it: the key never reaches the Location', async () => {
    for (const [status, method] of [[302, 'GET'], [307, 'POST'], [308, 'GET']] as const) {
      upstream.setHandler((_request, res) => {
        res.writeHead(status, { location: `${evil.url}/collect?from=keygate`, 'content-length': '0' });
        res.end();
      });
      const response = await proxy.raw({ method, path: '/openai/v1/chat/completions', headers: [...bearer(), ['Content-Type', 'application/json']], body: method === 'POST' ? '{}' : undefined });
      expect({ status: response.status, location: response.headers.location }).toEqual({ status, location: `${evil.url}/collect?from=keygate` });
    }
    expect(upstream.received).toHaveLength(3);
    expect(evil.received).toEqual([]);
  });

  it('strips every client credential and hop-by-hop header, keeps ordinary ones, injects only the real key', async () => {
    const response = await proxy.raw({
      method: 'POST',
      path: '/openai/v1/chat/completions',
      headers: [
        ...bearer(),
        ['X-Api-Key', proxy.agentKeys.agent!],
        ['Cookie', 'session=cookie-from-the-agent'],
        ['X-MBX-APIKEY', 'mbx-client-FAKE-key'],
        ['Proxy-Authorization', 'Basic cHJveHk6cGFzc3dvcmQ='],
        ['Connection', 'x-foo, keep-alive'],
        ['X-Foo', 'hop-by-hop because Connection names it'],
        ['Keep-Alive', 'timeout=5'],
        ['TE', 'trailers'],
        ['Upgrade', 'websocket'],
        ['Proxy-Connection', 'keep-alive'],
        ['Content-Type', 'application/json'],
        ['X-Keep-Me', 'end-to-end'],
        ['OpenAI-Beta', 'assistants=v2'],
      ],
      body: '{"model":"gpt-4o-mini","messages":[]}',
    });

    expect(response.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    const names = received!.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    for (const stripped of ['x-api-key', 'cookie', 'x-mbx-apikey', 'proxy-authorization', 'x-foo', 'keep-alive', 'te', 'upgrade', 'proxy-connection']) {
      expect({ stripped, present: names.includes(stripped) }).toEqual({ stripped, present: false });
    }
    expect(names.filter((name) => name === 'authorization')).toHaveLength(1);
    expect(received?.headers.authorization).toBe(`Bearer ${OPENAI_SECRET}`);
    expect(received?.headers.connection ?? '').not.toMatch(/x-foo/i);
    expect(received?.headers['x-keep-me']).toBe('end-to-end');
    expect(received?.headers['openai-beta']).toBe('assistants=v2');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.body).toBe('{"model":"gpt-4o-mini","messages":[]}');
    expect(upstream.everythingReceived()).not.toContain('pk_');
    expect(upstream.everythingReceived()).not.toContain('cookie-from-the-agent');
  });

  it('for Anthropic, replaces the pk_ key in x-api-key and drops an Authorization the agent sent', async () => {
    const response = await proxy.raw({
      method: 'POST',
      path: '/anthropic/v1/messages',
      headers: [['x-api-key', proxy.agentKeys.agent!], ['Authorization', `Bearer ${proxy.agentKeys.agent}`], ['anthropic-version', '2023-06-01'], ['Content-Type', 'application/json']],
      body: '{"model":"claude-mock","max_tokens":1,"messages":[]}',
    });

    expect(response.status).toBe(200);
    const [received] = upstream.received;
    expect(received?.headers['x-api-key']).toBe(ANTHROPIC_SECRET);
    expect(received?.headers.authorization).toBeUndefined();
    expect(received?.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.everythingReceived()).not.toContain('pk_');
  });
});

describe('upstream answers', () => {
  it('scrubs the real key from an error body that echoes it, even split across chunks', async () => {
    const [head, tail] = [OPENAI_SECRET.slice(0, 17), OPENAI_SECRET.slice(17)];
    upstream.setHandler(async (_request, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.write(`{"error":{"message":"Incorrect API key provided: ${OPENAI_SECRET}. Your key ${head}`);
      await delay(60);
      res.write(`${tail} is invalid; also ${OPENAI_SECRET.slice(0, 5)}`);
      await delay(60);
      res.end(`${OPENAI_SECRET.slice(5)}","code":"invalid_api_key"}}`);
    });

    const response = await proxy.raw({ path: '/openai/v1/models', headers: bearer() });

    expect(response.status).toBe(401);
    expect(response.body).toBe('{"error":{"message":"Incorrect API key provided: [REDACTED]. Your key [REDACTED] is invalid; also [REDACTED]","code":"invalid_api_key"}}');
    expect(response.body).not.toContain(head);
  });

  it('scrubs the real key from response headers that echo it', async () => {
    upstream.setHandler((_request, res) =>
      sendJson(res, 401, { error: { code: 'invalid_api_key' } }, {
        'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="key ${OPENAI_SECRET} is revoked"`,
        'x-echoed-key': OPENAI_SECRET,
      }),
    );

    const response = await proxy.raw({ path: '/openai/v1/models', headers: bearer() });

    expect(response.status).toBe(401);
    expect(response.rawHeaders.join('\n')).not.toContain(OPENAI_SECRET);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="key [REDACTED] is revoked"');
    expect(response.headers['x-echoed-key']).toBe('[REDACTED]');
  });

  it('keeps upstream cookies, hop-by-hop headers and CORS grants away from the agent', async () => {
    upstream.setHandler((_request, res) =>
      sendJson(res, 200, { ok: true }, {
        'set-cookie': 'upstream_session=abc; Path=/',
        connection: 'x-upstream-hop',
        'x-upstream-hop': 'hop',
        'access-control-allow-credentials': 'true',
        'x-request-id': 'req_upstream_1',
      }),
    );

    const response = await proxy.raw({ path: '/openai/v1/models', headers: bearer() });

    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-upstream-hop']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers['x-request-id']).toBe('req_upstream_1');
  });

  it('passes a body that only looks like the start of the key through unchanged', async () => {
    const lookalike = `${OPENAI_SECRET.slice(0, -1)}X and ${OPENAI_SECRET.slice(0, 8)}`;
    upstream.setHandler((_request, res) => sendJson(res, 200, { text: lookalike }));

    const response = await proxy.raw({ path: '/openai/v1/models', headers: bearer() });

    expect(JSON.parse(response.body)).toEqual({ text: lookalike });
  });

  it('answers 502 UPSTREAM_UNREACHABLE when the upstream is down', async () => {
    const response = await proxy.raw({ path: '/custom/down/anything', headers: bearer() });
    expect(codeOf(response)).toBe('UPSTREAM_UNREACHABLE');
  });

  it('answers 504 UPSTREAM_TIMEOUT when the upstream is slower than upstream_timeout_seconds', async () => {
    upstream.setHandler(async (_request, res) => {
      await delay(6_000);
      if (!res.destroyed) sendJson(res, 200, { tooLate: true });
    });

    const started = performance.now();
    const response = await proxy.raw({ path: '/custom/slow/report', headers: bearer() });

    expect(codeOf(response)).toBe('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(response.body).not.toContain('tooLate');
  });
});

describe('request bodies', () => {
  it('refuses a body over max_request_body_bytes with 413, declared or chunked, and forwards one at the limit', async () => {
    const atLimit = 'a'.repeat(MAX_BODY_BYTES);
    const ok = await proxy.raw({ method: 'POST', path: '/openai/v1/files', headers: bearer(), body: atLimit });
    expect(ok.status).toBe(200);
    expect(upstream.received[0]?.body).toBe(atLimit);
    upstream.reset();

    const declared = await proxy.raw({ method: 'POST', path: '/openai/v1/files', headers: bearer(), body: 'b'.repeat(MAX_BODY_BYTES + 1) });
    expect(codeOf(declared)).toBe('REQUEST_TOO_LARGE');
    expect(upstream.received).toEqual([]);

    // One key: the body streams upstream and is cut at the limit, so no complete request arrives.
    const pieces = Array.from({ length: 4 }, () => 'c'.repeat(MAX_BODY_BYTES / 2));
    const streamed = await proxy.raw({ method: 'POST', path: '/openai/v1/files', headers: bearer(), body: pieces });
    expect(codeOf(streamed)).toBe('REQUEST_TOO_LARGE');
    await delay(50);
    expect(upstream.received.filter((request) => request.complete)).toEqual([]);

    // Two keys: the body is buffered for a possible retry, and refused before anything is sent.
    const buffered = await proxy.raw({ method: 'POST', path: '/custom/github/repos/o/r/issues', headers: bearer(), body: pieces });
    expect(codeOf(buffered)).toBe('REQUEST_TOO_LARGE');
    await delay(50);
    expect(upstream.received.filter((request) => request.url.startsWith('/github'))).toEqual([]);
    const bufferedAtLimit = await proxy.raw({ method: 'POST', path: '/custom/github/repos/o/r/issues', headers: bearer(), body: [atLimit.slice(0, 100), atLimit.slice(100)] });
    expect(bufferedAtLimit.status).toBe(200);
    expect(upstream.received.find((request) => request.url === '/github/repos/o/r/issues')?.body).toBe(atLimit);
  });
});

describe('agent keys and scopes', () => {
  it('answers 401 AGENT_KEY_MISSING without a key', async () => {
    for (const headers of [[], [['Cookie', 'session=1']]] as Array<Array<[string, string]>>) {
      expect(codeOf(await proxy.raw({ path: '/openai/v1/models', headers }))).toBe('AGENT_KEY_MISSING');
    }
    expect(upstream.received).toEqual([]);
  });

  it('answers 401 AGENT_KEY_INVALID for an unknown, malformed, disabled or expired key, or two different keys', async () => {
    const unknown = (await generateAgentKey()).key;
    const cases: Array<[string, Array<[string, string]>]> = [
      ['unknown', [['Authorization', `Bearer ${unknown}`]]],
      ['unknown in x-api-key', [['x-api-key', unknown]]],
      ['malformed', [['Authorization', 'Bearer pk_short']]],
      ['a real key, not an agent key', [['Authorization', `Bearer ${OPENAI_SECRET}`]]],
      ['Basic auth', [['Authorization', 'Basic YWdlbnQ6cGFzc3dvcmQ=']]],
      ['disabled', bearer('disabled')],
      ['expired', bearer('expired')],
      ['two different keys', [...bearer(), ['x-api-key', unknown]]],
    ];
    for (const [label, headers] of cases) {
      const response = await proxy.raw({ path: '/openai/v1/models', headers });
      expect({ label, code: codeOf(response) }).toEqual({ label, code: 'AGENT_KEY_INVALID' });
      expect(response.body).not.toContain(OPENAI_SECRET);
    }
    expect(upstream.received).toEqual([]);
  });

  it('answers 403 SCOPE_DENIED for a service outside the key\'s scopes, and 404 SERVICE_UNKNOWN for no service', async () => {
    expect(codeOf(await proxy.raw({ path: '/openai/v1/models', headers: bearer('narrow') }))).toBe('SCOPE_DENIED');
    expect(codeOf(await proxy.raw({ path: '/custom/github/user', headers: bearer('narrow') }))).toBe('SCOPE_DENIED');
    expect(codeOf(await proxy.raw({ path: '/custom/unknown-service/x', headers: bearer() }))).toBe('SERVICE_UNKNOWN');
    expect(codeOf(await proxy.raw({ path: '/openaiX/v1/models', headers: bearer() }))).toBe('SERVICE_UNKNOWN');
    expect(upstream.received).toEqual([]);
    expect((await proxy.raw({ path: '/anthropic/v1/models', headers: bearer('narrow') })).status).toBe(200);
  });
});

describe('policy rules', () => {
  it('answers 403 ENDPOINT_BLOCKED for blocked_endpoints and for anything outside allowed_endpoints', async () => {
    const blocked: Array<[string, string]> = [
      ['DELETE', '/openai/v1/files/file-abc'],
      ['POST', '/openai/v1/organization/invites'],
      ['GET', '/openai/v1/organization/users?limit=1'],
      ['GET', '/custom/github/orgs/acme'],
      ['DELETE', '/custom/github/user'],
      ['GET', '/custom/github/user/keys'],
      ['GET', '/custom/github/repos'],
    ];
    for (const [method, path] of blocked) {
      const response = await proxy.raw({ method, path, headers: bearer() });
      expect({ method, path, code: codeOf(response) }).toEqual({ method, path, code: 'ENDPOINT_BLOCKED' });
    }
    expect(agentError(await proxy.raw({ method: 'DELETE', path: '/openai/v1/files/file-abc', headers: bearer() })).message).toContain('DELETE /v1/files/*');
    expect(upstream.received).toEqual([]);

    const allowed: Array<[string, string]> = [
      ['GET', '/openai/v1/files/file-abc'],
      ['GET', '/custom/github/user'],
      ['GET', '/custom/github/repos/acme/widgets'],
    ];
    for (const [method, path] of allowed) {
      const response = await proxy.raw({ method, path, headers: bearer() });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 200 });
    }
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /v1/files/file-abc', 'GET /github/user', 'GET /github/repos/acme/widgets']);
    expect(upstream.received[1]?.headers.authorization).toBe(`token ${GITHUB_SECRETS[0]}`);
  });

  it('answers 429 RATE_LIMITED with Retry-After once rate_limit is used up', async () => {
    const statuses: number[] = [];
    let last: RawResponse | null = null;
    for (let i = 0; i < 3; i++) {
      last = await proxy.raw({ path: '/custom/limited/ping', headers: bearer() });
      statuses.push(last.status);
    }

    expect(statuses).toEqual([200, 200, 429]);
    expect(codeOf(last!)).toBe('RATE_LIMITED');
    const retryAfter = Number(last!.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(upstream.received).toHaveLength(2);
    expect(upstream.received[0]?.headers['x-limited-key']).toBe(OTHER_SECRET);
  });
});

describe('the vault', () => {
  it('answers 423 VAULT_LOCKED before unlock and after vault.lock, and serves again after unlock', async () => {
    const locked = await startProxyHost({
      policy: `[proxy]\nport = 0\n[services.openai]\nbase_url = "${upstream.url}"\n`,
      credentials: [{ service: 'openai', secret: OPENAI_SECRET }],
      agents: [{ name: 'agent', scopes: ['openai'] }],
      unlock: false,
    });
    try {
      const response = await locked.raw({ path: '/openai/v1/models', headers: [['Authorization', `Bearer ${locked.agentKeys.agent}`]] });
      expect(codeOf(response)).toBe('VAULT_LOCKED');
    } finally {
      await locked.stop();
    }

    await proxy.request('vault.lock');
    try {
      expect(codeOf(await proxy.raw({ path: '/openai/v1/models', headers: bearer() }))).toBe('VAULT_LOCKED');
      const status = JSON.parse((await proxy.raw({ path: '/_keygate/status', headers: bearer() })).body) as { vault: { state: string } };
      expect(status.vault.state).toBe('locked');
      expect(upstream.received).toEqual([]);
    } finally {
      await proxy.unlock();
    }
    expect((await proxy.raw({ path: '/openai/v1/models', headers: bearer() })).status).toBe(200);
  });

  it('answers 404 CREDENTIAL_NOT_FOUND when the vault holds no key for the service', async () => {
    const response = await proxy.raw({ path: '/custom/nokey/x', headers: bearer() });
    expect(codeOf(response)).toBe('CREDENTIAL_NOT_FOUND');
    expect(upstream.received).toEqual([]);
  });
});

describe('GET /_keygate/status', () => {
  it('lists what this agent may use, and no secret', async () => {
    const response = await proxy.raw({ path: '/_keygate/status', headers: bearer('narrow') });

    expect(response.status).toBe(200);
    const status = JSON.parse(response.body) as { agent: { name: string; scopes: string[] }; vault: { state: string }; services: Array<{ name: string; path: string; allowed: boolean; credentials: number | null }> };
    expect(status.agent).toMatchObject({ name: 'narrow', scopes: ['anthropic'] });
    expect(status.vault.state).toBe('unlocked');
    const byName = Object.fromEntries(status.services.map((service) => [service.name, service]));
    expect(byName.anthropic).toMatchObject({ path: '/anthropic', allowed: true, credentials: 1 });
    expect(byName.openai).toMatchObject({ path: '/openai', allowed: false });
    expect(byName.github).toMatchObject({ path: '/custom/github', allowed: false });
    const full = JSON.parse((await proxy.raw({ path: '/_keygate/status', headers: bearer() })).body) as typeof status;
    expect(full.services.find((service) => service.name === 'github')).toMatchObject({ allowed: true, credentials: 2 });
    for (const secret of [...SECRETS, proxy.agentKeys.narrow!, proxy.agentKeys.agent!]) expect(response.body).not.toContain(secret);
    expect(response.body).not.toMatch(/keyHash|[0-9a-f]{64}/);
    expect(codeOf(await proxy.raw({ path: '/_keygate/status' }))).toBe('AGENT_KEY_MISSING');
  });
});

describe('everything the agent received in this file', () => {
  it('held no real key and no wildcard CORS header, and the host logged no secret and no unexpected error', async () => {
    const transcript = await proxy.transcript();
    expect(transcript).toContain('NON_CANONICAL_PATH');
    for (const secret of SECRETS) expect(transcript).not.toContain(secret);
    expect(transcript).not.toMatch(/access-control-allow-origin(:\s*|\n)\*/i);
    // Every refusal above was an expected one: none surfaced as an unexpected error in the host's log.
    expect(proxy.host.stderr()).not.toMatch(/failed:|INTERNAL_ERROR/);
    for (const secret of [...SECRETS, ...Object.values(proxy.agentKeys)]) expect(proxy.host.stderr()).not.toContain(secret);
  });
});

/** The body of a raw HTTP/1.1 answer, undoing chunked transfer-encoding when the head says so. */
function decodeChunked(head: string, body: string): string {
  if (!/transfer-encoding:\s*chunked/i.test(head)) return body;
  let decoded = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return decoded;
    decoded += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
