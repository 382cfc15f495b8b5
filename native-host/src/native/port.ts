/**
 * Serves the browser's native-messaging port: frames in on stdin, replies and events out on stdout.
 * A bad frame gets an error reply and the port carries on; crashing or desyncing would cut the
 * extension off until the browser restarts the host. stdout carries frames only, so logs go to `log`.
 */
import type { Readable, Writable } from 'node:stream';
import { inspect } from 'node:util';
import { type ErrorBody, type ErrorCode, errorBody, KeygateError } from '../../../shared/errors';
import {
  DEFAULT_MAX_INBOUND_FRAME_BYTES,
  type EventFrame,
  type MessageId,
  parseJsonSafely,
  type Reply,
  type Request,
  validateRequest,
} from '../../../shared/protocol';
import { BRIDGE_REPLY_ON_FAILURE_ONLY } from '../../../shared/bridge-messages';
import { type DecodedFrame, FrameDecoder } from './frame-decoder';
import { encodeFrames } from './frame-encoder';

export interface NativePortOptions {
  input: Readable;
  output: Writable;
  handle: (request: Request) => unknown | Promise<unknown>;
  maxInboundFrameBytes?: number;
  /** Goes to stderr in production; never stdout, which the browser reads as frames. */
  log?: (line: string) => void;
  /** The browser went away: runs before the port waits for pending replies (some wait on the browser). */
  onInputEnded?: () => void;
}

export interface NativePort {
  sendEvent(event: EventFrame): void;
  /** Resolves once input has ended and every pending reply has been written. */
  closed: Promise<void>;
}

/** Fatal, because Buffer#toString would quietly turn bad bytes into U+FFFD and accept the frame. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function serveNativePort(options: NativePortOptions): NativePort {
  const { input, output, handle } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const maxFrameBytes = options.maxInboundFrameBytes ?? DEFAULT_MAX_INBOUND_FRAME_BYTES;
  const decoder = new FrameDecoder(maxFrameBytes);
  const writer = createFrameWriter(output, log);
  const pending = new Set<Promise<void>>();
  let lastStreamId = 0;
  const nextStreamId = () => ++lastStreamId;

  function send(message: object): boolean {
    try {
      writer.write(encodeFrames(message, nextStreamId));
      return true;
    } catch (err) {
      log(`keygate-host: could not encode a message: ${inspect(err)}`);
      return false;
    }
  }

  function refuse(id: MessageId | null, code: ErrorCode, detail: string): void {
    log(`keygate-host: refused a frame (${code}): ${detail}`);
    send({ id, ok: false, error: errorBody(code, detail) } satisfies Reply);
  }

  function failureBody(request: Request, err: unknown): ErrorBody {
    if (err instanceof KeygateError) return err.toBody();
    // The real error may quote a secret; it goes to the log only.
    log(`keygate-host: request ${JSON.stringify(request.id)} (${request.type}) failed: ${inspect(err)}`);
    return errorBody('INTERNAL_ERROR');
  }

  async function answer(request: Request): Promise<void> {
    let reply: Reply;
    try {
      // A missing result would drop the field from the JSON and fail validateHostFrame in the extension.
      reply = { id: request.id, ok: true, result: (await handle(request)) ?? null };
      if (BRIDGE_REPLY_ON_FAILURE_ONLY.has(request.type)) return;
    } catch (err) {
      reply = { id: request.id, ok: false, error: failureBody(request, err) };
    }
    if (!send(reply)) send({ id: request.id, ok: false, error: errorBody('INTERNAL_ERROR') } satisfies Reply);
  }

  function receive(frame: DecodedFrame): void {
    if (frame.kind === 'oversized') {
      refuse(null, 'FRAME_TOO_LARGE', `Declared ${frame.declaredBytes} bytes; the limit is ${maxFrameBytes}.`);
      return;
    }
    let message: unknown;
    try {
      message = parseJsonSafely(strictUtf8.decode(frame.body));
    } catch {
      refuse(null, 'FRAME_MALFORMED', 'Not UTF-8 JSON, or uses a forbidden key (__proto__, constructor, prototype).');
      return;
    }
    const check = validateRequest(message);
    if (!check.ok) {
      refuse(check.id, check.code, check.detail);
      return;
    }
    const answered = answer(check.request);
    pending.add(answered);
    void answered.finally(() => pending.delete(answered));
  }

  input.on('data', (chunk: Buffer) => decoder.push(chunk).forEach(receive));
  const inputEnded = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    input.on('error', (err) => {
      log(`keygate-host: input failed: ${inspect(err)}`);
      resolve();
    });
  });
  const closed = inputEnded.then(async () => {
    options.onInputEnded?.();
    await Promise.all(pending);
    await writer.flushed();
  });

  return { sendEvent: (event) => void send(event), closed };
}

interface FrameWriter {
  /** Queues one message's frames; they are written back to back, never interleaved with another's. */
  write(frames: Buffer[]): void;
  flushed(): Promise<void>;
}

function createFrameWriter(output: Writable, log: (line: string) => void): FrameWriter {
  // A closed stdout (the browser went away) must not crash the host with an unhandled 'error'.
  output.on('error', (err) => log(`keygate-host: output failed: ${inspect(err)}`));
  const backlog: Buffer[] = [];
  let draining: Promise<void> | null = null;

  function pump(): void {
    for (let frame = backlog.shift(); frame; frame = backlog.shift()) {
      if (!output.writable) {
        backlog.length = 0;
        return;
      }
      if (!output.write(frame)) {
        draining = drainedOrGone(output).then(() => {
          draining = null;
          pump();
        });
        return;
      }
    }
  }

  return {
    write(frames) {
      backlog.push(...frames);
      if (!draining) pump();
    },
    async flushed() {
      while (draining) await draining;
    },
  };
}

/** Waits for 'drain', or for the stream to close or fail, after which no 'drain' would come. */
function drainedOrGone(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      output.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    output.on('drain', done).on('close', done).on('error', done);
  });
}
