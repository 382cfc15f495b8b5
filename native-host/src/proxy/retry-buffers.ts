/**
 * Bodies held in memory so a request can be sent again with another key, counted across all
 * requests. A request may be retried only while its whole body fits in what is left; past that it
 * streams and is sent with one key only, so slow or huge uploads cannot pile up in the host's memory.
 */
import type { RequestBody } from '../upstream/request-body';

/** `release` gives back what is still counted (call it when the request is over, whether or not the body was read). */
export type HeldBody = { kind: 'held'; bytes: Buffer; release: () => void } | { kind: 'streaming'; body: AsyncIterable<Buffer>; release: () => void };

export class RetryBuffers {
  private heldBytes = 0;

  /** `limit` is read on every call: a new policy applies to the next request. */
  constructor(private readonly limit: () => number) {}

  get held(): number {
    return this.heldBytes;
  }

  /**
   * Reads `body` (already capped) into memory while the budget lasts; else what was read plus the
   * rest, streaming. What was read stays counted until it has been passed on: released when the
   * switch to streaming happened, those bytes would still sit in memory while other requests took
   * the budget again, and a burst of uploads could hold far more than the budget.
   */
  async hold(body: RequestBody): Promise<HeldBody> {
    const chunks = body[Symbol.asyncIterator]();
    const read: Buffer[] = [];
    let reserved = 0;
    const release = (bytes = reserved) => {
      this.heldBytes -= bytes;
      reserved -= bytes;
    };
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) return { kind: 'held', bytes: Buffer.concat(read), release: () => release() };
        const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        read.push(chunk);
        if (this.heldBytes + chunk.length > this.limit()) return { kind: 'streaming', body: streamOn(read, chunks, release), release: () => release() };
        this.heldBytes += chunk.length;
        reserved += chunk.length;
      }
    } catch (error) {
      release();
      throw error;
    }
  }
}

/** The chunks already read, each released from the budget once the next is asked for (it was sent), then the rest. */
async function* streamOn(already: Buffer[], rest: AsyncIterator<Uint8Array>, release: (bytes?: number) => void): AsyncGenerator<Buffer> {
  try {
    // The last chunk read was never counted: it is the one that did not fit.
    let counted = already.length - 1;
    while (already.length > 0) {
      const chunk = already.shift()!;
      const wasCounted = counted > 0;
      counted -= 1;
      yield chunk;
      if (wasCounted) release(chunk.length);
    }
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    release();
  }
}
