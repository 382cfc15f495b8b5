/**
 * Wire-level requests from hostile or sloppy agents that the other proxy suites leave out, over raw
 * sockets against the built host: requests Node's parser routes past the request handler (CONNECT,
 * a header block past 16 KiB), a body whose chunked framing breaks after the pipeline took the
 * request, and `Expect: 100-continue` before a body Keygate will refuse. Each gets a catalogue
 * answer and leaves one audit line with the right reason; nothing refused reaches the upstream.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, type ProxyHost, rawExchange, startProxyHost } from './proxy-host';

const SECRET = 'sk-test-FAKE-hostile-agent-3Vb8Kc1mT6';
const PAIR_SECRETS = ['sk-test-FAKE-hostile-pair-first-9Hs2', 'sk-test-FAKE-hostile-pair-second-4Nw7'];
const MAX_BODY_BYTES = 1024;

const answerOk: MockHandler = (request, res) => sendJson(res, 200, { ok: true, body: request.body });

let upstream: MockUpstream;
let proxy: ProxyHost;

beforeAll(async () => {
  upstream = await startMockUpstream(answerOk);
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\nmax_request_body_bytes = ${MAX_BODY_BYTES}\n\n[custom.echo]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n\n[custom.pair]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n`,
    // Two keys for "pair": its bodies are held whole for a retry; "echo"'s stream straight upstream.
    credentials: [{ service: 'echo', secret: SECRET }, ...PAIR_SECRETS.map((secret) => ({ service: 'pair', secret }))],
    agents: [{ name: 'agent', scopes: ['custom:echo', 'custom:pair'] }],
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
});
