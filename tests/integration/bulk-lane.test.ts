/**
 * The bulk lane through the real host binary: a bridged request that asks for it (`bulk: true`) and
 * has a large answer gets `proxy.bulk` with a loopback URL, and only Keygate's extension can fetch
 * it, once. A hostile local process (raw sockets) and a web page (DNS rebinding, `fetch` with its own
 * Origin or Sec-Fetch-Site) get BULK_FETCH_REFUSED and nothing else: no bytes of the answer, no CORS headers. A reader
 * that stops holds the upstream paused with the host's memory bounded; a socket closed early and a
 * URL never fetched end the request with BULK_LANE_BROKEN, the upstream call aborted, one audit line.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { newRecordId } from '../../shared/vault/format';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { type ProxyHost, rawExchange, rawRequest, startProxyHost, waitForHostEvent } from './proxy-host';

const KEY = 'sk-test-FAKE-bulk-lane-upstream-key';
const EXTENSION_ORIGIN = `chrome-extension://${DEFAULT_EXTENSION_ID}`;
/** Bytes nothing shrinks, announced by content-length: the whole body goes over the lane. */
const BIG = randomBytes(3 * 1024 * 1024);

let upstream: MockUpstream | undefined;
let proxy: ProxyHost | undefined;
let endlessWritten = 0;
let endlessClosed: Promise<void> = Promise.resolve();

afterEach(async () => {
  const host = proxy?.host;
  await proxy?.stop();
  // The host exits by itself once the browser's port closes (the helper kills it after 5 s otherwise):
  // no bulk socket, listener or timer may keep it alive.
  if (host !== undefined) expect(host.child.signalCode).toBeNull();
  await upstream?.close();
  proxy = upstream = undefined;
});

async function start(): Promise<{ proxy: ProxyHost; grantId: string }> {
  let closed!: () => void;
  endlessClosed = new Promise<void>((resolve) => (closed = resolve));
  endlessWritten = 0;
  upstream = await startMockUpstream((request, res) => {
    if (request.url === '/endless') {
      // Writes as fast as the proxy takes the bytes, and no faster.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const block = randomBytes(64 * 1024);
      const more = () => {
        while (!res.destroyed && res.write(block)) endlessWritten += block.length;
        if (!res.destroyed) {
          endlessWritten += block.length;
          res.once('drain', more);
        }
      };
      res.once('close', closed);
      more();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) }).end(BIG);
  });
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n[custom.files]\nbase_url = "${upstream.url}"\nauth_header = "X-Files-Key"\n`,
    credentials: [{ service: 'files', secret: KEY }],
    agents: [],
  });
  const grantId = newRecordId();
  const grant = { id: grantId, kind: 'site', subject: 'http://localhost:3000', scopes: ['custom:files'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null };
  await proxy.request('grants.sync', { grants: [grant] });
  return { proxy, grantId };
}

/** Opens a bridged download that may use the lane; resolves to its bulk URL's port and path. */
async function bulkUrlFor(proxy: ProxyHost, grantId: string, requestId: string, path = '/custom/files/big'): Promise<{ port: number; path: string; url: string }> {
  proxy.post('proxy.request', { requestId, grantId, method: 'GET', path, headers: [], hasBody: false, bulk: true });
  const event = await waitForHostEvent(proxy.host, 'proxy.bulk', (frame) => frame.requestId === requestId);
  const url = new URL(String(event.url));
  return { port: Number(url.port), path: url.pathname, url: String(event.url) };
}

/** What Chromium sends with the background's fetch of a host-permitted URL (no Origin; the site is "none"). */
const extensionHeaders: Array<[string, string]> = [['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'cors'], ['Sec-Fetch-Dest', 'empty']];

/** The refusal: 403, the catalogue error, and nothing of the answer nor any CORS header. */
function expectRefused(response: { status: number; headers: Record<string, unknown>; body: string }): void {
  expect(response.status).toBe(403);
  expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'BULK_FETCH_REFUSED' } });
  expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control'))).toEqual([]);
}

function eventsOf(proxy: ProxyHost, requestId: string): string[] {
  return (proxy.host.frames as Array<Record<string, unknown>>).filter((frame) => frame.type === 'event' && frame.requestId === requestId).map((frame) => String(frame.event));
}

async function auditLine(proxy: ProxyHost, path: string) {
  for (let tries = 0; tries < 100; tries++) {
    const lines = (await readAuditLines(proxy.dataDir)).filter((record) => record.path === path);
    if (lines.length > 0) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}

/** One exchange on a raw socket: the head as text, the body as bytes (chunked coding undone). */
function fetchRaw(port: number, requestText: string): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const answer = Buffer.concat(chunks);
      const headEnd = answer.indexOf('\r\n\r\n');
      const head = answer.subarray(0, headEnd).toString('latin1');
      let body = answer.subarray(headEnd + 4);
      if (/transfer-encoding: chunked/i.test(head)) {
        const pieces: Buffer[] = [];
        for (let at = 0; ; ) {
          const lineEnd = body.indexOf('\r\n', at);
          const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
          if (size === 0) break;
          pieces.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
          at = lineEnd + 2 + size + 2;
        }
        body = Buffer.concat(pieces);
      }
      resolve({ head, body });
    });
    socket.write(requestText);
  });
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

describe('the bulk lane, through the real host', () => {
  it('sends the first bytes natively, then the rest once over the lane to a GET from the extension\'s origin, byte-exact; proxy.end follows; one audit line counts every byte', async () => {
    const { proxy, grantId } = await start();
    const lane = await bulkUrlFor(proxy, grantId, 'bulk-req-0001');
    const answer = await fetchRaw(lane.port, `GET ${lane.path} HTTP/1.1\r\nHost: 127.0.0.1:${lane.port}\r\nSec-Fetch-Site: none\r\n\r\n`);
    expect(answer.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.head.toLowerCase()).toContain(`access-control-allow-origin: ${EXTENSION_ORIGIN}`);
    expect(answer.head.toLowerCase()).toContain('cache-control: no-store');
    expectRefused(await rawRequest(lane.port, { path: lane.path, headers: extensionHeaders }));
    await waitForHostEvent(proxy.host, 'proxy.end', (frame) => frame.requestId === 'bulk-req-0001');
    const events = eventsOf(proxy, 'bulk-req-0001');
    expect(events[0]).toBe('proxy.head');
    expect(events.slice(-2)).toEqual(['proxy.bulk', 'proxy.end']);
    expect(events.slice(1, -2).every((name) => name === 'proxy.chunk')).toBe(true);
    const native = (proxy.host.frames as Array<Record<string, unknown>>).filter((frame) => frame.event === 'proxy.chunk' && frame.requestId === 'bulk-req-0001').map((frame) => Buffer.from(String(frame.data), 'base64'));
    expect(Buffer.concat([...native, answer.body]).equals(BIG)).toBe(true);
    const [line] = await auditLine(proxy, '/custom/files/big');
    expect(line).toMatchObject({ agent: 'site:http://localhost:3000', status: 200, bytesOut: BIG.length });
    expect(upstream!.received[0]!.headers['x-files-key']).toBe(KEY);
  });

  it('refuses a wrong token, another path, other methods, a body, a foreign or doubled Host (DNS rebinding), and a web page\'s Origin or Sec-Fetch-Site; the right fetch still works after them', async () => {
    const { proxy, grantId } = await start();
    const lane = await bulkUrlFor(proxy, grantId, 'bulk-req-0003');
    const token = lane.path.slice('/bulk/'.length);
    const otherToken = randomBytes(32).toString('base64url');
    const attempts: Array<Parameters<typeof rawRequest>[1]> = [
      { path: `/bulk/${otherToken}`, headers: extensionHeaders },
      { path: `${lane.path}?again=1`, headers: extensionHeaders },
      { path: `/bulk/${token}/`, headers: extensionHeaders },
      { path: '/', headers: extensionHeaders },
      { path: '/_keygate/status', headers: extensionHeaders },
      { method: 'POST', path: lane.path, headers: extensionHeaders, body: 'x' },
      { method: 'PUT', path: lane.path, headers: extensionHeaders },
      { method: 'OPTIONS', path: lane.path, headers: [...extensionHeaders, ['Access-Control-Request-Method', 'GET']] },
      { path: lane.path, headers: extensionHeaders, body: 'a body' },
      { path: lane.path, headers: extensionHeaders, body: ['chunked', ' body'] },
      { path: lane.path, host: `localhost:${lane.port}`, headers: extensionHeaders },
      { path: lane.path, host: `evil.example:${lane.port}`, headers: extensionHeaders },
      { path: lane.path, host: '127.0.0.1', headers: extensionHeaders },
      // A page's no-cors fetch or navigation sends no Origin, but says where it comes from.
      { path: lane.path, headers: [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Mode', 'no-cors']] },
      { path: lane.path, headers: [['Sec-Fetch-Site', 'same-site'], ['Sec-Fetch-Mode', 'navigate']] },
      { path: lane.path, headers: [['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Site', 'cross-site']] },
      { path: lane.path, headers: [['Origin', 'http://evil.example']] },
      { path: lane.path, headers: [['Origin', 'null']] },
      { path: lane.path, headers: [['Origin', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop']] },
      { path: lane.path, headers: [['Origin', `${EXTENSION_ORIGIN}/`]] },
      { path: lane.path, headers: [['Origin', EXTENSION_ORIGIN], ['Origin', EXTENSION_ORIGIN]] },
      { path: lane.path, headers: [['Origin', EXTENSION_ORIGIN], ['Origin', 'http://evil.example']] },
    ];
    for (const attempt of attempts) expectRefused(await rawRequest(lane.port, attempt));
    // HEAD gets the refusal's status and headers (no body by HTTP's rules) and nothing else.
    const head = await rawExchange(lane.port, `HEAD ${lane.path} HTTP/1.1\r\nHost: 127.0.0.1:${lane.port}\r\nOrigin: ${EXTENSION_ORIGIN}\r\nConnection: close\r\n\r\n`);
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    const doubledHost = await rawExchange(lane.port, `GET ${lane.path} HTTP/1.1\r\nHost: 127.0.0.1:${lane.port}\r\nHost: evil.example\r\nOrigin: ${EXTENSION_ORIGIN}\r\nConnection: close\r\n\r\n`);
    expect(doubledHost).toMatch(/^HTTP\/1\.1 (400|403) /);
    expect(doubledHost.toLowerCase()).not.toContain('access-control-allow-origin');
    // The extension's origin, if a browser ever sends it, is as good as none.
    const ok = await rawRequest(lane.port, { path: lane.path, headers: [['Origin', EXTENSION_ORIGIN]] });
    expect(ok.status).toBe(200);
    expect(Buffer.byteLength(ok.body, 'utf8')).toBeGreaterThan(0);
    await waitForHostEvent(proxy.host, 'proxy.end', (frame) => frame.requestId === 'bulk-req-0003');
  });

  it('a URL not fetched in time fails the request with BULK_LANE_BROKEN, aborts the upstream call, and is spent', async () => {
    const { proxy, grantId } = await start();
    const lane = await bulkUrlFor(proxy, grantId, 'bulk-req-0004', '/custom/files/endless');
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'bulk-req-0004', 15_000);
    expect((error.error as { code: string }).code).toBe('BULK_LANE_BROKEN');
    await endlessClosed;
    expectRefused(await rawRequest(lane.port, { path: lane.path, headers: extensionHeaders }));
    const lines = await auditLine(proxy, '/custom/files/endless');
    expect(lines.map((record) => [record.status, record.reason])).toEqual([[499, 'BULK_LANE_BROKEN']]);
  });

  it('a reader that stops holds the upstream paused with the host\'s memory bounded; closing its socket early fails the request and aborts the upstream call', async () => {
    const { proxy, grantId } = await start();
    const pid = proxy.host.child.pid!;
    const rssBefore = await rssKiB(pid);
    const lane = await bulkUrlFor(proxy, grantId, 'bulk-req-0005', '/custom/files/endless');
    const socket: Socket = connect(lane.port, '127.0.0.1');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // The first bytes arrived: from now on this reader reads nothing.
      socket.pause();
    });
    socket.write(`GET ${lane.path} HTTP/1.1\r\nHost: 127.0.0.1:${lane.port}\r\nSec-Fetch-Site: none\r\n\r\n`);
    // Wait until the upstream has stopped: the same count over a whole second.
    let last = -1;
    for (let tries = 0; tries < 60 && endlessWritten !== last; tries++) {
      last = endlessWritten;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(endlessWritten).toBe(last);
    // What is held: the sockets' kernel buffers on the way and at most one chunk in the host.
    expect(endlessWritten).toBeLessThan(48 * 1024 * 1024);
    expect(received).toBeGreaterThan(0);
    expect((await rssKiB(pid)) - rssBefore).toBeLessThan(64 * 1024);
    socket.destroy();
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'bulk-req-0005');
    expect((error.error as { code: string }).code).toBe('BULK_LANE_BROKEN');
    await endlessClosed;
    const lines = await auditLine(proxy, '/custom/files/endless');
    expect(lines.map((record) => [record.status, record.reason])).toEqual([[499, 'BULK_LANE_BROKEN']]);
    expect(lines[0]!.bytesOut).toBeGreaterThan(0);
  });

  it('a cancel over the native port cuts the bulk stream and aborts the upstream call', async () => {
    const { proxy, grantId } = await start();
    const lane = await bulkUrlFor(proxy, grantId, 'bulk-req-0006', '/custom/files/endless');
    const socket = connect(lane.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let received = 0;
    const first = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => ((received += chunk.length), resolve())));
    socket.write(`GET ${lane.path} HTTP/1.1\r\nHost: 127.0.0.1:${lane.port}\r\nSec-Fetch-Site: none\r\n\r\n`);
    await first;
    expect(await proxy.request('proxy.cancel', { requestId: 'bulk-req-0006' })).toEqual({ cancelled: true });
    await closed;
    await endlessClosed;
    expect(received).toBeGreaterThan(0);
  });

  it('a request that did not ask for the lane gets its large answer over the native port, as before', async () => {
    const { proxy, grantId } = await start();
    proxy.post('proxy.request', { requestId: 'bulk-req-0007', grantId, method: 'GET', path: '/custom/files/big', headers: [], hasBody: false });
    await waitForHostEvent(proxy.host, 'proxy.chunk', (frame) => frame.requestId === 'bulk-req-0007');
    expect(eventsOf(proxy, 'bulk-req-0007')).not.toContain('proxy.bulk');
    await proxy.request('proxy.cancel', { requestId: 'bulk-req-0007' });
  });
});
