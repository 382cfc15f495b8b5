/**
 * A bridged request's body: `proxy.body` frames in, an async iterable of bytes out for the pipeline.
 * Each frame's reply waits until the pipeline has taken its chunk, so the host's reading pace is
 * the background's back-pressure, and at most BRIDGE_BODY_WINDOW chunks per request wait in memory.
 */
import { BRIDGE_BODY_WINDOW } from '../../../shared/bridge-messages';
import { KeygateError } from '../../../shared/errors';

interface Pending {
  data: Buffer;
  end: boolean;
  taken: () => void;
  refused: (error: KeygateError) => void;
}

export class BridgeBody implements AsyncIterable<Uint8Array> {
  /** Chunks received and not yet taken by the pipeline, oldest first. */
  private readonly pending: Pending[] = [];
  private wakeReader: (() => void) | null = null;
  /** The end arrived (it may still wait in `pending`): nothing may follow it. */
  private endReceived = false;
  private finished = false;
  private failure: KeygateError | null = null;

  /** Resolves when the pipeline took the chunk (or stopped wanting the body). */
  push(data: Buffer, end: boolean): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // The end, empty, may follow a full window at once.
    if (this.endReceived || this.pending.length >= BRIDGE_BODY_WINDOW + (end && data.length === 0 ? 1 : 0)) {
      return Promise.reject(new KeygateError('MESSAGE_INVALID', `proxy.body out of turn: at most ${BRIDGE_BODY_WINDOW} unanswered, and nothing after end.`));
    }
    this.endReceived = end;
    return new Promise<void>((taken, refused) => {
      this.pending.push({ data, end, taken, refused });
      this.wakeReader?.();
    });
  }

  /** The request is over (answered, cancelled or failed): waiting senders and the reader are let go. */
  close(error: KeygateError | null): void {
    this.failure ??= error ?? new KeygateError('CLIENT_DISCONNECTED', 'The request is over.');
    for (const waiting of this.pending.splice(0)) waiting.taken();
    this.wakeReader?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.finished) return;
      const next = this.pending.shift();
      if (next === undefined) {
        if (this.failure !== null) throw this.failure;
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
        this.wakeReader = null;
        continue;
      }
      if (next.end) this.finished = true;
      next.taken();
      if (next.data.length > 0) yield next.data;
    }
  }
}
