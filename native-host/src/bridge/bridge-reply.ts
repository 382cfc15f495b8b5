/**
 * An AgentReply over the native port: the answer goes to the browser as `proxy.head`, then
 * `proxy.chunk` events (base64, deflated when worth it, at most BRIDGE_CHUNK_BYTES each, so every frame stays far below
 * Chromium's 1 MB), then `proxy.end`, or `proxy.error` when it breaks off. Flow control is by
 * credits: at most `window` chunks are sent ahead of the browser's `proxy.credit`, and past that the
 * relay is told to pause, so a slow page never makes the host buffer without bound. A page that
 * grants no credit for `stall.ms` while bytes wait is gone (`onStall`): its paused upstream call
 * would otherwise hold the request's slot and a pooled connection for good.
 *
 * Bytes that wait for credit are joined into chunks of up to BRIDGE_CHUNK_BYTES: every chunk costs a
 * frame, a hop through the background and the content script, and a credit back, whatever its size,
 * and upstream reads come in pieces of 16–64 KB. A piece goes out at once when no chunk is on its
 * way (a server-sent event after a pause is not held back); while some are, pieces gather until
 * their credit comes back or a chunk is full. The relay is paused only once a full chunk waits.
 *
 * A small answer complete within the turn its head arrived in (most API answers, and every refusal)
 * goes out as one `proxy.answer` — head, body and end in a single frame — instead of three frames
 * and three hops each through the browser.
 *
 * A large answer moves to the bulk lane when the request allows it (bulk-switch.ts says when): the
 * chunks already sent stay sent, `proxy.bulk` tells the background where to fetch the rest, and the
 * bytes after them go into that HTTP answer as they are. Its socket's back-pressure replaces the
 * credits, and `proxy.end` follows once the last byte went to the socket.
 */
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW, type HeaderList } from '../../../shared/bridge-messages';
import { errorBody, KeygateError } from '../../../shared/errors';
import type { EventFrame } from '../../../shared/protocol';
import type { AgentReply } from '../proxy/agent-exchange';
import type { DeliveryReport } from '../upstream/upstream-relay';
import type { BulkLaneAccess, BulkOffer, BulkSink } from './bulk-lane';
import { bulkLaneDue } from './bulk-switch';
import { ChunkPacker } from './chunk-coding';

export type SendBridgeEvent = (event: EventFrame<'proxy.head' | 'proxy.chunk' | 'proxy.end' | 'proxy.error' | 'proxy.answer' | 'proxy.bulk'>) => void;

/** The bulk lane, for a request whose background can fetch it; `onBroken` ends the request (and its upstream call). */
export interface BulkHookup {
  lane: BulkLaneAccess;
  onBroken: (error: KeygateError) => void;
}

/** An answer on the bulk lane: its ticket, then the socket once the background fetched it. */
interface BulkState {
  offer: BulkOffer;
  sink: BulkSink | null;
  /** The socket's buffer is full: bytes wait here until it drains. */
  blocked: boolean;
  /** Every byte went to the socket; `proxy.end` follows once the socket took them. */
  finishing: boolean;
}

export function headerList(headers: Record<string, string | string[] | undefined>): HeaderList {
  const list: HeaderList = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) list.push([name, one]);
  }
  return list;
}

export class BridgeReply implements AgentReply {
  private started = false;
  /** A head not sent yet: it waits one turn of the event loop for the body's end, to go out as one `proxy.answer`. */
  private heldHead: { status: number; headers: HeaderList } | null = null;
  private unacknowledged = 0;
  /** Bytes not sent yet, in the pieces they were written in. */
  private readonly waiting: Buffer[] = [];
  private waitingBytes = 0;
  private readonly drainListeners: Array<() => void> = [];
  private ending = false;
  private closed = false;
  private resolveEnd!: () => void;
  private rejectEnd!: (error: KeygateError) => void;
  private readonly ended: Promise<void>;
  private stalled: NodeJS.Timeout | null = null;
  private readonly packer = new ChunkPacker();
  private sentBytes = 0;
  private bulk: BulkState | null = null;

  constructor(
    private readonly requestId: string,
    private readonly send: SendBridgeEvent,
    private readonly stall: { ms: number; onStall: () => void } | null = null,
    private readonly window = BRIDGE_CREDIT_WINDOW,
    private bulkHookup: BulkHookup | null = null,
  ) {
    this.ended = new Promise((resolve, reject) => {
      this.resolveEnd = resolve;
      this.rejectEnd = reject;
    });
    this.ended.catch(() => undefined);
  }

  get headersSent(): boolean {
    return this.started;
  }

  start(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.started = true;
    if (this.closed) return;
    this.heldHead = { status, headers: headerList(headers) };
    setImmediate(() => this.sendHead());
  }

  /** False once a full chunk waits for credit: the relay pauses its upstream until `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.closed) return false;
    if (chunk.length > 0) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
    }
    this.pump();
    return this.waitingBytes < BRIDGE_CHUNK_BYTES;
  }

  onDrain(resume: () => void): void {
    this.drainListeners.push(resume);
  }

  /** The browser took `chunks` more chunks: that many may go out again. */
  credit(chunks: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - chunks);
    this.stopStallWatch();
    this.pump();
  }

  /** Reports null once `proxy.end` went out (after every waiting chunk), the reason if the request was cancelled first. */
  end(delivered: DeliveryReport): void {
    this.ended.then(() => delivered(null), delivered);
    this.ending = true;
    const head = this.heldHead;
    if (head !== null && !this.closed && this.waitingBytes <= BRIDGE_CHUNK_BYTES) {
      this.heldHead = null;
      this.closed = true;
      this.stopStallWatch();
      this.send({ type: 'event', event: 'proxy.answer', requestId: this.requestId, ...head, ...this.packer.pack(this.takeChunk()) });
      this.resolveEnd();
      return;
    }
    this.sendHead();
    this.pump();
  }

  abort(error: KeygateError): void {
    if (this.bulk?.finishing === true) {
      this.failFinishing(error);
      return;
    }
    if (this.closed) return;
    this.sendHead();
    this.closed = true;
    this.dropWaiting();
    this.send({ type: 'event', event: 'proxy.error', requestId: this.requestId, error: errorBody(error.code, error.detail) });
    // After the error is on its way: the background's read of the bulk stream fails, and it waits for that error.
    this.leaveBulkLane();
    this.rejectEnd(error);
  }

  /** The browser cancelled, or its port went away: nothing more is sent. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.heldHead = null;
    this.dropWaiting();
    this.leaveBulkLane();
    this.rejectEnd(new KeygateError('CLIENT_DISCONNECTED', 'The bridged request was cancelled.'));
  }

  private sendHead(): void {
    const head = this.heldHead;
    if (head === null || this.closed) return;
    this.heldHead = null;
    this.send({ type: 'event', event: 'proxy.head', requestId: this.requestId, ...head });
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.heldHead !== null) return;
    if (this.bulk === null && this.bulkHookup !== null && bulkLaneDue({ sentBytes: this.sentBytes, waitingBytes: this.waitingBytes, ending: this.ending })) this.enterBulkLane(this.bulkHookup);
    if (this.bulk !== null) {
      this.pumpBulk(this.bulk);
      return;
    }
    while (this.waitingBytes > 0 && this.unacknowledged < this.window) {
      // While chunks are on their way, a partial one waits for their credit or to fill up (Nagle's
      // rule): a bulk answer then goes in full chunks, each of which costs the browser a message,
      // while a lone piece (a server-sent event after a pause) still goes at once.
      if (this.unacknowledged > 0 && this.waitingBytes < BRIDGE_CHUNK_BYTES && !this.ending) break;
      this.unacknowledged += 1;
      const chunk = this.takeChunk();
      this.sentBytes += chunk.length;
      this.send({ type: 'event', event: 'proxy.chunk', requestId: this.requestId, ...this.packer.pack(chunk) });
    }
    // Bytes left over wait for credit: a page that never grants any is let go after `stall.ms`.
    if (this.waitingBytes > 0 && this.stall !== null) this.stalled ??= setTimeout(this.stall.onStall, this.stall.ms);
    if (this.waitingBytes === 0 && this.ending) {
      this.closed = true;
      this.stopStallWatch();
      this.send({ type: 'event', event: 'proxy.end', requestId: this.requestId });
      this.resolveEnd();
      return;
    }
    if (this.waitingBytes < BRIDGE_CHUNK_BYTES) for (const resume of this.drainListeners.splice(0)) resume();
  }

  /** Asks the lane for a URL and tells the background; without one (not listening) the answer stays on the native port. */
  private enterBulkLane(hookup: BulkHookup): void {
    this.bulkHookup = null;
    const offer = hookup.lane.offer({
      fetched: (sink) => {
        if (this.closed || this.bulk === null) {
          sink.destroy();
          return;
        }
        this.bulk.offer.withdraw();
        this.bulk.sink = sink;
        this.pump();
      },
      broken: (error) => {
        if (this.bulk?.finishing === true) this.failFinishing(error);
        else if (!this.closed) hookup.onBroken(error);
      },
    });
    if (offer === null) return;
    this.bulk = { offer, sink: null, blocked: false, finishing: false };
    this.send({ type: 'event', event: 'proxy.bulk', requestId: this.requestId, url: offer.url });
  }

  /** Waiting bytes into the bulk socket as far as it takes them; the end once all went. */
  private pumpBulk(bulk: BulkState): void {
    const { sink } = bulk;
    if (sink !== null) {
      while (!bulk.blocked && this.waiting.length > 0) {
        const piece = this.waiting.shift()!;
        this.waitingBytes -= piece.length;
        if (sink.write(piece)) continue;
        bulk.blocked = true;
        sink.onceDrained(() => {
          bulk.blocked = false;
          if (bulk.finishing) return;
          this.stopStallWatch();
          this.pump();
        });
      }
    }
    // A background that stops reading holds the upstream call paused: let it go after `stall.ms`, as a page that grants no credit.
    if (this.waitingBytes === 0 && !bulk.blocked) this.stopStallWatch();
    else if (this.stall !== null) this.stalled ??= setTimeout(this.stall.onStall, this.stall.ms);
    if (sink !== null && this.waitingBytes === 0 && this.ending) {
      this.closed = true;
      bulk.finishing = true;
      // The socket may still hold the last bytes: a reader that never takes them is let go after `stall.ms` too.
      this.stopStallWatch();
      if (this.stall !== null) this.stalled = setTimeout(this.stall.onStall, this.stall.ms);
      void sink.end().then(() => {
        if (!bulk.finishing) return;
        bulk.finishing = false;
        this.stopStallWatch();
        this.send({ type: 'event', event: 'proxy.end', requestId: this.requestId });
        this.resolveEnd();
      });
      return;
    }
    if (!bulk.blocked && this.waitingBytes < BRIDGE_CHUNK_BYTES) for (const resume of this.drainListeners.splice(0)) resume();
  }

  /** The answer broke while its last bytes were on their way to the socket (it closed, or stalled): it did not arrive whole. */
  private failFinishing(error: KeygateError): void {
    const bulk = this.bulk;
    if (bulk?.finishing !== true) return;
    bulk.finishing = false;
    this.stopStallWatch();
    this.send({ type: 'event', event: 'proxy.error', requestId: this.requestId, error: errorBody(error.code, error.detail) });
    bulk.sink?.destroy();
    this.rejectEnd(error);
  }

  private leaveBulkLane(): void {
    const bulk = this.bulk;
    if (bulk === null) return;
    bulk.offer.withdraw();
    bulk.sink?.destroy();
  }

  /** Up to BRIDGE_CHUNK_BYTES of the waiting bytes, in order, as one buffer. */
  private takeChunk(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (this.waiting.length > 0 && size < BRIDGE_CHUNK_BYTES) {
      const first = this.waiting[0]!;
      const room = BRIDGE_CHUNK_BYTES - size;
      if (first.length <= room) {
        parts.push(first);
        this.waiting.shift();
        size += first.length;
      } else {
        parts.push(first.subarray(0, room));
        this.waiting[0] = first.subarray(room);
        size += room;
      }
    }
    this.waitingBytes -= size;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  private dropWaiting(): void {
    this.waiting.length = 0;
    this.waitingBytes = 0;
    this.stopStallWatch();
  }

  private stopStallWatch(): void {
    if (this.stalled !== null) clearTimeout(this.stalled);
    this.stalled = null;
  }
}
