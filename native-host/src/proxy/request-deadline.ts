/**
 * A request body that must arrive by a deadline, whichever front door it comes through. Without one,
 * a connection that trickles its body (unauthenticated ones included), or a page that opens a
 * bridged request and never sends its body, holds its slot and its upstream call forever; with it,
 * the pipeline's read fails with REQUEST_TIMEOUT and the agent is answered 408. One timer per
 * request that has a body to read, not one per chunk.
 */
import { KeygateError } from '../../../shared/errors';
import type { RequestBody } from '../upstream/request-body';

export async function* bodyByDeadline(body: RequestBody, deadlineAt: number, now: () => number): AsyncGenerator<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KeygateError('REQUEST_TIMEOUT')), Math.max(0, deadlineAt - now()));
  });
  // Whoever stopped reading first, this must not become an unhandled rejection.
  late.catch(() => undefined);
  try {
    for (;;) {
      const next = chunks.next();
      // A read still pending when the deadline passed fails later, when the connection closes.
      next.catch(() => undefined);
      const result = await Promise.race([next, late]);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    clearTimeout(timer);
  }
}
