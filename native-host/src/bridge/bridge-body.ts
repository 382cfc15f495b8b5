/**
 * A bridged request's body: `proxy.body` frames in, an async iterable of bytes out for the pipeline.
 * Each frame's reply waits until the pipeline has taken its chunk, so the host's reading pace is
 * the background's back-pressure and at most one chunk per request waits in memory.
 */
import { KeygateError } from '../../../shared/errors';

interface Pending {
  data: Buffer;
  end: boolean;
  taken: () => void;
  refused: (error: KeygateError) => void;
}

export class BridgeBody implements AsyncIterable<Uint8Array> {
  private pending: Pending | null = null;
  private wakeReader: (() => void) | null = null;
  private finished = false;
  private failure: KeygateError | null = null;

  /** Resolves when the pipeline took the chunk (or stopped wanting the body). */
  push(data: Buffer, end: boolean): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.finished || this.pending !== null) return Promise.reject(new KeygateError('MESSAGE_INVALID', 'proxy.body out of order: wait for the previous reply, and send nothing after end.'));
    return new Promise<void>((taken, refused) => {
      this.pending = { data, end, taken, refused };
      this.wakeReader?.();
    });
  }

  /** The request is over (answered, cancelled or failed): a waiting sender and reader are let go. */
  close(error: KeygateError | null): void {
    this.failure ??= error ?? new KeygateError('CLIENT_DISCONNECTED', 'The request is over.');
    this.pending?.taken();
    this.pending = null;
    this.wakeReader?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.finished) return;
      const next = this.pending;
      if (next === null) {
        if (this.failure !== null) throw this.failure;
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
        this.wakeReader = null;
        continue;
      }
      this.pending = null;
      if (next.end) this.finished = true;
      next.taken();
      if (next.data.length > 0) yield next.data;
    }
  }
}
