/**
 * A hostile upstream against the built host: it hides the key where the scrubber did not look
 * (echoed as a header's name, as sent or folded to lower case, or compressed under a transfer-coding
 * that undici does not undo), or stops sending mid-answer. The agent never receives the key, and
 * each request leaves one audit line with the right reason.
 */
import { request as httpRequest, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, auditLinesFor, type ProxyHost, requestIdOf, startProxyHost } from './proxy-host';

/** Upper- and lower-case letters: an echo folded to lower case must be caught too. */
const SECRET = 'sk-test-FAKE-hostile-upstream-7Qd2Lx9pR4';

const answerOk: MockHandler = (request, res) => sendJson(res, 200, { ok: true, body: request.body });

let upstream: MockUpstream;
let proxy: ProxyHost;

beforeAll(async () => {
  upstream = await startMockUpstream(answerOk);
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\nupstream_timeout_seconds = 1\n\n[custom.echo]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n`,
    credentials: [{ service: 'echo', secret: SECRET }],
    agents: [{ name: 'agent', scopes: ['custom:echo'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

beforeEach(() => {
  upstream.reset();
  upstream.setHandler(answerOk);
});

const agentKey = () => proxy.agentKeys.agent!;

describe('an upstream that hides the key where the scrubber did not look', () => {
  it('echoes it as a header name, as sent or lower-cased: that header is dropped, the others reach the agent', async () => {
    upstream.setHandler((_request, res) => {
      res.setHeader(SECRET, 'echoed as a name');
      res.setHeader(`x-echo-${SECRET.toLowerCase()}`, 'echoed folded');
      res.setHeader('x-ordinary', 'kept');
      sendJson(res, 200, { ok: true });
    });
    const response = await proxy.raw({ path: '/custom/echo/debug', headers: [['Authorization', `Bearer ${agentKey()}`]] });
    expect(response.status).toBe(200);
    expect(response.headers['x-ordinary']).toBe('kept');
    expect(response.rawHeaders.join('\n').toLowerCase()).not.toContain(SECRET.toLowerCase());
    // The echo is what the upstream was sent: the injected key, in the service's header.
    expect(upstream.received[0]!.headers['x-echo-key']).toBe(SECRET);
  });

  it.each([
    ['gzip, chunked', (gzipped: Buffer) => `transfer-encoding: gzip, chunked\r\n\r\n${gzipped.length.toString(16)}\r\n${gzipped.toString('latin1')}\r\n0\r\n\r\n`],
    ['gzip (delimited by the close)', (gzipped: Buffer) => `transfer-encoding: gzip\r\nconnection: close\r\n\r\n${gzipped.toString('latin1')}`],
  ])('compresses its echo under Transfer-Encoding: %s: refused as UPSTREAM_ENCODING_REFUSED, audited once', async (_coding, framing) => {
    upstream.setHandler((request, res) => {
      const gzipped = gzipSync(JSON.stringify({ echo: request.headers['x-echo-key'] }));
      res.socket!.end(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${framing(gzipped)}`, 'latin1'));
    });
    const response = await proxy.raw({ path: '/custom/echo/debug', headers: [['Authorization', `Bearer ${agentKey()}`]] });
    expect(agentError(response).code).toBe('UPSTREAM_ENCODING_REFUSED');
    expect(upstream.received).toHaveLength(1);
    const lines = await auditLinesFor(proxy.dataDir, [requestIdOf(response)!]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 502, path: '/custom/echo/debug' });
    expect(lines[0]!.reason).toMatch(/^UPSTREAM_ENCODING_REFUSED/);
  });
});

/** A GET through the proxy read to its end or its break: the request id, and whether the body came whole. */
function readToTheEnd(path: string): Promise<{ requestId: string | undefined; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path, headers: { authorization: `Bearer ${agentKey()}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      // A broken-off chunked answer ends in 'aborted' and an error; either way the answer closes.
      res.on('error', () => undefined);
      res.on('close', () => resolve({ requestId: res.headers['x-keygate-request-id'] as string | undefined, body, complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('an upstream that stops sending mid-answer', () => {
  it('past upstream_timeout_seconds: the agent sees the answer broken off, and the audit line says UPSTREAM_TIMEOUT, not a broken connection', async () => {
    const stalled: ServerResponse[] = [];
    upstream.setHandler((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      stalled.push(res);
    });
    try {
      const answer = await readToTheEnd('/custom/echo/stream');
      expect(answer.body).toBe('data: first\n\n');
      expect(answer.complete).toBe(false);
      const lines = await auditLinesFor(proxy.dataDir, [answer.requestId!]);
      expect(lines).toMatchObject([{ status: 200, reason: 'UPSTREAM_TIMEOUT', path: '/custom/echo/stream' }]);
    } finally {
      for (const res of stalled) res.destroy();
    }
  });
});
