/**
 * An agent that hangs up never leaves a request unfinished (issue #10, item 1). Raw sockets against
 * the real host binary, an upstream that answers slowly with a large body: whenever the agent goes
 * away (before the upstream answers, mid-body), the upstream call is aborted and its connection let
 * go, the proxy keeps serving, and each request leaves exactly one audit line (499). A plain reset
 * is not logged as a malformed request. An agent that pipelines and reads slowly loses no answer.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { fakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { binancePolicy, type ProxyHost, rawRequest, startProxyHost, waitForHostEvent } from './proxy-host';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
/** 4 MiB in 64 KiB pieces, one every 20 ms: about 1.3 s of body. */
const SLOW_BODY_CHUNKS = 64;
/**
 * `/behind-fill`: 32 KiB in 64-byte pieces, one every 2 ms: Keygate takes it in as many small reads,
 * each buffered behind the first answer, for about a second, long after the first stopped at a full agent.
 */
const BEHIND_PIECE = Buffer.alloc(64, 'y');
const BEHIND_PIECES = 512;

/** A one-shot event a test can await. */
class Signal {
  fire!: () => void;
  readonly promise = new Promise<void>((resolve) => (this.fire = resolve));
}

/**
 * Speaks just enough Binance for the host (server time, key restrictions) and answers everything
 * else slowly and at length: `limit=5000` waits 500 ms before the head, any other request 50 ms.
 * `open` counts answers begun and neither finished nor closed: a pooled connection held by Keygate.
 * `/fill` and `/behind-fill` serve the pipelining agent whose first answer waits for it (see there).
 */
class SlowUpstream {
  readonly server: Server;
  open = 0;
  received = 0;
  /** `/fill` could not write on at once: Keygate reads it slower than it writes, or no more (its agent full). */
  readonly fillBlocked = new Signal();
  /** `/behind-fill` is over: all of it handed to Keygate, or broken off by Keygate. */
  readonly behindFillSettled = new Signal();
  /** Tells `/fill` to end its answer. */
  readonly endFill = new Signal();

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      if (url.pathname === '/api/v3/time') return this.json(res, { serverTime: Date.now() });
      if (url.pathname === '/sapi/v1/account/apiRestrictions') return this.json(res, { enableReading: true, enableWithdrawals: false, enableInternalTransfer: false, permitsUniversalTransfer: false });
      if (url.pathname === '/api/v3/ticker/price') return this.json(res, { symbol: 'ETHUSDT', price: '3000.00' });
      this.received += 1;
      if (url.pathname === '/fill') return this.fill(res);
      if (url.pathname === '/behind-fill') return void this.fillBlocked.promise.then(() => this.answerBehindFill(res));
      // `/unread` never ends: however much the kernel buffers for an agent that reads nothing (it
      // varies with the kernel and with what it remembers of the route), the agent is full at last.
      this.slowAnswer(res, url.searchParams.get('limit') === '5000' ? 500 : 50, url.pathname.endsWith('/unread') ? Infinity : SLOW_BODY_CHUNKS);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Writes as fast as Keygate takes it, until told to end; says when a write first had to wait. */
  private fill(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let ended = false;
    void this.endFill.promise.then(() => (ended = true));
    const next = () => {
      while (!ended && !res.destroyed) {
        if (!res.write(CHUNK)) {
          this.fillBlocked.fire();
          return void res.once('drain', next);
        }
      }
      if (ended) res.end();
    };
    next();
  }

  /** A trickled answer that starts once `/fill` is blocked, so Keygate receives it while the first waits for the agent. */
  private answerBehindFill(res: ServerResponse): void {
    res.once('close', () => this.behindFillSettled.fire());
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      if (sent === BEHIND_PIECES) return void res.end();
      sent += 1;
      res.write(BEHIND_PIECE);
      setTimeout(next, 2);
    };
    next();
  }

  private json(res: ServerResponse, value: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }

  private slowAnswer(res: ServerResponse, headDelayMs: number, chunks: number): void {
    this.open += 1;
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      this.open -= 1;
    };
    res.once('close', settle);
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      if (sent === chunks) return void res.end(']');
      sent += 1;
      // Back-pressure is the proxy's to apply: a paused reader stalls this answer, and it stays open.
      if (res.write(CHUNK)) setTimeout(next, 20);
      else res.once('drain', () => setTimeout(next, 20));
    };
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      next();
    }, headDelayMs);
  }
}

let upstream: SlowUpstream | undefined;
let mock: MockBinance | undefined;
let proxy: ProxyHost | undefined;

afterEach(async () => {
  await proxy?.stop();
  await upstream?.close();
  await mock?.close();
  proxy = upstream = mock = undefined;
});

/** Sends a request on a raw socket and closes (or resets) it `afterMs` later, without reading a byte. */
function sendAndHangUp(port: number, requestText: string, afterMs: number, how: 'close' | 'reset' = 'close'): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(requestText));
    socket.on('error', () => undefined);
    setTimeout(() => {
      if (how === 'reset') socket.resetAndDestroy();
      else socket.destroy();
      resolve();
    }, afterMs);
  });
}

/**
 * Reads a connection from now on and keeps count: the status lines seen, how many chunked answers
 * ended with their last chunk, and whether it closed. Scans as it goes (answers of many MiB), keeping
 * a short tail so that a status line or last chunk split between reads is still found, once.
 */
function readAnswers(socket: Socket): { heads: string[]; ended: number; closed: boolean } {
  const seen = { heads: [] as string[], ended: 0, closed: false };
  let tail = '';
  /** Where `tail` starts in the stream, and where the last match found ends. */
  let tailAt = 0;
  let scannedTo = 0;
  socket.on('data', (chunk: Buffer) => {
    const text = tail + chunk.toString('latin1');
    for (const match of text.matchAll(/HTTP\/1\.1 \d{3} [^\r]*\r|\r\n0\r\n\r\n/g)) {
      if (tailAt + match.index < scannedTo) continue;
      scannedTo = tailAt + match.index + match[0].length;
      if (match[0].startsWith('HTTP')) seen.heads.push(match[0].trimEnd());
      else seen.ended += 1;
    }
    const kept = Math.min(text.length, 64);
    tailAt += text.length - kept;
    tail = text.slice(text.length - kept);
  });
  socket.on('close', () => (seen.closed = true));
  socket.resume();
  return seen;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function auditLines(filter: (line: AuditRecord) => boolean): Promise<AuditRecord[]> {
  return (await readAuditLines(proxy!.dataDir)).filter(filter);
}

function getText(path: string, key: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${proxy!.port}\r\nAuthorization: Bearer ${key}\r\n\r\n`;
}

async function startSlowSetup(proxySettings = '') {
  upstream = new SlowUpstream();
  await upstream.listen();
  const key = fakeBinanceKey('hmac', 'hangup');
  const policy = `${binancePolicy(upstream.url).replace('port = 0\n', `port = 0\n${proxySettings}`)}\n[custom.slow]\nbase_url = "${upstream.url}"\nauth_header = "X-Slow-Key"\n`;
  proxy = await startProxyHost({
    policy,
    credentials: [key.credential, { service: 'slow', secret: 'sk-test-FAKE-slow-upstream-key' }],
    agents: [
      { name: 'reader', scopes: ['binance:read'] },
      { name: 'user', scopes: ['custom:slow'] },
    ],
  });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return proxy;
}

describe('agents that hang up', () => {
  it('300 Binance depth requests dropped after 300 ms: the pool is let go, later calls answer at once, one audit line each', async () => {
    const { port, agentKeys } = await startSlowSetup();
    const drops = Array.from({ length: 300 }, (_, i) =>
      // Half drop while Keygate waits for the head, half in the middle of the body; some close, some reset.
      sendAndHangUp(port, getText(`/binance/api/v3/depth?symbol=BTCUSDT&limit=${i % 2 === 0 ? 5000 : 1000}`, agentKeys.reader!), 300, i % 3 === 0 ? 'reset' : 'close'),
    );
    await Promise.all(drops);
    const isDepth = (line: AuditRecord) => line.path === '/binance/api/v3/depth';
    await waitUntil('300 depth lines are written', async () => (await auditLines(isDepth)).length >= 300);
    // Most reached the upstream (a few may have been dropped before Keygate called it); none is held open.
    expect(upstream!.received).toBeGreaterThan(150);
    await waitUntil('every upstream answer was let go', () => upstream!.open === 0);

    const started = Date.now();
    const ticker = await rawRequest(port, { path: '/binance/api/v3/ticker/price?symbol=ETHUSDT', headers: [['Authorization', `Bearer ${agentKeys.reader}`]] });
    expect(ticker.status).toBe(200);
    const custom = await rawRequest(port, { path: '/custom/slow/things', headers: [['Authorization', `Bearer ${agentKeys.user}`]] });
    expect(custom.status).toBe(200);
    expect(custom.body.length).toBe(SLOW_BODY_CHUNKS * CHUNK.length + 2);
    expect(Date.now() - started).toBeLessThan(10_000);

    // The calls after the drops are written after them: once theirs are in, no late duplicate can follow.
    await waitUntil('the later calls are audited', async () => (await auditLines((line) => line.path === '/custom/slow/things')).length === 1);
    const depth = await auditLines(isDepth);
    expect(depth).toHaveLength(300);
    expect(new Set(depth.map((line) => line.requestId)).size).toBe(300);
    expect(depth.every((line) => line.status === 499 && line.reason === 'CLIENT_DISCONNECTED')).toBe(true);
    expect(await auditLines((line) => (line.reason ?? '').startsWith('HTTP_REQUEST_MALFORMED'))).toEqual([]);
  });

  it('on a key-injection route: dropped before and during the body, each is aborted upstream and audited once', async () => {
    const { port, agentKeys } = await startSlowSetup();
    await Promise.all([
      sendAndHangUp(port, getText('/custom/slow/wait?limit=5000', agentKeys.user!), 200),
      sendAndHangUp(port, getText('/custom/slow/body', agentKeys.user!), 300),
    ]);
    await waitUntil('both upstream answers are let go', () => upstream!.received === 2 && upstream!.open === 0);
    await waitUntil('both are audited', async () => (await auditLines((line) => line.service === 'slow')).length === 2);
    const lines = await auditLines((line) => line.service === 'slow');
    expect(lines.map((line) => [line.path, line.status, line.reason]).sort()).toEqual([
      ['/custom/slow/body', 499, 'CLIENT_DISCONNECTED'],
      ['/custom/slow/wait', 499, 'CLIENT_DISCONNECTED'],
    ]);
  });

  it('pipelined requests on a connection that closes: each queued one is aborted upstream and audited once', async () => {
    const { port, agentKeys } = await startSlowSetup();
    // Node answers pipelined requests in order: the later ones wait behind the first's slow body.
    const pipelined = [1, 2, 3, 4].map((n) => getText(`/custom/slow/piped${n}`, agentKeys.user!)).join('');
    await sendAndHangUp(port, pipelined, 300);
    const isPiped = (line: AuditRecord) => line.path.startsWith('/custom/slow/piped');
    await waitUntil('every upstream answer was let go', () => upstream!.received === 4 && upstream!.open === 0);
    await waitUntil('all four are audited', async () => (await auditLines(isPiped)).length === 4);
    const lines = await auditLines(isPiped);
    expect(lines.map((line) => [line.path, line.status, line.reason]).sort()).toEqual([1, 2, 3, 4].map((n) => [`/custom/slow/piped${n}`, 499, 'CLIENT_DISCONNECTED']));
  });

  it('an agent that stops reading is let go after upstream_timeout_seconds: its upstream call released, one 499 line', async () => {
    const { port, agentKeys } = await startSlowSetup('upstream_timeout_seconds = 1\n');
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Connected, asking, and never reading a byte of an answer that never ends.
    socket.pause();
    socket.write(getText('/custom/slow/unread', agentKeys.user!));
    await waitUntil('the upstream answer was let go', () => upstream!.received === 1 && upstream!.open === 0);
    await waitUntil('it is audited', async () => (await auditLines((line) => line.path === '/custom/slow/unread')).length === 1);
    const [line] = await auditLines((line) => line.path === '/custom/slow/unread');
    expect(line).toMatchObject({ status: 499, reason: 'CLIENT_DISCONNECTED' });
    socket.destroy();
  });

  it('a pipelined answer queued behind a long one is not taken for a stalled agent', async () => {
    const { port, agentKeys } = await startSlowSetup('upstream_timeout_seconds = 1\n');
    // Each answer takes about 1.3 s; the second waits behind the first longer than the stall time.
    const pipelined = [1, 2].map((n) => getText(`/custom/slow/queued${n}`, agentKeys.user!)).join('');
    const received = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(pipelined));
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.split('\r\n0\r\n\r\n').length === 3) socket.end();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
    expect(received.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(received.split('\r\n0\r\n\r\n')).toHaveLength(3);
  });

  it('a pipelined answer that arrives while the one before it waits for its agent is relayed whole, and so is the first', async () => {
    const { port, agentKeys } = await startSlowSetup();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.pause();
    socket.write(['/custom/slow/fill', '/custom/slow/behind-fill'].map((path) => getText(path, agentKeys.user!)).join(''));
    // The first answer fills every buffer up to the agent, which reads nothing, and Keygate stops
    // reading it; the second then trickles in, queued behind it. Only once all of the second was sent
    // (or Keygate broke it off) does the agent read, and the first answer end.
    await upstream!.behindFillSettled.promise;
    upstream!.endFill.fire();
    const answers = readAnswers(socket);
    await waitUntil('both answers reach the agent, or the connection closes', () => answers.ended === 2 || answers.closed);
    socket.destroy();
    expect(answers).toMatchObject({ heads: ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'], ended: 2, closed: false });
    const isPipelined = (line: AuditRecord) => line.path === '/custom/slow/fill' || line.path === '/custom/slow/behind-fill';
    await waitUntil('both are audited', async () => (await auditLines(isPipelined)).length === 2);
    const lines = await auditLines(isPipelined);
    expect(lines.map((line) => [line.path, line.status, line.reason]).sort()).toEqual([
      ['/custom/slow/behind-fill', 200, null],
      ['/custom/slow/fill', 200, null],
    ]);
    expect(lines.find((line) => line.path === '/custom/slow/behind-fill')!.bytesOut).toBe(BEHIND_PIECES * BEHIND_PIECE.length);
  });

  it('an order whose agent hangs up while Binance works on it is audited once, saying it reached Binance', async () => {
    const key = fakeBinanceKey('hmac', 'order');
    mock = await startMockBinance({ keys: [key.mock] });
    proxy = await startProxyHost({ policy: binancePolicy(mock.url, { max_order_value_usd: 1000, daily_volume_usd: 5000 }), credentials: [key.credential], agents: [{ name: 'trader', scopes: ['binance:trade'] }] });
    await waitForHostEvent(proxy.host, 'binance.restrictions');
    mock.setOrderLatency(1500);
    const body = 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000';
    const socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const received = new Promise<void>((resolve) => mock!.onOrderReceived(() => resolve()));
    socket.write(
      `POST /binance/api/v3/order HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nAuthorization: Bearer ${proxy.agentKeys.trader}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await received;
    socket.destroy();
    await waitUntil('the order is audited', async () => (await auditLines((line) => line.path === '/binance/api/v3/order')).length === 1);
    const [line] = await auditLines((line) => line.path === '/binance/api/v3/order');
    expect(line).toMatchObject({ status: 499, reason: 'CLIENT_DISCONNECTED', detail: { reachedBinance: 'unknown' } });
    // Binance may have executed it: the reservation stays.
    expect(line!.detail?.reservationReleased).toBeUndefined();
    expect(mock.orders).toHaveLength(1);
  });

  it('a client that resets mid-headers is not logged as a malformed request', async () => {
    const { port, agentKeys } = await startSlowSetup();
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /custom/slow/x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthor`);
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 100);
      });
      socket.on('error', () => undefined);
    });
    const after = await rawRequest(port, { path: '/custom/slow/after', headers: [['Authorization', `Bearer ${agentKeys.user}`]] });
    expect(after.status).toBe(200);
    await waitUntil('the later call is audited', async () => (await auditLines((line) => line.path === '/custom/slow/after')).length === 1);
    expect(await auditLines((line) => (line.reason ?? '').startsWith('HTTP_REQUEST_MALFORMED'))).toEqual([]);
  });
});
