/**
 * An HTTP request's body as the pipeline reads it: streamed chunk by chunk within the request
 * deadline, or, for a small body that is sent on whole (most chat requests), read whole straight
 * from the message's events: one promise, its deadline kept by the front door's shared sweep, instead
 * of a promise per chunk through three async generators and a race with the deadline. A body Node
 * already parsed with the head needs no deadline at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeygateError } from '../../../shared/errors';
import { bodyByDeadline } from '../proxy/request-deadline';
import { type RequestBody, tooLarge } from '../upstream/request-body';
import type { BodyDeadlines } from './body-deadlines';

/**
 * `deadlineAt` on the `now` clock; a whole read waits for it on the sweep's (monotonic) clock.
 * `awaitingContinue`: the answer to a request that expects `100 Continue` and has not had it; it gets
 * it when the body is first read, so a request refused before then never has its body sent.
 */
export function httpRequestBody(req: IncomingMessage, deadlineAt: number, now: () => number, deadlines: BodyDeadlines, awaitingContinue: ServerResponse | null = null): RequestBody {
  return new HttpRequestBody(req, deadlineAt, now, deadlines, awaitingContinue);
}

/** One small object per request, its two ways of reading on the prototype rather than two closures each. */
class HttpRequestBody implements RequestBody {
  /** Whether Node had the whole body when the request was handed over. */
  private readonly parsedWithHead: boolean;

  constructor(
    private readonly req: IncomingMessage,
    private readonly deadlineAt: number,
    private readonly now: () => number,
    private readonly deadlines: BodyDeadlines,
    private awaitingContinue: ServerResponse | null,
  ) {
    this.parsedWithHead = req.complete;
  }

  /** The agent waits for `100 Continue` before it sends the body: said once, when the body is wanted. */
  private askForBody(): void {
    this.awaitingContinue?.writeContinue();
    this.awaitingContinue = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.askForBody();
    return this.parsedWithHead ? bodyParsedWithHead(this.req) : bodyByDeadline(this.req, this.deadlineAt, this.now);
  }

  readWhole(maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
    this.askForBody();
    if (this.parsedWithHead) return readWholeByDeadline(this.req, null, 0, maxBytes, onBytes);
    const { deadlines } = this;
    return readWholeByDeadline(this.req, deadlines, deadlines.now() + (this.deadlineAt - this.now()), maxBytes, onBytes);
  }
}

/** Already parsed whole with its head: nothing is left to wait for. */
async function* bodyParsedWithHead(req: IncomingMessage): AsyncGenerator<Buffer> {
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) yield chunk;
}

/** `deadlines` null: the body is all there already; else `deadlineAt` is on their clock. */
function readWholeByDeadline(req: IncomingMessage, deadlines: BodyDeadlines | null, deadlineAt: number, maxBytes: number, onBytes: (count: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Most bodies arrive as one chunk: an array (and the 17 slots its first push makes) only for a second.
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let total = 0;
    const stop = () => {
      deadlines?.met(deadline);
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
      else if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(more !== null ? Buffer.concat(more, total) : (first ?? Buffer.alloc(0)));
    };
    // The agent's side broke off before the end ('close' without 'end'); that is the agent leaving.
    const onBrokenOff = () => fail(new KeygateError('CLIENT_DISCONNECTED', 'The request body broke off.'));
    const deadline = { at: deadlineAt, late: () => fail(new KeygateError('REQUEST_TIMEOUT')) };
    deadlines?.watch(deadline);
    // Plain listeners, not `once`: each one's first act removes all four, and `once` wraps every listener in two objects more.
    req.on('data', onData).on('end', onEnd).on('error', onBrokenOff).on('close', onBrokenOff);
  });
}
