/**
 * A request body that must arrive by a deadline. Without one, a connection that trickles its body
 * (unauthenticated ones included) stays open forever; with it, the pipeline's read fails with
 * REQUEST_TIMEOUT and the agent is answered 408. One timer per request that has a body still to
 * arrive, not one per chunk.
 */
import type { IncomingMessage } from 'node:http';
import { KeygateError } from '../../../shared/errors';

export async function* bodyByDeadline(req: IncomingMessage, deadlineAt: number, now: () => number): AsyncGenerator<Buffer> {
  // A small body usually arrived with the head and is already parsed whole: nothing left to wait for.
  if (req.complete) {
    for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) yield chunk;
    return;
  }
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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
