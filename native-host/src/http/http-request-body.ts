/**
 * An HTTP request's body as the pipeline reads it: streamed chunk by chunk within the request
 * deadline, or, for a small body that is sent on whole (most chat requests), read whole straight
 * from the message's events: one promise and one timer, instead of a promise per chunk through three
 * async generators and a race with the deadline. A body Node already parsed with the head needs no
 * deadline at all.
 */
import type { IncomingMessage } from 'node:http';
import { KeygateError } from '../../../shared/errors';
import { bodyByDeadline } from '../proxy/request-deadline';
import { type RequestBody, tooLarge } from '../upstream/request-body';

export function httpRequestBody(req: IncomingMessage, deadlineAt: number, now: () => number): RequestBody {
  return new HttpRequestBody(req, deadlineAt, now);
}

/** One small object per request, its two ways of reading on the prototype rather than two closures each. */
class HttpRequestBody implements RequestBody {
  /** Whether Node had the whole body when the request was handed over. */
  private readonly parsedWithHead: boolean;

  constructor(
    private readonly req: IncomingMessage,
    private readonly deadlineAt: number,
    private readonly now: () => number,
  ) {
    this.parsedWithHead = req.complete;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.parsedWithHead ? bodyParsedWithHead(this.req) : bodyByDeadline(this.req, this.deadlineAt, this.now);
  }

  readWhole(maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
    return readWholeByDeadline(this.req, this.parsedWithHead ? null : this.deadlineAt - this.now(), maxBytes, onBytes);
  }
}

/** Already parsed whole with its head: nothing is left to wait for. */
async function* bodyParsedWithHead(req: IncomingMessage): AsyncGenerator<Buffer> {
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) yield chunk;
}

function readWholeByDeadline(req: IncomingMessage, withinMs: number | null, maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      if (timer !== null) clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onBrokenOff).off('close', onBrokenOff);
    };
    const fail = (error: KeygateError) => {
      stop();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      onBytes(total);
      if (total > maxBytes) fail(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    // The agent's side broke off before the end ('close' without 'end'); that is the agent leaving.
    const onBrokenOff = () => fail(new KeygateError('CLIENT_DISCONNECTED', 'The request body broke off.'));
    const timer = withinMs === null ? null : setTimeout(() => fail(new KeygateError('REQUEST_TIMEOUT')), Math.max(0, withinMs));
    req.on('data', onData).once('end', onEnd).once('error', onBrokenOff).once('close', onBrokenOff);
  });
}
