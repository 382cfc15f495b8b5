/**
 * An AgentReply over the native port: the answer goes to the browser as `proxy.head`, then
 * `proxy.chunk` events (base64, at most BRIDGE_CHUNK_BYTES each, so every frame stays far below
 * Chromium's 1 MB), then `proxy.end`, or `proxy.error` when it breaks off. Flow control is by
 * credits: at most `window` chunks are sent ahead of the browser's `proxy.credit`, and past that the
 * relay is told to pause, so a slow page never makes the host buffer without bound. A page that
 * grants no credit for `stallMs` while chunks wait is gone (`onStall`): its paused upstream call
 * would otherwise hold the request's slot and a pooled connection for good.
 */
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW, type HeaderList } from '../../../shared/bridge-messages';
import { errorBody, KeygateError } from '../../../shared/errors';
import type { EventFrame } from '../../../shared/protocol';
import type { AgentReply } from '../proxy/agent-exchange';

export type SendBridgeEvent = (event: EventFrame<'proxy.head' | 'proxy.chunk' | 'proxy.end' | 'proxy.error'>) => void;

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
  private unacknowledged = 0;
  private readonly waiting: string[] = [];
  private readonly drainListeners: Array<() => void> = [];
  private ending = false;
  private closed = false;
  private resolveEnd!: () => void;
  private rejectEnd!: (error: KeygateError) => void;
  private readonly ended: Promise<void>;
  private stalled: NodeJS.Timeout | null = null;

  constructor(
    private readonly requestId: string,
    private readonly send: SendBridgeEvent,
    private readonly stall: { ms: number; onStall: () => void },
    private readonly window = BRIDGE_CREDIT_WINDOW,
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
    if (!this.closed) this.send({ type: 'event', event: 'proxy.head', requestId: this.requestId, status, headers: headerList(headers) });
  }

  /** False while chunks wait for credit: the relay pauses its upstream until `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.closed) return false;
    for (let offset = 0; offset < chunk.length; offset += BRIDGE_CHUNK_BYTES) {
      this.waiting.push(chunk.subarray(offset, offset + BRIDGE_CHUNK_BYTES).toString('base64'));
    }
    this.pump();
    return this.waiting.length === 0;
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

  /** Resolves once `proxy.end` went out (after every waiting chunk); rejects if the request was cancelled first. */
  end(): Promise<void> {
    this.ending = true;
    this.pump();
    return this.ended;
  }

  abort(error: KeygateError): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.length = 0;
    this.stopStallWatch();
    this.send({ type: 'event', event: 'proxy.error', requestId: this.requestId, error: errorBody(error.code, error.detail) });
    this.rejectEnd(error);
  }

  /** The browser cancelled, or its port went away: nothing more is sent. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.length = 0;
    this.stopStallWatch();
    this.rejectEnd(new KeygateError('CLIENT_DISCONNECTED', 'The bridged request was cancelled.'));
  }

  private stopStallWatch(): void {
    if (this.stalled !== null) clearTimeout(this.stalled);
    this.stalled = null;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.waiting.length > 0 && this.unacknowledged < this.window) {
      this.unacknowledged += 1;
      this.send({ type: 'event', event: 'proxy.chunk', requestId: this.requestId, data: this.waiting.shift()! });
    }
    if (this.waiting.length > 0) {
      this.stalled ??= setTimeout(this.stall.onStall, this.stall.ms);
      return;
    }
    if (this.ending) {
      this.closed = true;
      this.send({ type: 'event', event: 'proxy.end', requestId: this.requestId });
      this.resolveEnd();
      return;
    }
    for (const resume of this.drainListeners.splice(0)) resume();
  }
}
