/**
 * The native bridge through the real host binary, over its stdin/stdout frames: grants synced, a
 * browser agent's request sent as `proxy.request` + `proxy.body`, the answer streamed back as events
 * under credit flow control, refusals as catalogue answers, and the port closing cancels an open
 * request (the upstream sees its connection closed, the audit line says 499). Revoking a grant ends
 * its open requests too. A `proxy.request` frame refused outright is audited like any refusal, and so
 * is a method the HTTP proxy would never forward (CONNECT).
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW, BRIDGE_MAX_OPEN_PER_GRANT, BRIDGE_MAX_OPEN_REQUESTS, BRIDGE_MAX_PATH_CHARS } from '../../shared/bridge-messages';
import { newRecordId } from '../../shared/vault/format';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { fakeBinanceKey, startMockBinance } from '../support/mock-binance';
import { binancePolicy, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

const KEY = 'sk-test-FAKE-bridge-upstream-key';
/** Binary, and long enough for several chunks (and for the credit window to matter). */
const BIG = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31) % 256));

let upstream: MockUpstream | undefined;
let proxy: ProxyHost | undefined;
let slowAnswerClosed: Promise<void> = Promise.resolve();

afterEach(async () => {
  await proxy?.stop();
  await upstream?.close();
  proxy = upstream = undefined;
});

async function start(proxySettings = ''): Promise<{ proxy: ProxyHost; grantId: string; grant: Record<string, unknown> }> {
  let closedSlow!: () => void;
  slowAnswerClosed = new Promise<void>((resolve) => (closedSlow = resolve));
  upstream = await startMockUpstream((request, res) => {
    if (request.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' }).write('first');
      res.once('close', closedSlow);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(request.body === 'send big' ? BIG : Buffer.from(`echo ${request.body}`));
  });
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n${proxySettings}\n[custom.echo]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n`,
    credentials: [{ service: 'echo', secret: KEY }],
    agents: [],
  });
  const grantId = newRecordId();
  const grant = { id: grantId, kind: 'site', subject: 'http://localhost:3000', scopes: ['custom:echo'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null };
  expect(await proxy.request('grants.sync', { grants: [grant] })).toEqual({ count: 1 });
  return { proxy, grantId, grant };
}

function eventsOf(host: ProxyHost['host'], requestId: string): Array<Record<string, unknown>> {
  return (host.frames as Array<Record<string, unknown>>).filter((frame) => frame.type === 'event' && frame.requestId === requestId);
}

/** Reads a bridged answer as a page would: acknowledging chunks, until `proxy.end` or `proxy.error`, or one whole `proxy.answer`. */
/** An event's body bytes as the extension unpacks them (deflated chunks inflated). */
function bytesOf(event: Record<string, unknown>): Buffer {
  const packed = Buffer.from(String(event.data), 'base64');
  return event.coding === 'deflate-raw' ? inflateRawSync(packed) : packed;
}

async function readAnswer(proxy: ProxyHost, requestId: string): Promise<{ status: number; body: Buffer; maxUnacknowledged: number }> {
  let acknowledged = 0;
  let maxUnacknowledged = 0;
  for (;;) {
    const events = eventsOf(proxy.host, requestId);
    const whole = events.find((event) => event.event === 'proxy.answer');
    if (whole !== undefined) return { status: Number(whole.status), body: bytesOf(whole), maxUnacknowledged };
    const chunks = events.filter((event) => event.event === 'proxy.chunk');
    maxUnacknowledged = Math.max(maxUnacknowledged, chunks.length - acknowledged);
    const done = events.some((event) => event.event === 'proxy.end' || event.event === 'proxy.error');
    if (done) {
      const head = events.find((event) => event.event === 'proxy.head');
      return { status: Number(head?.status ?? 0), body: Buffer.concat(chunks.map(bytesOf)), maxUnacknowledged };
    }
    if (chunks.length > acknowledged) {
      // A slow page: it acknowledges one chunk at a time, after a pause.
      await new Promise((resolve) => setTimeout(resolve, 10));
      proxy.post('proxy.credit', { requestId, chunks: 1 });
      acknowledged += 1;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('the native bridge, through the real host', () => {
  it('runs a granted page\'s request with the real key injected, and streams a large binary answer under credits', async () => {
    const { proxy, grantId } = await start();
    proxy.post('proxy.request', { requestId: 'page-req-0001', grantId, method: 'POST', path: '/custom/echo/download', headers: [['Content-Type', 'text/plain']], hasBody: true });
    expect(await proxy.request('proxy.body', { requestId: 'page-req-0001', data: Buffer.from('send big').toString('base64'), end: true })).toEqual({});
    const answer = await readAnswer(proxy, 'page-req-0001');
    expect(answer.status).toBe(200);
    expect(answer.body.equals(BIG)).toBe(true);
    expect(answer.maxUnacknowledged).toBeLessThanOrEqual(BRIDGE_CREDIT_WINDOW);
    expect(upstream!.received[0]).toMatchObject({ method: 'POST', url: '/download', body: 'send big' });
    expect(upstream!.received[0]!.headers['x-echo-key']).toBe(KEY);
    const downloadLines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/download');
    // The log batches its writes.
    for (let tries = 0; (await downloadLines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    const [line] = await downloadLines();
    expect(line).toMatchObject({ agent: 'site:http://localhost:3000', status: 200, decision: 'allowed' });
  });

  it('answers an unknown grant with GRANT_MISSING as a catalogue answer, and nothing goes upstream', async () => {
    const { proxy } = await start();
    proxy.post('proxy.request', { requestId: 'page-req-0002', grantId: newRecordId(), method: 'GET', path: '/custom/echo/x', headers: [], hasBody: false });
    const answer = await readAnswer(proxy, 'page-req-0002');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body.toString()).error.code).toBe('GRANT_MISSING');
    // A refusal is complete at once: head, body and end go to the browser in one frame.
    expect(eventsOf(proxy.host, 'page-req-0002').map((event) => event.event)).toEqual(['proxy.answer']);
    expect(upstream!.received).toHaveLength(0);
  });

  it('a cancel aborts the upstream call; so does the port closing', async () => {
    const { proxy, grantId } = await start();
    proxy.post('proxy.request', { requestId: 'page-req-0003', grantId, method: 'GET', path: '/custom/echo/slow', headers: [], hasBody: false });
    await waitForHostEvent(proxy.host, 'proxy.chunk', (frame) => frame.requestId === 'page-req-0003');
    expect(await proxy.request('proxy.cancel', { requestId: 'page-req-0003' })).toEqual({ cancelled: true });
    await slowAnswerClosed;

    let closedAgain!: () => void;
    slowAnswerClosed = new Promise<void>((resolve) => (closedAgain = resolve));
    upstream!.setHandler((_request, res) => {
      res.writeHead(200).write('first');
      res.once('close', closedAgain);
    });
    proxy.post('proxy.request', { requestId: 'page-req-0004', grantId, method: 'GET', path: '/custom/echo/slow', headers: [], hasBody: false });
    await waitForHostEvent(proxy.host, 'proxy.chunk', (frame) => frame.requestId === 'page-req-0004');
    proxy.host.child.stdin.end();
    await slowAnswerClosed;
    await proxy.host.exited;
    const lines = (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/slow');
    expect(lines.map((record) => [record.agent, record.status, record.reason])).toEqual([
      ['site:http://localhost:3000', 499, 'CLIENT_DISCONNECTED'],
      ['site:http://localhost:3000', 499, 'CLIENT_DISCONNECTED'],
    ]);
  });

  it('revoking a grant ends its open requests: the upstream call is aborted, the page sees the error, the audit line says why', async () => {
    const { proxy, grantId } = await start();
    proxy.post('proxy.request', { requestId: 'page-req-0005', grantId, method: 'GET', path: '/custom/echo/slow', headers: [], hasBody: false });
    await waitForHostEvent(proxy.host, 'proxy.chunk', (frame) => frame.requestId === 'page-req-0005');
    expect(await proxy.request('grants.sync', { grants: [] })).toEqual({ count: 0 });
    await slowAnswerClosed;
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'page-req-0005');
    expect((error.error as { code: string }).code).toBe('GRANT_MISSING');
    const slowLines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/slow');
    for (let tries = 0; (await slowLines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await slowLines()).map((record) => [record.agent, record.status, record.reason])).toEqual([['site:http://localhost:3000', 499, 'GRANT_MISSING']]);
  });

  it('takes a request body in many frames up to the policy\'s max_request_body_bytes, byte-exact upstream; one byte more is REQUEST_TOO_LARGE (413), audited, and the upstream gets no whole body', async () => {
    const cap = 3 * BRIDGE_CHUNK_BYTES + 1000;
    const { proxy, grantId } = await start(`max_request_body_bytes = ${cap}`);
    const body = Buffer.from(Array.from({ length: cap + 1 }, (_, i) => 97 + (i % 26)));
    /** Sends `bytes` as a page does: bridge-sized proxy.body frames, each after the host took the last. */
    const send = async (requestId: string, bytes: Buffer) => {
      proxy.post('proxy.request', { requestId, grantId, method: 'POST', path: '/custom/echo/upload', headers: [['content-type', 'text/plain']], hasBody: true });
      for (let at = 0; at < bytes.length; at += BRIDGE_CHUNK_BYTES) {
        const end = at + BRIDGE_CHUNK_BYTES >= bytes.length;
        // Once the host has refused the body it may answer the rest with an error: the answer tells.
        const taken = await proxy.request('proxy.body', { requestId, data: bytes.subarray(at, at + BRIDGE_CHUNK_BYTES).toString('base64'), end }).then(() => true, () => false);
        if (!taken) break;
      }
      return readAnswer(proxy, requestId);
    };

    const atCap = await send('page-body-at-cap', body.subarray(0, cap));
    expect(atCap.status).toBe(200);
    expect(upstream!.received).toHaveLength(1);
    expect(upstream!.received[0]!.body).toBe(body.subarray(0, cap).toString('latin1'));
    expect(atCap.body.length).toBe('echo '.length + cap);

    const over = await send('page-body-over-cap', body);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body.toString()).error.code).toBe('REQUEST_TOO_LARGE');
    expect(upstream!.received.filter((request) => request.complete && request.body.length > cap)).toEqual([]);
    const uploadLines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/upload');
    for (let tries = 0; (await uploadLines()).length < 2 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await uploadLines()).map((record) => [record.agent, record.status])).toEqual([
      ['site:http://localhost:3000', 200],
      ['site:http://localhost:3000', 413],
    ]);
  });

  it('refuses headers past the HTTP proxy\'s 16 KiB as REQUEST_HEADERS_TOO_LARGE, audited, and sends nothing upstream', async () => {
    const { proxy, grantId } = await start();
    const headers = Array.from({ length: 200 }, (_, i) => [`x-filler-${i}`, 'a'.repeat(16_000)]);
    proxy.post('proxy.request', { requestId: 'page-req-0006', grantId, method: 'GET', path: '/custom/echo/big-headers', headers, hasBody: false });
    const answer = await readAnswer(proxy, 'page-req-0006');
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body.toString()).error.code).toBe('REQUEST_HEADERS_TOO_LARGE');
    expect(upstream!.received).toHaveLength(0);
    const lines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.reason === 'REQUEST_HEADERS_TOO_LARGE');
    for (let tries = 0; (await lines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await lines()).map((record) => [record.agent, record.status])).toEqual([['site:http://localhost:3000', 431]]);
  });

  it('a body that never ends is cut at the request timeout (408, audited), as on the HTTP proxy, freeing its slot and upstream call', async () => {
    const { proxy, grantId } = await start('request_timeout_seconds = 1\n');
    proxy.post('proxy.request', { requestId: 'page-req-0007', grantId, method: 'POST', path: '/custom/echo/upload', headers: [], hasBody: true });
    await proxy.request('proxy.body', { requestId: 'page-req-0007', data: Buffer.from('the start, and nothing after').toString('base64'), end: false });
    const answer = await readAnswer(proxy, 'page-req-0007');
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body.toString()).error.code).toBe('REQUEST_TIMEOUT');
    expect(await proxy.request('proxy.cancel', { requestId: 'page-req-0007' })).toEqual({ cancelled: false });
    const lines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/upload');
    for (let tries = 0; (await lines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await lines()).map((record) => [record.status, record.reason])).toEqual([[408, 'REQUEST_TIMEOUT']]);
  });

  it('a page that never grants credit is let go after upstream_timeout_seconds: proxy.error, audited 499, the slot freed', async () => {
    const { proxy, grantId } = await start('upstream_timeout_seconds = 1\n');
    proxy.post('proxy.request', { requestId: 'page-req-0008', grantId, method: 'POST', path: '/custom/echo/download', headers: [], hasBody: true });
    await proxy.request('proxy.body', { requestId: 'page-req-0008', data: Buffer.from('send big').toString('base64'), end: true });
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'page-req-0008');
    expect((error.error as { code: string }).code).toBe('CLIENT_DISCONNECTED');
    expect(eventsOf(proxy.host, 'page-req-0008').filter((event) => event.event === 'proxy.chunk')).toHaveLength(BRIDGE_CREDIT_WINDOW);
    const lines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/download');
    for (let tries = 0; (await lines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await lines()).map((record) => [record.status, record.reason])).toEqual([[499, 'CLIENT_DISCONNECTED']]);
  });

  it('refuses a header HTTP could not carry (CR/LF in a value, a space in a name) as HTTP_REQUEST_MALFORMED, not as an upstream failure', async () => {
    const { proxy, grantId } = await start();
    const broken: Array<[string, string]> = [['X-Note', 'a\r\nX-Injected: 1'], ['X Note', 'a'], ['X-Note', 'a\u0000b']];
    for (const [index, header] of broken.entries()) {
      const requestId = `page-req-010${index}`;
      proxy.post('proxy.request', { requestId, grantId, method: 'GET', path: '/custom/echo/odd-header', headers: [header], hasBody: false });
      const answer = await readAnswer(proxy, requestId);
      expect([answer.status, JSON.parse(answer.body.toString()).error.code]).toEqual([400, 'HTTP_REQUEST_MALFORMED']);
    }
    expect(upstream!.received).toHaveLength(0);
  });

  it('a refused proxy.request frame (bad method, bad path, a requestId already open, the 65th open request) gets its error reply and one audit line each; a taken one gets none', async () => {
    const { proxy, grantId, grant } = await start();
    // One grant may hold only part of the port's requests (grant-open-requests.test.ts): two fill it, a third asks once more.
    const [second, third] = ['http://localhost:3001', 'http://localhost:3002'].map((subject) => ({ ...grant, id: newRecordId(), subject }));
    await proxy.request('grants.sync', { grants: [grant, second, third] });
    const frame = (requestId: string, method: string, path: string, byGrant = grantId) => ({ requestId, grantId: byGrant, method, path, headers: [], hasBody: true });
    await expect(proxy.request('proxy.request', frame('page-bad-method', 'get', '/custom/echo/x'))).rejects.toThrow(/MESSAGE_INVALID/);
    await expect(proxy.request('proxy.request', frame('page-bad-path', 'GET', 'custom/echo/x'))).rejects.toThrow(/MESSAGE_INVALID/);
    await expect(proxy.request('proxy.request', frame('page-long-path', 'GET', `/custom/echo/${'a'.repeat(BRIDGE_MAX_PATH_CHARS)}`))).rejects.toThrow(/MESSAGE_INVALID/);
    await expect(proxy.request('proxy.request', frame('page-get-body', 'GET', '/custom/echo/x'))).rejects.toThrow(/MESSAGE_INVALID/);
    // Requests waiting for a body that has not come yet stay open without touching the upstream.
    const takenIds = new Set<unknown>();
    for (let index = 0; index < BRIDGE_MAX_OPEN_REQUESTS; index++) {
      const byGrant = index < BRIDGE_MAX_OPEN_PER_GRANT ? grantId : String(second!.id);
      takenIds.add(proxy.post('proxy.request', frame(`page-open-${String(index).padStart(4, '0')}`, 'POST', '/custom/echo/upload', byGrant)));
    }
    await expect(proxy.request('proxy.request', frame('page-open-0000', 'POST', '/custom/echo/upload'))).rejects.toThrow(/MESSAGE_INVALID/);
    await expect(proxy.request('proxy.request', frame('page-one-too-many', 'POST', '/custom/echo/upload', String(third!.id)))).rejects.toThrow(/RATE_LIMITED/);
    // The 64 requests taken got no reply: their events are the answer, and they have none yet.
    expect((proxy.host.frames as Array<Record<string, unknown>>).filter((received) => takenIds.has(received.id))).toEqual([]);
    const refusedLines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === '(refused)');
    for (let tries = 0; (await refusedLines()).length < 6 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    // The log batches its writes: a second line for a refusal would follow within this.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await refusedLines()).map((record) => [record.agent, record.method, record.status, record.decision, record.reason])).toEqual([
      ['site:http://localhost:3000', '', 400, 'blocked', 'MESSAGE_INVALID: method'],
      ['site:http://localhost:3000', 'GET', 400, 'blocked', 'MESSAGE_INVALID: path'],
      ['site:http://localhost:3000', 'GET', 400, 'blocked', 'MESSAGE_INVALID: path length'],
      ['site:http://localhost:3000', 'GET', 400, 'blocked', 'MESSAGE_INVALID: body on GET or HEAD'],
      ['site:http://localhost:3000', 'POST', 400, 'blocked', 'MESSAGE_INVALID: requestId already open'],
      ['site:http://localhost:3002', 'POST', 429, 'blocked', 'RATE_LIMITED: open requests per port'],
    ]);
    expect(upstream!.received).toHaveLength(0);
  });
});

describe('calls the background refused itself', () => {
  it('leave their audit line on the host: under the grant when it has one by that name (disabled too), else sampled as unauthenticated with the name in the detail; a malformed report is refused and writes nothing', async () => {
    const { proxy, grant } = await start();
    const disabled = { ...grant, id: newRecordId(), subject: 'http://localhost:4000', enabled: false };
    await proxy.request('grants.sync', { grants: [grant, disabled] });
    proxy.post('proxy.refused', { agent: 'site:http://localhost:3000', method: 'POST', path: '/custom/echo/v1/x?secret=no', code: 'VAULT_LOCKED' });
    proxy.post('proxy.refused', { agent: 'site:http://localhost:4000', method: 'GET', path: '/custom/echo/a/../b', code: 'GRANT_DISABLED' });
    proxy.post('proxy.refused', { agent: 'extension:abcdefghijklmnopabcdefghijklmnop', method: 'GET', path: '/openai/v1/models', code: 'GRANT_MISSING' });
    // Not what the background refuses with, not a browser agent's name: refused, nothing written.
    await expect(proxy.request('proxy.refused', { agent: 'site:http://localhost:3000', method: 'GET', path: '/x', code: 'SCOPE_DENIED' })).rejects.toThrow(/MESSAGE_INVALID|FRAME/);
    await expect(proxy.request('proxy.refused', { agent: 'pk_live_nobody', method: 'GET', path: '/x', code: 'GRANT_MISSING' })).rejects.toThrow(/MESSAGE_INVALID|FRAME/);

    const named = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.reason?.endsWith('refused in the browser'));
    const unnamed = async () => (await readAuditLines(proxy.dataDir, 'audit-unauthenticated.log')).filter((record) => record.reason?.endsWith('refused in the browser'));
    for (let tries = 0; ((await named()).length < 2 || (await unnamed()).length < 1) && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    // The log batches its writes: a line for a refused report would follow within this.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await named()).map((record) => [record.agent, record.method, record.path, record.status, record.decision, record.reason])).toEqual([
      ['site:http://localhost:3000', 'POST', '/custom/echo/v1/x', 423, 'blocked', 'VAULT_LOCKED: refused in the browser'],
      ['site:http://localhost:4000', 'GET', '(refused)', 403, 'blocked', 'GRANT_DISABLED: refused in the browser'],
    ]);
    expect((await unnamed()).map((record) => [record.agent, record.path, record.status, record.reason, record.detail])).toEqual([
      [null, '/openai/v1/models', 403, 'GRANT_MISSING: refused in the browser', { browserAgent: 'extension:abcdefghijklmnopabcdefghijklmnop' }],
    ]);
    expect(upstream!.received).toHaveLength(0);
  });
});

describe('a method the HTTP proxy never forwards', () => {
  let anyAnswer: TcpServer | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    // The host's pool keeps its connection: closing the listener waits for every socket to go.
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (anyAnswer === undefined ? resolve(undefined) : anyAnswer.close(resolve)));
    anyAnswer = undefined;
  });

  it('a CONNECT (or a made-up method) is refused before anything goes upstream (forwarded, an upstream answering 2xx held it open for good: no answer, no audit line, deaf to cancel); the grant\'s next call works', async () => {
    // An upstream that answers 200 to whatever it is sent, as a catch-all server does.
    const received: string[] = [];
    anyAnswer = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('data', (bytes) => {
        received.push(bytes.toString('latin1'));
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => anyAnswer!.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (anyAnswer.address() as { port: number }).port;
    proxy = await startProxyHost({
      policy: `[proxy]\nport = 0\n[custom.echo]\nbase_url = "http://127.0.0.1:${upstreamPort}"\nauth_header = "X-Echo-Key"\n`,
      credentials: [{ service: 'echo', secret: KEY }],
      agents: [],
    });
    const grantId = newRecordId();
    await proxy.request('grants.sync', { grants: [{ id: grantId, kind: 'site', subject: 'http://localhost:3000', scopes: ['custom:echo'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null }] });

    const frame = { requestId: 'page-connect-01', grantId, method: 'CONNECT', path: '/custom/echo/tunnel', headers: [], hasBody: false };
    await expect(proxy.request('proxy.request', frame)).rejects.toThrow(/MESSAGE_INVALID/);
    expect(await proxy.request('proxy.cancel', { requestId: 'page-connect-01' })).toEqual({ cancelled: false });
    // Nor a method Node's HTTP parser would refuse on the HTTP proxy.
    await expect(proxy.request('proxy.request', { ...frame, requestId: 'page-made-up-01', method: 'FOO' })).rejects.toThrow(/MESSAGE_INVALID/);
    const refused = async () => (await readAuditLines(proxy!.dataDir)).filter((record) => record.method === 'CONNECT');
    for (let tries = 0; (await refused()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await refused()).map((record) => [record.agent, record.status, record.reason])).toEqual([['site:http://localhost:3000', 400, 'MESSAGE_INVALID: method']]);

    proxy.post('proxy.request', { ...frame, requestId: 'page-after-connect', method: 'GET' });
    const answer = await waitForHostEvent(proxy.host, 'proxy.answer', (event) => event.requestId === 'page-after-connect');
    expect([answer.status, Buffer.from(String(answer.data), 'base64').toString()]).toEqual([200, 'ok']);
    expect(received.map((request) => request.split(' ', 1)[0])).toEqual(['GET']);
  });
});

describe('Binance through the bridge: a grant is held to the same caps and scopes as a pk_ key', () => {
  it('a granted site\'s order over max_order_value_usd is refused and never reaches Binance; one under it is signed and placed; a read-only grant may not trade', async () => {
    const key = fakeBinanceKey('hmac', 'bridge');
    const mock = await startMockBinance({ keys: [key.mock] });
    try {
      proxy = await startProxyHost({ policy: binancePolicy(mock.url, { max_order_value_usd: 500 }), credentials: [key.credential], agents: [] });
      const trader = { id: newRecordId(), kind: 'site', subject: 'https://trade.example', scopes: ['binance:trade'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null };
      const reader = { ...trader, id: newRecordId(), subject: 'https://read.example', scopes: ['binance:read'] };
      await proxy.request('grants.sync', { grants: [trader, reader] });
      let sent = 0;
      const order = async (grantId: string, params: string) => {
        const requestId = `page-order-${String(++sent).padStart(4, '0')}`;
        proxy!.post('proxy.request', { requestId, grantId, method: 'POST', path: '/binance/api/v3/order', headers: [['content-type', 'application/x-www-form-urlencoded']], hasBody: true });
        // A request refused before its body is read (a read-only grant's order: SCOPE_DENIED) may be over
        // by the time the body arrives, which the host then refuses; its answer tells what happened.
        await proxy!.request('proxy.body', { requestId, data: Buffer.from(params).toString('base64'), end: true }).catch(() => undefined);
        const answer = await readAnswer(proxy!, requestId);
        return { status: answer.status, code: answer.status === 200 ? null : (JSON.parse(answer.body.toString()) as { error: { code: string } }).error.code };
      };
      const orders = () => mock.received.filter((request) => request.method === 'POST' && request.path === '/api/v3/order');

      expect(await order(trader.id, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.009&price=60000')).toEqual({ status: 403, code: 'ORDER_VALUE_EXCEEDED' });
      expect(orders()).toHaveLength(0);
      expect(await order(reader.id, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000')).toEqual({ status: 403, code: 'SCOPE_DENIED' });
      expect(orders()).toHaveLength(0);
      expect(await order(trader.id, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.008&price=60000')).toEqual({ status: 200, code: null });
      expect(orders()).toHaveLength(1);
      expect(orders()[0]!.signatureValid).toBe(true);
      const orderLines = async () => (await readAuditLines(proxy!.dataDir)).filter((record) => record.path === '/binance/api/v3/order');
      for (let tries = 0; (await orderLines()).length < 3 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await orderLines()).map((record) => [record.agent, record.status, record.reason ?? null])).toEqual([
        ['site:https://trade.example', 403, 'ORDER_VALUE_EXCEEDED'],
        ['site:https://read.example', 403, 'SCOPE_DENIED'],
        ['site:https://trade.example', 200, null],
      ]);
    } finally {
      await mock.close();
    }
  });
});
