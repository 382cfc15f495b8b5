/**
 * The bulk lane, piece by piece: when an answer switches (bulk-switch.ts), the tickets (one fetch
 * each, within their lifetime), the host's reply sending native chunks first and the rest into the
 * bulk socket under its back-pressure, and the background's relay putting the fetched bytes after
 * the native chunks, under the agent's credits, with both cancel paths. The listener's refusals are
 * tested against the built host with raw sockets (tests/integration/bulk-lane.test.ts); its header
 * deadline here, on a listener of its own with a short one.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BridgeReply } from '../../native-host/src/bridge/bridge-reply';
import { answerEnded } from '../../native-host/src/upstream/upstream-relay';
import { type BulkHolder, BulkLane, type BulkLaneAccess, type BulkSink } from '../../native-host/src/bridge/bulk-lane';
import { bulkLaneDue } from '../../native-host/src/bridge/bulk-switch';
import { BulkTickets } from '../../native-host/src/bridge/bulk-tickets';
import type { GatewayMessage } from '../../lib/browser-agents/agent-messages';
import { decodeChunk } from '../../lib/browser-agents/body-chunks';
import { relayAgentRequest } from '../../lib/browser-agents/bridge-relay';
import { relayOneMessageCall } from '../../lib/browser-agents/one-message-relay';
import type { FetchBulk } from '../../lib/browser-agents/bulk-download';
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW, BULK_SWITCH_BYTES, type BridgeEventMap, isBulkUrl } from '../../shared/bridge-messages';
import { errorBody, KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { validateHostFrame } from '../../shared/protocol';
import { FakeBridgeHost } from '../support/fake-bridge-host';
import { connectedPorts } from '../support/fake-runtime-ports';

type BridgeEvent = { [E in keyof BridgeEventMap]: { type: 'event'; event: E } & BridgeEventMap[E] }[keyof BridgeEventMap];

const NO_STALL = { ms: 60_000, onStall: () => undefined };
const TOKEN = 'A'.repeat(43);
const URL_OF_LANE = `http://127.0.0.1:40000/bulk/${TOKEN}`;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('when an answer moves to the bulk lane', () => {
  it('moves once more than BULK_SWITCH_BYTES went or waits, and more is to come', () => {
    expect(bulkLaneDue({ sentBytes: BULK_SWITCH_BYTES, waitingBytes: 1, ending: false })).toBe(true);
    expect(bulkLaneDue({ sentBytes: 0, waitingBytes: BULK_SWITCH_BYTES + 1, ending: false })).toBe(true);
    expect(bulkLaneDue({ sentBytes: BULK_SWITCH_BYTES - 10, waitingBytes: 10, ending: false })).toBe(false);
    expect(bulkLaneDue({ sentBytes: BULK_SWITCH_BYTES, waitingBytes: 0, ending: false })).toBe(false);
  });
  it('keeps a tail that fits in one native chunk on the native port', () => {
    expect(bulkLaneDue({ sentBytes: 10 * BULK_SWITCH_BYTES, waitingBytes: BRIDGE_CHUNK_BYTES, ending: true })).toBe(false);
    expect(bulkLaneDue({ sentBytes: BULK_SWITCH_BYTES, waitingBytes: BRIDGE_CHUNK_BYTES + 1, ending: true })).toBe(true);
  });
});

describe('bulk tickets', () => {
  it('a token is 256 random bits, claimed once, by its own holder only', () => {
    const tickets = new BulkTickets<string>(5000);
    const first = tickets.issue('answer-1', 0);
    const second = tickets.issue('answer-2', 0);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(tickets.claim(second, 1)).toBe('answer-2');
    expect(tickets.claim(second, 1)).toBeNull();
    expect(tickets.claim(first.slice(0, -1) + (first.endsWith('A') ? 'B' : 'A'), 1)).toBeNull();
    expect(tickets.claim(first, 2)).toBe('answer-1');
  });
  it('expires unclaimed after its lifetime: the claim fails and the holder is handed back once, a late claim or not', () => {
    const tickets = new BulkTickets<string>(5000);
    const late = tickets.issue('late', 1000);
    tickets.issue('later', 3000);
    expect(tickets.takeExpired(6000)).toEqual([]);
    expect(tickets.takeExpired(6001)).toEqual(['late']);
    expect(tickets.claim(late, 6001)).toBeNull();
    const claimedLate = tickets.issue('claimed-late', 0);
    expect(tickets.claim(claimedLate, 5001)).toBeNull();
    // The late fetch did not spend it: its answer is still handed back as expired (BULK_LANE_BROKEN), once.
    expect(tickets.takeExpired(5001)).toEqual(['claimed-late']);
    expect(tickets.claim(claimedLate, 5002)).toBeNull();
    expect(tickets.size).toBe(1);
    const withdrawn = tickets.issue('withdrawn', 0);
    tickets.withdraw('withdrawn');
    expect(tickets.claim(withdrawn, 1)).toBeNull();
  });
});

/** A lane whose socket the test plays: it takes `room` bytes before it is full, then waits for `drain()`. */
function fakeLane(initialRoom = Infinity, lastBytesTaken = true) {
  let room = initialRoom;
  const state = { holder: null as BulkHolder | null, withdrawn: false, bytes: [] as Buffer[], ended: false, destroyed: false, buffered: 0, drains: [] as Array<() => void> };
  const sink: BulkSink = {
    write: (bytes) => {
      state.bytes.push(Buffer.from(bytes));
      state.buffered += bytes.length;
      return state.buffered < room;
    },
    onceDrained: (resume) => void state.drains.push(resume),
    end: () => {
      state.ended = true;
      return lastBytesTaken ? Promise.resolve() : new Promise<void>(() => undefined);
    },
    destroy: () => void (state.destroyed = true),
  };
  const lane: BulkLaneAccess = {
    offer: (holder) => {
      state.holder = holder;
      return { url: URL_OF_LANE, withdraw: () => void (state.withdrawn = true) };
    },
  };
  return {
    state,
    lane,
    fetch: () => state.holder!.fetched(sink),
    /** The socket sent what it held, and now has `roomAfter` bytes of room. */
    drain: (roomAfter = Infinity) => {
      room = roomAfter;
      state.buffered = 0;
      for (const resume of state.drains.splice(0)) resume();
    },
  };
}

function recorder() {
  const events: BridgeEvent[] = [];
  return { events, send: (event: BridgeEvent) => void events.push(event), names: () => events.map((event) => event.event) };
}

/** Bytes nothing shrinks (so no native chunk is deflated), different per call. */
const pattern = (length: number) => randomBytes(length);

describe('BridgeReply on the bulk lane', () => {
  it('sends what went natively first, then proxy.bulk, then the rest into the socket exactly once; proxy.end after the socket took the last byte', async () => {
    const { events, send, names } = recorder();
    const lane = fakeLane();
    const broken: KeygateError[] = [];
    const reply = new BridgeReply('req-bulk-0001', send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: lane.lane, onBroken: (error) => broken.push(error) });
    reply.start(200, { 'content-type': 'application/octet-stream' });
    await nextTurn();
    const first = pattern(200 * 1024);
    const second = pattern(100 * 1024);
    const third = pattern(300 * 1024);
    reply.write(first);
    expect(names()).toEqual(['proxy.head', 'proxy.chunk']);
    reply.credit(1);
    // 300 KiB now: past the switch, so these bytes are the lane's.
    reply.write(second);
    expect(names()).toEqual(['proxy.head', 'proxy.chunk', 'proxy.bulk']);
    expect(events[2]).toEqual({ type: 'event', event: 'proxy.bulk', requestId: 'req-bulk-0001', url: URL_OF_LANE });
    expect(validateHostFrame(events[2])).not.toBeNull();
    reply.write(third);
    const ended = answerEnded(reply);
    expect(lane.state.bytes).toEqual([]);
    lane.fetch();
    await ended;
    expect(names()).toEqual(['proxy.head', 'proxy.chunk', 'proxy.bulk', 'proxy.end']);
    const native = Buffer.from((events[1] as { data: string }).data, 'base64');
    expect(native.equals(first)).toBe(true);
    expect(Buffer.concat(lane.state.bytes).equals(Buffer.concat([second, third]))).toBe(true);
    expect([lane.state.ended, lane.state.withdrawn, broken]).toEqual([true, true, []]);
  });

  it('moves a large piece that comes first before any byte of it goes natively', async () => {
    const { names, send } = recorder();
    const lane = fakeLane();
    const reply = new BridgeReply('req-bulk-0002', send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: lane.lane, onBroken: () => undefined });
    reply.start(200, {});
    reply.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    expect(names()).toEqual(['proxy.head', 'proxy.bulk']);
  });

  it('stops the upstream while the socket is full and nothing more fits: never buffers past one chunk; drains resume it', async () => {
    const { send } = recorder();
    const lane = fakeLane(64 * 1024);
    const reply = new BridgeReply('req-bulk-0003', send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: lane.lane, onBroken: () => undefined });
    reply.start(200, {});
    reply.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    lane.fetch();
    // The socket took the first piece and is full: pieces gather in the host up to one chunk, then the relay is paused.
    const piece = pattern(64 * 1024);
    let room = true;
    let gathered = 0;
    while (room) {
      room = reply.write(piece);
      gathered += piece.length;
      expect(gathered).toBeLessThanOrEqual(BRIDGE_CHUNK_BYTES + piece.length);
    }
    let resumed = false;
    reply.onDrain(() => (resumed = true));
    expect(Buffer.concat(lane.state.bytes).length).toBe(BULK_SWITCH_BYTES + 1);
    lane.drain();
    expect(resumed).toBe(true);
    expect(Buffer.concat(lane.state.bytes).length).toBe(BULK_SWITCH_BYTES + 1 + gathered);
  });

  it('a cancel cuts the socket and drops the ticket; the lane breaking hands the error to the request', async () => {
    const cancelled = fakeLane();
    const one = new BridgeReply('req-bulk-0004', recorder().send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: cancelled.lane, onBroken: () => undefined });
    one.start(200, {});
    one.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    cancelled.fetch();
    one.cancel();
    expect([cancelled.state.destroyed, cancelled.state.withdrawn]).toEqual([true, true]);
    await expect(answerEnded(one)).rejects.toMatchObject({ code: 'CLIENT_DISCONNECTED' });

    const unfetched = fakeLane();
    const broken: KeygateError[] = [];
    const two = new BridgeReply('req-bulk-0005', recorder().send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: unfetched.lane, onBroken: (error) => broken.push(error) });
    two.start(200, {});
    two.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    unfetched.state.holder!.broken(new KeygateError('BULK_LANE_BROKEN', 'not fetched'));
    expect(broken.map((error) => error.code)).toEqual(['BULK_LANE_BROKEN']);
  });

  it('an abort sends proxy.error first, then cuts the socket, so the background reads the reason', async () => {
    const lane = fakeLane();
    // What the socket looked like at the moment each event went out.
    const seen: Array<[string, boolean]> = [];
    const reply = new BridgeReply('req-bulk-0006', (event) => void seen.push([event.event, lane.state.destroyed]), NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: lane.lane, onBroken: () => undefined });
    reply.start(200, {});
    reply.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    lane.fetch();
    reply.abort(new KeygateError('UPSTREAM_UNREACHABLE', 'cut'));
    expect(seen).toEqual([['proxy.head', false], ['proxy.bulk', false], ['proxy.error', false]]);
    expect(lane.state.destroyed).toBe(true);
  });

  it('a reader that never takes the last bytes is let go after the stall time: proxy.error, the socket cut, the end failed', async () => {
    const { names, send } = recorder();
    const lane = fakeLane(Infinity, false);
    const stall = { ms: 30, onStall: () => reply.abort(new KeygateError('CLIENT_DISCONNECTED', 'stalled')) };
    const reply: BridgeReply = new BridgeReply('req-bulk-0009', send, stall, BRIDGE_CREDIT_WINDOW, { lane: lane.lane, onBroken: () => undefined });
    reply.start(200, {});
    reply.write(pattern(BULK_SWITCH_BYTES + 1));
    await nextTurn();
    lane.fetch();
    await expect(answerEnded(reply)).rejects.toMatchObject({ code: 'CLIENT_DISCONNECTED' });
    expect(names()).toEqual(['proxy.head', 'proxy.bulk', 'proxy.error']);
    expect([lane.state.ended, lane.state.destroyed]).toEqual([true, true]);
  });

  it('without a lane (a request that did not ask, or a lane not listening) the answer stays on the native port', async () => {
    const { names, send } = recorder();
    const reply = new BridgeReply('req-bulk-0007', send, NO_STALL, BRIDGE_CREDIT_WINDOW, { lane: { offer: () => null }, onBroken: () => undefined });
    reply.start(200, {});
    await nextTurn();
    reply.write(pattern(BRIDGE_CHUNK_BYTES));
    reply.credit(1);
    reply.write(pattern(BRIDGE_CHUNK_BYTES));
    expect(names()).toEqual(['proxy.head', 'proxy.chunk', 'proxy.chunk']);
  });
});

const GRANT: GrantRecord = { id: 'grant-0000000000000001', kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop', scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };
const REQUEST = { type: 'request', method: 'GET', path: '/openai/v1/files/file-1/content', headers: [], hasBody: false };

/** A bulk answer the test feeds: a real ReadableStream, so the relay's reads are the ones the browser's fetch gives. */
function bulkAnswer() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) }, { highWaterMark: 0 });
  const fetched: Array<{ url: string; signal: AbortSignal }> = [];
  const fetchBulk: FetchBulk = async (url, signal) => {
    fetched.push({ url, signal });
    signal.addEventListener('abort', () => controller.error(signal.reason));
    return new Response(body, { status: 200 });
  };
  return { fetched, fetchBulk, push: (bytes: Uint8Array) => controller.enqueue(bytes), close: () => controller.close(), fail: () => controller.error(new TypeError('network error')) };
}

function relayWithBulk(fetchBulk: FetchBulk) {
  const host = new FakeBridgeHost();
  const [client, background] = connectedPorts('keygate');
  relayAgentRequest(background, { admit: async () => ({ grant: GRANT, host: host.link }), newRequestId: () => 'req-00000001', fetchBulk });
  const received: GatewayMessage[] = [];
  const waiters: Array<() => void> = [];
  client.onMessage.addListener((raw) => {
    received.push(raw as GatewayMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    host,
    received,
    send: (message: unknown) => client.postMessage(message),
    disconnect: () => client.disconnect(),
    async until(check: () => boolean) {
      while (!check()) await new Promise<void>((wake) => waiters.push(wake));
    },
    chunks: () => received.filter((message) => message.type === 'chunk').map((message) => decodeChunk((message as { data: string }).data)),
  };
}

/** A request whose head came over the native port, and then `proxy.bulk`. */
async function openedOnTheLane(fetchBulk: FetchBulk) {
  const agent = relayWithBulk(fetchBulk);
  agent.send(REQUEST);
  await agent.host.until(() => agent.host.requests.size === 1);
  agent.host.emit(hostEvent('proxy.head', { status: 200, headers: [] }));
  agent.host.emit(hostEvent('proxy.bulk', { url: URL_OF_LANE }));
  return agent;
}

const hostEvent = (event: string, fields: Record<string, unknown> = {}) => ({ type: 'event', event, requestId: 'req-00000001', ...fields }) as BridgeEvent;

describe('the background relay on the bulk lane', () => {
  it('asks for the lane, relays native chunks, then the fetched bytes, and ends after both the stream and proxy.end; credits go to the host for its chunks, the rest pace the fetch', async () => {
    const bulk = bulkAnswer();
    const agent = relayWithBulk(bulk.fetchBulk);
    agent.send(REQUEST);
    await agent.host.until(() => agent.host.requests.size === 1);
    expect(agent.host.calls[0]!.params).toMatchObject({ bulk: true });
    agent.host.emit(hostEvent('proxy.head', { status: 200, headers: [] }));
    agent.host.emit(hostEvent('proxy.chunk', { data: btoa('native-1|') }));
    agent.host.emit(hostEvent('proxy.chunk', { data: btoa('native-2|') }));
    agent.host.emit(hostEvent('proxy.bulk', { url: URL_OF_LANE }));
    expect(bulk.fetched.map((call) => call.url)).toEqual([URL_OF_LANE]);
    // The host is done writing before the background has read the stream: the end waits for the bytes.
    agent.host.emit(hostEvent('proxy.end'));
    const big = pattern(3 * BRIDGE_CHUNK_BYTES);
    bulk.push(big.subarray(0, 1000));
    await agent.until(() => agent.chunks().length === 3);
    agent.send({ type: 'credit', chunks: 3 });
    await agent.host.until(() => agent.host.calls.some((call) => call.type === 'proxy.credit'));
    for (let at = 1000; at < big.length; at += 64 * 1024) bulk.push(big.subarray(at, at + 64 * 1024));
    await tick();
    expect(agent.received.some((message) => message.type === 'end')).toBe(false);
    bulk.close();
    await agent.until(() => agent.received.some((message) => message.type === 'end'));
    const text = new TextDecoder().decode(Buffer.concat(agent.chunks().slice(0, 2)));
    expect(text).toBe('native-1|native-2|');
    expect(Buffer.concat(agent.chunks().slice(2)).equals(big)).toBe(true);
    expect(agent.host.calls.filter((call) => call.type === 'proxy.credit').map((call) => call.params.chunks)).toEqual([2]);
    expect(agent.received.at(-1)).toEqual({ type: 'end' });
  });

  it('reads no further than the agent\'s credit window: a stalled agent stops the fetch (and TCP stops the host); credit resumes it', async () => {
    let pulls = 0;
    const piece = pattern(BRIDGE_CHUNK_BYTES);
    // An endless answer that makes a chunk only when the relay reads.
    const endless = () => new ReadableStream<Uint8Array>({ pull: (controller) => void ((pulls += 1), controller.enqueue(piece)) }, { highWaterMark: 0 });
    const agent = await openedOnTheLane(async () => new Response(endless(), { status: 200 }));
    await agent.until(() => agent.chunks().length === BRIDGE_CREDIT_WINDOW);
    await tick();
    const pullsWhenStalled = pulls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulls).toBe(pullsWhenStalled);
    // The window, and one full chunk waiting for credit: nothing more.
    expect(pulls).toBeLessThanOrEqual(BRIDGE_CREDIT_WINDOW + 1);
    agent.send({ type: 'credit', chunks: 3 });
    await agent.until(() => agent.chunks().length === BRIDGE_CREDIT_WINDOW + 3);
    agent.send({ type: 'cancel' });
  });

  it('the agent cancelling aborts the fetch and cancels the host request', async () => {
    const bulk = bulkAnswer();
    const agent = await openedOnTheLane(bulk.fetchBulk);
    bulk.push(pattern(1000));
    await agent.until(() => agent.chunks().length === 1);
    agent.send({ type: 'cancel' });
    await agent.host.until(() => agent.host.only()[1].cancelled);
    expect(bulk.fetched[0]!.signal.aborted).toBe(true);
  });

  it('a stream that breaks mid-way waits for the host\'s reason; one the listener refused fails with BULK_LANE_BROKEN and cancels the host request', async () => {
    const bulk = bulkAnswer();
    const agent = await openedOnTheLane(bulk.fetchBulk);
    bulk.push(pattern(1000));
    await agent.until(() => agent.chunks().length === 1);
    bulk.fail();
    await tick();
    expect(agent.received.some((message) => message.type === 'error')).toBe(false);
    agent.host.emit(hostEvent('proxy.error', { error: errorBody('UPSTREAM_UNREACHABLE') }));
    await agent.until(() => agent.received.some((message) => message.type === 'error'));
    expect(agent.received.at(-1)).toMatchObject({ type: 'error', error: { code: 'UPSTREAM_UNREACHABLE' } });

    const refused = await openedOnTheLane(async () => new Response('{}', { status: 403 }));
    await refused.until(() => refused.received.some((message) => message.type === 'error'));
    expect(refused.received.at(-1)).toMatchObject({ type: 'error', error: { code: 'BULK_LANE_BROKEN' } });
    await refused.host.until(() => refused.host.only()[1].cancelled);
  });

  it('a one-message call (another extension\'s sendMessage) gets the lane too: its one answer holds the native and the fetched bytes in order', async () => {
    const bulk = bulkAnswer();
    const host = new FakeBridgeHost();
    const answer = relayOneMessageCall({ type: 'keygate.fetch', method: 'GET', path: '/openai/v1/files/file-1/content' }, { admit: async () => ({ grant: GRANT, host: host.link }), newRequestId: () => 'req-00000001', fetchBulk: bulk.fetchBulk });
    await host.until(() => host.requests.size === 1);
    expect(host.calls[0]!.params).toMatchObject({ bulk: true });
    const native = pattern(1000);
    const rest = pattern(2 * BRIDGE_CHUNK_BYTES + 5);
    host.emit(hostEvent('proxy.head', { status: 200, headers: [['content-type', 'application/octet-stream']] }));
    host.emit(hostEvent('proxy.chunk', { data: native.toString('base64') }));
    host.emit(hostEvent('proxy.bulk', { url: URL_OF_LANE }));
    bulk.push(rest);
    bulk.close();
    host.emit(hostEvent('proxy.end'));
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(Buffer.from(body, 'base64').equals(Buffer.concat([native, rest]))).toBe(true);
  });

  it('a relay that cannot fetch does not ask for the lane, and a proxy.bulk URL must be the loopback listener\'s', () => {
    expect(isBulkUrl(URL_OF_LANE)).toBe(true);
    for (const url of [`http://localhost:40000/bulk/${TOKEN}`, `https://127.0.0.1:40000/bulk/${TOKEN}`, `http://127.0.0.1:40000/bulk/${TOKEN}?x`, `http://127.0.0.1:40000/other/${TOKEN}`, `http://127.0.0.1:40000/bulk/${TOKEN.slice(1)}`, `http://127.0.0.1:40000@evil.example/bulk/${TOKEN}`]) expect(isBulkUrl(url)).toBe(false);
  });
});

describe('the lane listener against slow clients (raw sockets)', () => {
  const HEADERS_MS = 400;

  /** Connects, sends `opening` (maybe nothing), and resolves with what came back and when the listener closed the socket. */
  function slowClient(port: number, opening: string): Promise<{ closedAfterMs: number; answer: string }> {
    return new Promise((resolve) => {
      const startedAt = Date.now();
      let answer = '';
      const socket = connect(port, '127.0.0.1', () => {
        if (opening !== '') socket.write(opening);
      });
      socket.on('data', (bytes) => (answer += bytes.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ closedAfterMs: Date.now() - startedAt, answer }));
    });
  }

  it('a socket that sends nothing, or half a request, is closed at its header deadline (Node alone checks every 30 s); an answer streaming longer than it is not cut', async () => {
    const lane = new BulkLane({ extensionOrigin: 'chrome-extension://ljfinjkkblfipmgadfpfgephgogcoghg', requestHeadersMs: HEADERS_MS });
    await lane.listen();
    try {
      let taken: (sink: BulkSink) => void = () => undefined;
      const fetched = new Promise<BulkSink>((resolve) => (taken = resolve));
      const laneUrl = lane.offer({ fetched: (sink) => taken(sink), broken: () => undefined })!.url;
      const url = new URL(laneUrl);
      const port = Number(url.port);
      const [silent, halfway] = await Promise.all([slowClient(port, ''), slowClient(port, `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n`)]);
      for (const client of [silent, halfway]) {
        expect(client.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
        expect(client.closedAfterMs).toBeLessThan(HEADERS_MS * 5);
      }
      expect(halfway.answer).toMatch(/^HTTP\/1\.1 408 /);

      // The background's fetch, answered over more than the deadline: the deadline is for the request only.
      const body = new Promise<Buffer>((resolve, reject) => {
        httpRequest(laneUrl, (response) => {
          const pieces: Buffer[] = [];
          response.on('data', (piece: Buffer) => pieces.push(piece));
          response.on('end', () => resolve(Buffer.concat(pieces)));
          response.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
      const sink = await fetched;
      for (let piece = 0; piece < 4; piece++) {
        sink.write(Buffer.from(`piece ${piece};`));
        await new Promise((resolve) => setTimeout(resolve, HEADERS_MS));
      }
      await sink.end();
      expect((await body).toString()).toBe('piece 0;piece 1;piece 2;piece 3;');
    } finally {
      await lane.close();
    }
  });
});
