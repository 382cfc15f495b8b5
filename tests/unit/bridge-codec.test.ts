/**
 * The native bridge's codec: an answer becomes head / chunk / end events (binary-safe, each chunk at
 * most BRIDGE_CHUNK_BYTES), or one `proxy.answer` when it was complete in its head's turn, no more than the credit window goes out unacknowledged, a cancel stops
 * everything, and a request body arrives one acknowledged frame at a time. The last test runs a
 * bridged request through the real pipeline with a grant as its caller and a real local upstream.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { BridgeBody } from '../../native-host/src/bridge/bridge-body';
import { BridgeReply } from '../../native-host/src/bridge/bridge-reply';
import { answerEnded } from '../../native-host/src/upstream/upstream-relay';
import { BridgeRequests } from '../../native-host/src/bridge/bridge-requests';
import { ProxyRuntime } from '../../native-host/src/proxy/proxy-runtime';
import { VaultKeeper } from '../../native-host/src/vault/vault-keeper';
import { BRIDGE_BODY_WINDOW, BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW, type BridgeEventMap } from '../../shared/bridge-messages';
import { KeygateError } from '../../shared/errors';
import { parsePolicy } from '../../shared/policy/parse-policy';
import { validateHostFrame } from '../../shared/protocol';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { newRecordId } from '../../shared/vault/format';

type BridgeEvent = { [E in keyof BridgeEventMap]: { type: 'event'; event: E } & BridgeEventMap[E] }[keyof BridgeEventMap];

/** Long enough never to fire within a test that is not about stalls. */
const NO_STALL = { ms: 60_000, onStall: () => undefined };

function recorder() {
  const events: BridgeEvent[] = [];
  return { events, send: (event: BridgeEvent) => void events.push(event) };
}

/** A chunk's bytes as the extension unpacks them: base64, inflated when the host deflated them. */
function unpacked(event: { data: string; coding?: string }): Buffer {
  const packed = Buffer.from(event.data, 'base64');
  return event.coding === 'deflate-raw' ? inflateRawSync(packed) : packed;
}

function bodyOf(events: BridgeEvent[]): Buffer {
  return Buffer.concat(events.flatMap((event) => (event.event === 'proxy.chunk' || event.event === 'proxy.answer' ? [unpacked(event)] : [])));
}

/** The head waits one turn of the event loop for a body that may end with it. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('BridgeReply', () => {
  it('sends head, binary-safe chunks of at most BRIDGE_CHUNK_BYTES, then end; every event is a valid frame', async () => {
    const { events, send } = recorder();
    const reply = new BridgeReply('req-00000001', send, NO_STALL);
    const body = Buffer.from(Array.from({ length: BRIDGE_CHUNK_BYTES * 2 + 1000 }, (_, i) => (i * 7) % 256));
    reply.start(200, { 'content-type': 'application/octet-stream', 'x-many': ['a', 'b'] });
    reply.write(body);
    reply.credit(3);
    await answerEnded(reply);
    expect(events.map((event) => event.event)).toEqual(['proxy.head', 'proxy.chunk', 'proxy.chunk', 'proxy.chunk', 'proxy.end']);
    expect(events[0]).toMatchObject({ status: 200, headers: [['content-type', 'application/octet-stream'], ['x-many', 'a'], ['x-many', 'b']] });
    expect(bodyOf(events).equals(body)).toBe(true);
    for (const event of events) {
      expect(validateHostFrame(event)).not.toBeNull();
      expect(JSON.stringify(event).length).toBeLessThan(1_000_000);
    }
  });

  it('keeps at most the credit window unacknowledged, pauses the relay, and resumes it on credit', async () => {
    const { events, send } = recorder();
    const reply = new BridgeReply('req-00000002', send, NO_STALL);
    reply.start(200, {});
    await nextTurn();
    const chunk = Buffer.alloc(BRIDGE_CHUNK_BYTES, 1);
    let room = true;
    for (let i = 0; i < BRIDGE_CREDIT_WINDOW + 3; i++) room = reply.write(chunk);
    expect(room).toBe(false);
    expect(events.filter((event) => event.event === 'proxy.chunk')).toHaveLength(BRIDGE_CREDIT_WINDOW);
    let drained = false;
    reply.onDrain(() => (drained = true));
    reply.credit(2);
    expect(events.filter((event) => event.event === 'proxy.chunk')).toHaveLength(BRIDGE_CREDIT_WINDOW + 2);
    expect(drained).toBe(false);
    reply.credit(1);
    expect(events.filter((event) => event.event === 'proxy.chunk')).toHaveLength(BRIDGE_CREDIT_WINDOW + 3);
    expect(drained).toBe(true);
    const ended = answerEnded(reply);
    await ended;
    expect(events.at(-1)).toEqual({ type: 'event', event: 'proxy.end', requestId: 'req-00000002' });
  });

  it('deflates a chunk of 4 KiB or more when that saves a fifth, and sends the rest as it is: bytes that do not shrink (and, after them, the rest of that answer), and small pieces sent the moment they come', async () => {
    const { events, send } = recorder();
    const reply = new BridgeReply('req-00000009', send, NO_STALL);
    reply.start(200, { 'content-type': 'application/jsonl' });
    await nextTurn();
    const text = Buffer.from(Array.from({ length: 400 }, (_, n) => `{"id":"batch_req_${n}","response":{"status_code":200,"body":{"choices":[{"message":{"content":"answer ${n * 7}"}}]}}}\n`).join(''));
    const noise = randomBytes(64 * 1024);
    const event = Buffer.from('data: {"choices":[{"delta":{"content":" hi"}}]}\n\n');
    for (const piece of [text, noise, text, event]) {
      reply.write(piece);
      reply.credit(1);
    }
    await answerEnded(reply);
    const chunks = events.filter((frame) => frame.event === 'proxy.chunk') as Array<{ data: string; coding?: string }>;
    expect(chunks.map((chunk) => chunk.coding ?? 'as is')).toEqual(['deflate-raw', 'as is', 'as is', 'as is']);
    expect(Buffer.from(chunks[0]!.data, 'base64').length).toBeLessThan(text.length / 3);
    expect(chunks.map(unpacked)).toEqual([text, noise, text, event]);
    for (const frame of events) expect(validateHostFrame(frame)).not.toBeNull();
  });

  it('sends a piece at once when no chunk is on its way; while some are, pieces gather into full chunks until their credit comes back; the end sends what is left', async () => {
    const { events, send } = recorder();
    const reply = new BridgeReply('req-00000005', send);
    reply.start(200, {});
    await nextTurn();
    const piece = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 13) % 256));
    const sizes = () => events.filter((event) => event.event === 'proxy.chunk').map((event) => unpacked(event as { data: string; coding?: string }).length);
    reply.write(piece);
    expect(sizes()).toEqual([piece.length]);
    for (let i = 0; i < 4; i++) reply.write(piece);
    expect(sizes()).toEqual([piece.length, BRIDGE_CHUNK_BYTES]);
    reply.write(piece);
    expect(sizes()).toHaveLength(2);
    reply.credit(2);
    expect(sizes()).toEqual([piece.length, BRIDGE_CHUNK_BYTES, piece.length]);
    reply.write(piece);
    reply.write(piece);
    expect(sizes()).toHaveLength(3);
    await answerEnded(reply);
    expect(sizes()).toEqual([piece.length, BRIDGE_CHUNK_BYTES, piece.length, 2 * piece.length]);
    const body = Buffer.concat(events.filter((event) => event.event === 'proxy.chunk').map((event) => unpacked(event as { data: string; coding?: string })));
    expect(body.equals(Buffer.concat(Array(8).fill(piece)))).toBe(true);
  });

  it('an answer complete in its head\'s turn goes out as one proxy.answer; one that ends later as head, chunks, end', async () => {
    const small = recorder();
    const whole = new BridgeReply('req-00000006', small.send);
    whole.start(200, { 'content-type': 'application/json' });
    whole.write(Buffer.from('{"data":'));
    whole.write(Buffer.from('[]}'));
    await answerEnded(whole);
    expect(small.events).toEqual([{ type: 'event', event: 'proxy.answer', requestId: 'req-00000006', status: 200, headers: [['content-type', 'application/json']], data: Buffer.from('{"data":[]}').toString('base64') }]);
    expect(validateHostFrame(small.events[0])).not.toBeNull();

    const streamed = recorder();
    const later = new BridgeReply('req-00000007', streamed.send);
    later.start(200, { 'content-type': 'text/event-stream' });
    later.write(Buffer.from('data: one\n\n'));
    await nextTurn();
    expect(streamed.events.map((event) => event.event)).toEqual(['proxy.head', 'proxy.chunk']);
    await answerEnded(later);
    expect(streamed.events.map((event) => event.event)).toEqual(['proxy.head', 'proxy.chunk', 'proxy.end']);
  });

  it('a cancel stops every event and fails the end; an abort after the head is a proxy.error', async () => {
    const cancelled = recorder();
    const reply = new BridgeReply('req-00000003', cancelled.send, NO_STALL);
    reply.start(200, {});
    await nextTurn();
    for (let i = 0; i < BRIDGE_CREDIT_WINDOW + 1; i++) reply.write(Buffer.alloc(BRIDGE_CHUNK_BYTES, 'x'));
    reply.cancel();
    reply.credit(5);
    await expect(answerEnded(reply)).rejects.toMatchObject({ code: 'CLIENT_DISCONNECTED' });
    expect(cancelled.events.map((event) => event.event)).toEqual(['proxy.head', ...Array(BRIDGE_CREDIT_WINDOW).fill('proxy.chunk')]);

    const broken = recorder();
    const other = new BridgeReply('req-00000004', broken.send, NO_STALL);
    other.start(200, {});
    other.abort(new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.'));
    expect(broken.events.at(-1)).toMatchObject({ event: 'proxy.error', requestId: 'req-00000004', error: { code: 'UPSTREAM_UNREACHABLE' } });
  });
});

describe('BridgeReply stall watch', () => {
  it('calls the page gone when it grants no credit for the stall time while chunks wait, and not while it keeps taking them', async () => {
    let stalls = 0;
    const { send } = recorder();
    const reply = new BridgeReply('req-00000005', send, { ms: 40, onStall: () => (stalls += 1) });
    reply.start(200, {});
    // Full chunks, so each one waits for credit rather than for company.
    for (let i = 0; i < BRIDGE_CREDIT_WINDOW + 2; i++) reply.write(Buffer.alloc(BRIDGE_CHUNK_BYTES, 'x'));
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reply.credit(1);
    }
    expect(stalls).toBe(0);
    // Everything sent: nothing waits, so a page that stops crediting now is not stalling anything.
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(stalls).toBe(0);
    for (let i = 0; i < BRIDGE_CREDIT_WINDOW + 1; i++) reply.write(Buffer.alloc(BRIDGE_CHUNK_BYTES, 'y'));
    reply.end(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(stalls).toBe(1);
  });
});

describe('BridgeBody', () => {
  it('answers each frame when the pipeline has taken its chunk; holds at most BRIDGE_BODY_WINDOW untaken (an empty end may follow them), and nothing after the end', async () => {
    const body = new BridgeBody();
    const taken: number[] = [];
    const pieces = Array.from({ length: BRIDGE_BODY_WINDOW }, (_, index) => body.push(Buffer.from(`piece ${index};`), false).then(() => taken.push(index)));
    await expect(body.push(Buffer.from('one too many'), false)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    const end = body.push(Buffer.alloc(0), true);
    await expect(body.push(Buffer.from('after the end'), false)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    // Nothing is answered before the pipeline reads.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(taken).toEqual([]);
    const chunks: string[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk).toString());
    await Promise.all([...pieces, end]);
    expect(taken).toEqual(Array.from({ length: BRIDGE_BODY_WINDOW }, (_, index) => index));
    expect(chunks.join('')).toBe(Array.from({ length: BRIDGE_BODY_WINDOW }, (_, index) => `piece ${index};`).join(''));
  });
});

describe('a bridged request through the pipeline', () => {
  let upstream: Server;
  let runtime: ProxyRuntime;

  afterEach(async () => {
    await runtime.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('runs with the grant as caller: key injected upstream, the answer as events, the audit naming the site; cancel aborts', async () => {
    const seen: Array<{ url: string; key: string | undefined; body: string }> = [];
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', key: req.headers['x-echo-key'] as string | undefined, body: Buffer.concat(chunks).toString() });
        if (req.url === '/slow') {
          res.writeHead(200).write('partial');
          res.once('close', upstreamClosed);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${Buffer.concat(chunks).toString()}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const parsed = parsePolicy(`[proxy]\nport = 0\n\n[custom.echo]\nbase_url = "http://127.0.0.1:${(upstream.address() as AddressInfo).port}"\nauth_header = "X-Echo-Key"\n`);
    if (!parsed.ok) throw new Error('policy');
    const dataKey = generateDataKey();
    const credentialId = newRecordId();
    const vault = new VaultKeeper();
    vault.unlock(dataKey, [{ id: credentialId, service: 'echo', name: 'echo', kind: 'api_key', createdAt: 1, lastUsedAt: null, sealed: sealSecret(dataKey, credentialId, new TextEncoder().encode('sk-test-FAKE-bridge-echo-key')) }], 3_600_000);
    const audit: AuditRecord[] = [];
    runtime = new ProxyRuntime(parsed.policy, { vault, audit: { append: (record) => audit.push(record) }, dataDir: '/nonexistent-not-used' });
    const grantId = newRecordId();
    runtime.replaceGrants([{ id: grantId, kind: 'site', subject: 'http://localhost:3000', scopes: ['custom:echo'], createdAt: 1, expiresAt: null, enabled: true, lastUsedAt: null }]);
    const { events, send } = recorder();
    const bridge = new BridgeRequests(runtime.pipeline, send, { requestTimeoutMs: () => 60_000, agentStallMs: () => 60_000, now: Date.now });

    bridge.start({ requestId: 'bridge-0001', grantId, method: 'POST', path: '/custom/echo/things', headers: [['Content-Type', 'text/plain']], hasBody: true });
    await bridge.body({ requestId: 'bridge-0001', data: Buffer.from('ping').toString('base64'), end: true });
    while (!events.some((event) => event.event === 'proxy.answer')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen[0]).toEqual({ url: '/things', key: 'sk-test-FAKE-bridge-echo-key', body: 'ping' });
    // A small answer through the real pipeline and relay is one frame: head, body and end together.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'proxy.answer', requestId: 'bridge-0001', status: 200 });
    expect(bodyOf(events).toString()).toBe('got ping');

    bridge.start({ requestId: 'bridge-0002', grantId, method: 'GET', path: '/custom/echo/slow', headers: [], hasBody: false });
    while (!events.some((event) => event.event === 'proxy.chunk' && event.requestId === 'bridge-0002')) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(bridge.cancel({ requestId: 'bridge-0002' })).toEqual({ cancelled: true });
    await closed;
    while (audit.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(audit.map((line) => [line.agent, line.status, line.reason])).toEqual([
      ['site:http://localhost:3000', 200, null],
      ['site:http://localhost:3000', 499, 'CLIENT_DISCONNECTED'],
    ]);
    expect(events.filter((event) => event.requestId === 'bridge-0002').map((event) => event.event)).toEqual(['proxy.head', 'proxy.chunk']);
  });
});
