/**
 * An upstream that echoes the request it received (debug endpoints, error pages, httpbin-style
 * services) hands the injected key back. The scrubber must catch it in whatever shape the echo takes:
 * compressed although Keygate asked for `identity`, base64 at any alignment, percent-encoded, in a
 * header, or cut into slices by Range requests. Real upstream server, the built host, and an agent
 * that tries every decoding on whatever it receives.
 */
import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { secretLeaksIn } from '../support/secret-leak-check';
import { type MockUpstream, type ReceivedRequest, startMockUpstream } from './mock-upstream';
import { agentError, auditLinesFor, type ProxyHost, startProxyHost } from './proxy-host';

const SECRET = 'sk-test-FAKE+echo/Qw7Zr2Lm9=Xv4Tk8Np3~Hb6Jd';
const FILES_SECRET = 'sk-test-FAKE-files-5Gh8Rt2Wq9Zx4Lm7Cv1';
/** What the files service serves: no key in it, so ranges of it are harmless. */
const FILE = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(4));

let upstream: MockUpstream;
let proxy: ProxyHost;

const COMPRESSORS: Record<string, (data: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

/** The request as the upstream saw it, the way echo endpoints print it. */
const echoOf = (request: ReceivedRequest) => Buffer.from(JSON.stringify({ method: request.method, url: request.url, headers: request.headers }));

/** Honours a `bytes=a-b` Range the way a file server does; anything else gets the whole body. */
function answerWithRange(request: ReceivedRequest, body: Buffer, res: Parameters<Parameters<typeof startMockUpstream>[0]>[1]): void {
  const range = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range ?? ''));
  if (range === null) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  const start = Number(range[1]);
  const end = Math.min(Number(range[2]), body.length - 1);
  res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${body.length}` });
  res.end(body.subarray(start, end + 1));
}

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => {
    const [path, query = ''] = request.url.split('?');
    const echo = echoOf(request);
    const coding = /^\/echo\/compressed\/(\w+)$/.exec(path!)?.[1];
    // A broken or hostile server: it compresses whatever the request's accept-encoding says.
    if (coding !== undefined) return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding }).end(COMPRESSORS[coding]!(echo));
    if (path === '/echo/base64') {
      const before = 'x'.repeat(Number(new URLSearchParams(query).get('align')));
      const encoded = Buffer.concat([Buffer.from(before), echo]).toString(new URLSearchParams(query).get('alphabet') === 'url' ? 'base64url' : 'base64');
      return void res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': encoded }).end(encoded);
    }
    if (path === '/echo/urlencoded') {
      const encoded = encodeURIComponent(echo.toString());
      return void res.writeHead(302, { location: `/login?from=${encoded}`, 'content-type': 'text/plain' }).end(`next=${encoded}`);
    }
    if (path === '/echo/ranged') return answerWithRange(request, echo, res);
    // A server that answers 206 whatever it was asked.
    if (path === '/echo/always-partial') return void res.writeHead(206, { 'content-range': `bytes 0-${echo.length - 1}/${echo.length * 2}` }).end(echo);
    if (path === '/file') return answerWithRange(request, FILE, res);
    res.writeHead(404).end();
  });
  proxy = await startProxyHost({
    policy: [
      '[proxy]',
      'port = 0',
      '',
      '[services.openai]',
      `base_url = "${upstream.url}"`,
      '',
      '[custom.files]',
      `base_url = "${upstream.url}"`,
      'auth_header = "X-Key"',
      'allow_ranges = true',
      '',
    ].join('\n'),
    credentials: [
      { service: 'openai', secret: SECRET },
      { service: 'files', secret: FILES_SECRET },
    ],
    agents: [{ name: 'prober', scopes: ['openai', 'custom:files'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

beforeEach(() => upstream.reset());

interface AgentView {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The header lines and the body as bytes, exactly as the agent received them. */
  head: Buffer;
  body: Buffer;
}

/** Every decoding of the headers and (separately, so it can be decompressed) the body that shows the key. */
const leaksIn = (answer: AgentView, secret: string) => [...secretLeaksIn(answer.head, secret), ...secretLeaksIn(answer.body, secret)];

/** A GET as a prying agent sends it, keeping the answer's bytes (a compressed body is not text). */
function agentGet(path: string, headers: Record<string, string> = {}): Promise<AgentView> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: proxy.port, path, agent: false, headers: { authorization: `Bearer ${proxy.agentKeys.prober}`, 'accept-encoding': 'gzip, deflate, br', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, head: Buffer.from(res.rawHeaders.join('\n'), 'latin1'), body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('an upstream that echoes the request', () => {
  it('is asked for an uncompressed body, and its plain echo reaches the agent scrubbed', async () => {
    const answer = await agentGet('/openai/echo/ranged');
    expect(upstream.received[0]!.headers['accept-encoding']).toBe('identity');
    expect(upstream.received[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toContain('[REDACTED]');
    expect(leaksIn(answer, SECRET)).toEqual([]);
  });

  for (const coding of Object.keys(COMPRESSORS)) {
    it(`compressing it with ${coding} anyway: the answer is refused, not relayed, and audited`, async () => {
      const answer = await agentGet(`/openai/echo/compressed/${coding}`);
      expect(upstream.received).toHaveLength(1);
      expect(leaksIn(answer, SECRET)).toEqual([]);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(agentError({ status: answer.status, body: answer.body.toString() }).code).toBe('UPSTREAM_ENCODING_REFUSED');
      const requestId = String(answer.headers['x-keygate-request-id']);
      const [line] = await auditLinesFor(proxy.dataDir, [requestId]);
      expect(line).toMatchObject({ status: 502, decision: 'error', reason: 'UPSTREAM_ENCODING_REFUSED' });
    });
  }

  for (const alphabet of ['standard', 'url']) {
    for (const align of [0, 1, 2]) {
      it(`in ${alphabet} base64 at byte alignment ${align}, in the body and a header: scrubbed`, async () => {
        const answer = await agentGet(`/openai/echo/base64?align=${align}&alphabet=${alphabet}`);
        expect(leaksIn(answer, SECRET)).toEqual([]);
        expect(answer.status).toBe(200);
        expect(String(answer.headers['x-echo'])).toContain('[REDACTED]');
        expect(answer.body.toString()).toContain('[REDACTED]');
      });
    }
  }

  it('percent-encoded, in the body and the Location header: scrubbed', async () => {
    const answer = await agentGet('/openai/echo/urlencoded');
    expect(leaksIn(answer, SECRET)).toEqual([]);
    expect(answer.status).toBe(302);
    expect(String(answer.headers.location)).toContain('[REDACTED]');
  });

  it('sliced by Range requests: the Range never reaches the upstream, so slices cannot rebuild the key', async () => {
    // Equal-width range values keep every echo the same length, so the slices line up into one echo.
    const SLICE = 24;
    const answers: AgentView[] = [];
    for (let start = 0; start < 4000; start += SLICE) {
      const range = `bytes=${String(start).padStart(5, '0')}-${String(start + SLICE - 1).padStart(5, '0')}`;
      const answer = await agentGet('/openai/echo/ranged', { range, 'if-range': '"any"' });
      answers.push(answer);
      if (answer.status !== 206 || answer.body.length < SLICE) break;
    }
    expect(secretLeaksIn(Buffer.concat(answers.map((answer) => answer.body)), SECRET)).toEqual([]);
    expect(answers.map((answer) => answer.status)).toEqual([200]);
    expect(upstream.received.map((request) => request.headers.range ?? request.headers['if-range'] ?? null)).toEqual([null]);
    expect(leaksIn(answers[0]!, SECRET)).toEqual([]);
  });

  it('answering 206 although no range was asked for: refused', async () => {
    const answer = await agentGet('/openai/echo/always-partial');
    expect(agentError({ status: answer.status, body: answer.body.toString() }).code).toBe('UPSTREAM_RANGE_REFUSED');
    expect(leaksIn(answer, SECRET)).toEqual([]);
  });
});

describe('a custom service whose policy allows ranges', () => {
  it('forwards Range and relays the 206 slice', async () => {
    const answer = await agentGet('/custom/files/file', { range: 'bytes=10-19', 'if-range': '"v1"' });
    expect(upstream.received[0]!.headers).toMatchObject({ range: 'bytes=10-19', 'if-range': '"v1"', 'x-key': FILES_SECRET });
    expect(answer.status).toBe(206);
    expect(answer.headers['content-range']).toBe(`bytes 10-19/${FILE.length}`);
    expect(answer.body.equals(FILE.subarray(10, 20))).toBe(true);
  });

  it('still refuses a compressed answer', async () => {
    const answer = await agentGet('/custom/files/echo/compressed/gzip');
    expect(agentError({ status: answer.status, body: answer.body.toString() }).code).toBe('UPSTREAM_ENCODING_REFUSED');
    expect(leaksIn(answer, FILES_SECRET)).toEqual([]);
  });
});
