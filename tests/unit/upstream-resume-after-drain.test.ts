/**
 * A paused upstream call resumes when its agent drains, even when the drain is told from inside
 * another upstream call's data callback. node:http does exactly that for a pipelining agent: a
 * queued answer that buffers a chunk emits 'drain' on the answer holding the connection, inside the
 * queued answer's write. undici cannot resume one call while another is mid-callback; before the
 * relay waited for the callback to return, the queued answer was broken off (UPSTREAM_UNREACHABLE).
 * Real undici pool, real HTTP upstream.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { UpstreamPool } from '../../native-host/src/upstream/upstream-pool';
import type { AnswerSink, DeliveryReport } from '../../native-host/src/upstream/upstream-relay';
import { RequestStop } from '../../native-host/src/upstream/stop-signal';

const CHUNK = Buffer.alloc(64 * 1024, 'a');
const LONG_CHUNKS = 16;
const QUEUED_BODY = 'the queued answer, whole';

/** `/long` streams LONG_CHUNKS chunks with the socket's back-pressure; anything else answers QUEUED_BODY at once. */
function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.url !== '/long') return void res.end(QUEUED_BODY);
    let sent = 0;
    const next = () => {
      while (sent < LONG_CHUNKS) {
        sent += 1;
        if (!res.write(CHUNK)) return void res.once('drain', next);
      }
      res.end();
    };
    next();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** An agent's reply as the relay sees it: `room` says whether a write leaves room for more. */
class TestSink implements AnswerSink {
  readonly chunks: Buffer[] = [];
  room = true;
  onWrite: () => void = () => undefined;
  broken: KeygateError | null = null;
  private drain: (() => void) | null = null;
  private pausedSignal!: () => void;
  /** Resolves the first time the relay pauses and waits for a drain. */
  readonly paused = new Promise<void>((resolve) => (this.pausedSignal = resolve));

  start(): void {}

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.onWrite();
    return this.room;
  }

  onDrain(resume: () => void): void {
    this.drain = resume;
    this.pausedSignal();
  }

  /** What node:http does on 'drain': call the relay back, synchronously. */
  drained(): void {
    const drain = this.drain;
    this.drain = null;
    drain?.();
  }

  end(delivered: DeliveryReport): void {
    delivered(null);
  }

  abort(error: KeygateError): void {
    this.broken = error;
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

let upstream: Server | undefined;
let pool: UpstreamPool | undefined;

afterEach(async () => {
  // The upstream first: a call left paused (when the resume is lost) would hold the pool's close.
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
  await pool?.close();
  pool = upstream = undefined;
});

function call(origin: string, path: string) {
  return { origin, path, method: 'GET', headers: {}, body: null, timeoutMs: 10_000, upstreamProxy: null };
}

describe('an upstream call paused for its agent', () => {
  it('resumes when another call drains it from inside its own data callback, and that call is relayed whole', async () => {
    upstream = await startUpstream();
    pool = new UpstreamPool({});
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    // The answer holding the connection: its agent is full after the first chunk.
    const holding = new TestSink();
    holding.room = false;
    const held = pool.relay(call(origin, '/long'), { sink: holding, signal: new RequestStop(), inspection: null });
    await holding.paused;
    holding.room = true;

    // The answer queued behind it: buffering its chunk makes node:http tell the other one "drain".
    const queued = new TestSink();
    queued.onWrite = () => holding.drained();
    const queuedOutcome = await pool.relay(call(origin, '/queued'), { sink: queued, signal: new RequestStop(), inspection: null }).catch((error: unknown) => error);

    expect(queuedOutcome).toEqual({ kind: 'relayed', status: 200 });
    expect(queued.text).toBe(QUEUED_BODY);
    expect(queued.broken).toBeNull();
    expect(await held).toEqual({ kind: 'relayed', status: 200 });
    expect(Buffer.concat(holding.chunks).length).toBe(LONG_CHUNKS * CHUNK.length);
  });
});
