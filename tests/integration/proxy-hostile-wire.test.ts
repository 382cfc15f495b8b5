/**
 * Wire-level attacks on the HTTP proxy that the other suites leave out, through the built host, with
 * raw sockets for the agent and a real server for the upstream. A hostile upstream hides the key
 * where the scrubber did not look (a header's name, as sent or folded to lower case; a body
 * compressed under a transfer-coding undici does not undo) or goes silent mid-answer. Hostile or
 * sloppy agents send what Node's parser routes past the request handler (CONNECT, a header block
 * past 16 KiB), a body whose chunked framing breaks after the pipeline took the request, or
 * `Expect: 100-continue` before a body Keygate will refuse, or its own pk_ key in the URL's query. The
 * agent never receives the key; each request gets a catalogue answer and leaves one audit line with
 * the right reason.
 */
import { request as httpRequest, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, auditLinesFor, type ProxyHost, rawExchange, requestIdOf, startProxyHost } from './proxy-host';

/** Upper- and lower-case letters: an echo folded to lower case must be caught too. */
const SECRET = 'sk-test-FAKE-hostile-wire-7Qd2Lx9pR4';
const PAIR_SECRETS = ['sk-test-FAKE-hostile-pair-first-9Hs2', 'sk-test-FAKE-hostile-pair-second-4Nw7'];
const MAX_BODY_BYTES = 1024;

const answerOk: MockHandler = (request, res) => sendJson(res, 200, { ok: true, body: request.body });

let upstream: MockUpstream;
let proxy: ProxyHost;

beforeAll(async () => {
  upstream = await startMockUpstream(answerOk);
  proxy = await startProxyHost({
    policy: [
      '[proxy]',
      'port = 0',
      `max_request_body_bytes = ${MAX_BODY_BYTES}`,
      'upstream_timeout_seconds = 1',
      ...['echo', 'pair'].flatMap((name) => ['', `[custom.${name}]`, `base_url = "${upstream.url}"`, 'auth_header = "X-Echo-Key"']),
      'rotation = "round_robin"',
      '',
    ].join('\n'),
    // Two keys for "pair" (taken in turn): its bodies are held whole for a retry; "echo"'s stream straight upstream.
    credentials: [{ service: 'echo', secret: SECRET }, ...PAIR_SECRETS.map((secret) => ({ service: 'pair', secret }))],
    agents: [{ name: 'agent', scopes: ['custom:echo', 'custom:pair'] }],
  });
});

afterAll(() => Promise.all([proxy?.stop(), upstream?.close()]));

beforeEach(() => {
  upstream.reset();
  upstream.setHandler(answerOk);
});

const agentKey = () => proxy.agentKeys.agent!;

/** A request head as raw text, Host set to the proxy. */
function head(requestLine: string, headers: string[]): string {
  return [requestLine, `Host: 127.0.0.1:${proxy.port}`, ...headers, '', ''].join('\r\n');
}

/** The status and body of one raw HTTP/1.1 answer (content-length framed, as refusals are). */
function parseAnswer(text: string): { status: number; body: string } {
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

/** Audit lines in either file (agents' and unauthenticated) that `wanted` picks, once there is one. */
async function auditLinesWhere(wanted: (line: AuditRecord) => boolean): Promise<AuditRecord[]> {
  for (let tries = 0; ; tries++) {
    const lines = [...(await readAuditLines(proxy.dataDir)), ...(await readAuditLines(proxy.dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME))].filter(wanted);
    // The log batches its writes.
    if (lines.length > 0 || tries >= 100) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


describe('requests Node does not hand to the request handler', () => {
  it('CONNECT (Keygate set as an HTTPS proxy) is answered 501 CONNECT_NOT_SUPPORTED and audited, and opens no tunnel', async () => {
    const answer = parseAnswer(await rawExchange(proxy.port, `CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\nProxy-Authorization: Bearer ${agentKey()}\r\n\r\n`));
    expect(answer.status).toBe(501);
    expect(agentError(answer).code).toBe('CONNECT_NOT_SUPPORTED');
    expect(await auditLinesWhere((line) => line.method === 'CONNECT')).toMatchObject([{ status: 501, path: '(refused)', reason: 'CONNECT_NOT_SUPPORTED: CONNECT' }]);
    expect(upstream.received).toHaveLength(0);
    // Agents that reset the connection before the refusal is written (here with more bytes unread) leave the host serving.
    for (let attempt = 0; attempt < 20; attempt++) {
      await new Promise<void>((resolve) => {
        const socket = connect(proxy.port, '127.0.0.1', () => {
          socket.write(`CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n${'x'.repeat(64 * 1024)}`);
          socket.resetAndDestroy();
          resolve();
        });
        socket.on('error', () => undefined);
      });
    }
    expect(parseAnswer(await rawExchange(proxy.port, 'CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n')).status).toBe(501);
    const status = await proxy.raw({ path: '/_keygate/status', headers: [['Authorization', `Bearer ${agentKey()}`]] });
    expect(status.status).toBe(200);
  });

  it('a header block past 16 KiB is answered 431 REQUEST_HEADERS_TOO_LARGE, as the bridge answers it, and audited', async () => {
    const text = head('GET /custom/echo/x HTTP/1.1', [`Authorization: Bearer ${agentKey()}`, `X-Padding: ${'p'.repeat(17 * 1024)}`]);
    const answer = parseAnswer(await rawExchange(proxy.port, text));
    expect(answer.status).toBe(431);
    expect(agentError(answer).code).toBe('REQUEST_HEADERS_TOO_LARGE');
    expect(await auditLinesWhere((line) => (line.reason ?? '').startsWith('REQUEST_HEADERS_TOO_LARGE'))).toMatchObject([{ status: 431, path: '(refused)' }]);
    expect(upstream.received).toHaveLength(0);
  });
});

const BROKEN_FRAMINGS = [
  ['a chunk size that is not hex', '5\r\nfirst\r\nzz\r\nsecond\r\n0\r\n\r\n'],
  ['a chunk size past 64 bits', 'FFFFFFFFFFFFFFFFF5\r\nfirst\r\n0\r\n\r\n'],
  ['a bare LF after a chunk extension', '5;x\nfirst\r\n0\r\n\r\n'],
];

describe('a request whose body framing breaks after the pipeline took it', () => {
  it.each(['echo', 'pair'].flatMap((service) => BROKEN_FRAMINGS.map(([label, chunks]) => [service, label!, chunks!])))('/custom/%s, %s: answered 400 HTTP_REQUEST_MALFORMED, not dropped, and audited once with that reason', async (service, label, chunks) => {
    const path = `/custom/${service}/broken-${label.replaceAll(' ', '-')}`;
    const text = head(`POST ${path} HTTP/1.1`, [`Authorization: Bearer ${agentKey()}`, 'Transfer-Encoding: chunked']) + chunks;
    const answer = parseAnswer(await rawExchange(proxy.port, text));
    expect(answer.status).toBe(400);
    expect(agentError(answer).code).toBe('HTTP_REQUEST_MALFORMED');
    const lines = await auditLinesWhere((line) => line.path === path);
    expect(lines).toHaveLength(1);
    // The agent's request ended before the pipeline could answer it (499), and the line says why.
    expect(lines[0]).toMatchObject({ status: 499, reason: 'HTTP_REQUEST_MALFORMED' });
    // Not a second line for the same request in the file of requests refused before an agent was known.
    const unattributed = await readAuditLines(proxy.dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME);
    expect(unattributed.filter((line) => (line.reason ?? '').startsWith('HTTP_REQUEST_MALFORMED'))).toEqual([]);
  });
});

/** Sends `requestHead`, and the body only once the proxy says `100 Continue`; resolves with all it received when it closes. */
function uploadAfterContinue(requestHead: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.port, '127.0.0.1');
    let received = '';
    let sent = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!sent && received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sent = true;
        socket.write(body);
      }
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(requestHead);
  });
}

describe('Expect: 100-continue', () => {
  it('is answered only when Keygate reads the body: a refused request gets its refusal without it, a forwarded one gets it, then sends its body', async () => {
    const unauthenticated = head('POST /custom/echo/upload HTTP/1.1', ['Content-Type: application/octet-stream', 'Content-Length: 5000000', 'Expect: 100-continue']);
    const tooLarge = head('POST /custom/echo/upload HTTP/1.1', [`Authorization: Bearer ${agentKey()}`, `Content-Length: ${MAX_BODY_BYTES + 1}`, 'Expect: 100-continue']);
    for (const [requestHead, code] of [[unauthenticated, 'AGENT_KEY_MISSING'], [tooLarge, 'REQUEST_TOO_LARGE']] as const) {
      const received = await uploadAfterContinue(requestHead, 'x'.repeat(MAX_BODY_BYTES + 1));
      expect(received).not.toContain('100 Continue');
      expect(agentError(parseAnswer(received)).code).toBe(code);
    }
    expect(upstream.received).toHaveLength(0);

    const forwarded = head('POST /custom/echo/upload HTTP/1.1', [`Authorization: Bearer ${agentKey()}`, 'Content-Length: 11', 'Expect: 100-continue', 'Connection: close']);
    const received = await uploadAfterContinue(forwarded, 'hello world');
    expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(upstream.received.map((request) => request.body)).toEqual(['hello world']);
    expect(upstream.received[0]!.headers.expect).toBeUndefined();
  });

  it('any other expectation is refused 417 EXPECTATION_UNSUPPORTED from the catalogue, audited under the agent, and nothing goes upstream', async () => {
    const answer = parseAnswer(await rawExchange(proxy.port, head('POST /custom/echo/expecting HTTP/1.1', [`Authorization: Bearer ${agentKey()}`, 'Expect: 200-ok', 'Content-Length: 2', 'Connection: close']) + 'hi'));
    expect(answer.status).toBe(417);
    expect(agentError(answer).code).toBe('EXPECTATION_UNSUPPORTED');
    expect(await auditLinesWhere((line) => line.reason === 'EXPECTATION_UNSUPPORTED')).toMatchObject([{ status: 417, method: 'POST', agentName: 'agent' }]);
    expect(upstream.received).toHaveLength(0);
  });
});

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

describe('an upstream that shows what it received earlier (a request inspector)', () => {
  it('echoes a key the service sent on another request: every one of the service\'s keys is scrubbed from the answer', async () => {
    const seen: string[] = [];
    upstream.setHandler((request, res) => {
      seen.push(String(request.headers['x-echo-key']));
      sendJson(res, 200, { seen });
    });
    // round_robin: the two requests go out with different keys.
    await proxy.raw({ path: '/custom/pair/first', headers: [['Authorization', `Bearer ${agentKey()}`]] });
    const inspected = await proxy.raw({ path: '/custom/pair/requests', headers: [['Authorization', `Bearer ${agentKey()}`]] });
    expect(inspected.status).toBe(200);
    expect([...seen].sort()).toEqual([...PAIR_SECRETS].sort());
    for (const secret of PAIR_SECRETS) expect(inspected.body).not.toContain(secret);
    expect(JSON.parse(inspected.body)).toEqual({ seen: ['[REDACTED]', '[REDACTED]'] });
  });
});

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

describe('an agent key in the URL', () => {
  it('is refused with AGENT_KEY_IN_QUERY, as sent or percent-encoded, before anything goes upstream (a query is forwarded as it is, and URLs end up in logs); the audit line names the agent', async () => {
    const key = agentKey();
    const call = async (query: string) => {
      const response = await fetch(`${proxy.baseUrl}/custom/echo/v1/items?${query}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: response.status, body: await response.text(), requestId: response.headers.get('x-keygate-request-id') ?? '' };
    };
    const refused = [await call(`api_key=${key}`), await call(`q=x&token=${encodeURIComponent(key).replace('_', '%5F')}`), await call(`k=${[...key].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`)];
    for (const answer of refused) expect([answer.status, agentError(answer).code]).toEqual([400, 'AGENT_KEY_IN_QUERY']);
    expect(upstream.received).toEqual([]);
    const lines = await auditLinesFor(proxy.dataDir, refused.map((answer) => answer.requestId));
    expect(lines.map((line) => [line.agent, line.status, line.reason])).toEqual(refused.map(() => [proxy.agentIds.agent, 400, 'AGENT_KEY_IN_QUERY']));
    // A query without a key goes on as before.
    expect((await call('q=pk_short&limit=3')).status).toBe(200);
    expect(upstream.received.map((request) => request.url)).toEqual(['/v1/items?q=pk_short&limit=3']);
  });
});
