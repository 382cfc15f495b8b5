/**
 * Bodies held in memory so a request can be sent again with another key, counted across all
 * requests. A request may be retried only while its whole body fits in what is left; past that it
 * streams and is sent with one key only, so slow or huge uploads cannot pile up in the host's memory.
 */
import type { RequestBody } from '../upstream/request-body';

export type HeldBody = { kind: 'held'; bytes: Buffer; release: () => void } | { kind: 'streaming'; body: AsyncIterable<Buffer> };

export class RetryBuffers {
  private heldBytes = 0;

  /** `limit` is read on every call: a new policy applies to the next request. */
  constructor(private readonly limit: () => number) {}

  get held(): number {
    return this.heldBytes;
  }

  /** Reads `body` (already capped) into memory while the budget lasts; else what was read plus the rest, streaming. */
  async hold(body: RequestBody): Promise<HeldBody> {
    const chunks = body[Symbol.asyncIterator]();
    const read: Buffer[] = [];
    let reserved = 0;
    const release = () => {
      this.heldBytes -= reserved;
      reserved = 0;
    };
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) return { kind: 'held', bytes: Buffer.concat(read), release };
        const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        read.push(chunk);
        if (this.heldBytes + chunk.length > this.limit()) {
          release();
          return { kind: 'streaming', body: streamOn(read, chunks) };
        }
        this.heldBytes += chunk.length;
        reserved += chunk.length;
      }
    } catch (error) {
      release();
      throw error;
    }
  }
}

async function* streamOn(already: Buffer[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  yield* already.splice(0);
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
  }
}
