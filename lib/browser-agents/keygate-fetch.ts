/**
 * `keygate.fetch`: the same contract as `fetch`, carried over an agent channel to Keygate's
 * background instead of the network. The page's `window.keygate` and the client module for other
 * extensions both build on it. The URL's path picks the route; its origin is ignored, so an SDK
 * pointed at `https://keygate.invalid/openai/v1` with this as its `fetch` works unchanged.
 *
 * The response body streams with credits: one `credit` goes back for each chunk the reader takes,
 * so a reader that stops makes the host stop too. Aborting (signal, or cancelling the body) cancels
 * the upstream call.
 */
import { BRIDGE_BODY_WINDOW, type BridgeChunkCoding } from '../../shared/bridge-messages';
import type { ErrorBody } from '../../shared/errors';
import type { IncomingGatewayMessage, OutgoingAgentMessage, WireBytes } from './agent-messages';
import { bridgeSizedPieces, chunkBytes, wireBytes } from './body-chunks';

/** One request's duplex line to the background; body bytes go on its wire as the line carries them. */
export interface AgentChannel {
  send(message: OutgoingAgentMessage): void;
  onMessage(listener: (message: IncomingGatewayMessage) => void): void;
  /** The line broke without an end (the extension was reloaded or the relay is gone). */
  onClose(listener: () => void): void;
  close(): void;
}

export type OpenAgentChannel = () => AgentChannel;

export type KeygateFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Relative inputs resolve here: only the path and query matter, and no page base should change that. */
const PLACEHOLDER_ORIGIN = 'https://keygate.invalid';
/** Statuses whose Response cannot have a body (the Response constructor throws on one). */
export const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The error a call rejects or a body stream fails with: the catalogue code is on it, as over HTTP. */
export function keygateError(body: ErrorBody): Error {
  return Object.assign(new Error(body.message), { name: 'KeygateError', code: body.code, hint: body.hint });
}

/** `keygate.status()`: what this agent may use, the `/_keygate/status` answer; a refusal throws. */
export async function readKeygateStatus(keygateFetch: KeygateFetch): Promise<unknown> {
  const response = await keygateFetch('/_keygate/status');
  const answer: unknown = await response.json();
  const error = (answer as { error?: ErrorBody } | null)?.error;
  if (!response.ok && error !== undefined) throw keygateError(error);
  return answer;
}

function channelBroke(): TypeError {
  return new TypeError('Keygate: the connection to the extension closed before the answer was complete.');
}

export function toRequest(input: RequestInfo | URL, init: RequestInit | undefined): Request {
  const resolved = typeof input === 'string' && input.startsWith('/') ? PLACEHOLDER_ORIGIN + input : input;
  // A stream body needs `duplex: 'half'` in fetch; SDKs that pass one may not say so.
  const needsDuplex = init?.body instanceof ReadableStream && !('duplex' in init);
  return new Request(resolved, needsDuplex ? { ...init, duplex: 'half' } as RequestInit : init);
}

export function responseHeaders(pairs: [string, string][]): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      // A header the browser will not represent (odd name) is dropped, as fetch would.
    }
  }
  return headers;
}

export function createKeygateFetch(openChannel: OpenAgentChannel): KeygateFetch {
  return (input, init) => {
    let request: Request;
    try {
      request = toRequest(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    return exchange(openChannel, request);
  };
}

function exchange(openChannel: OpenAgentChannel, request: Request): Promise<Response> {
  const { signal } = request;
  const url = new URL(request.url);
  const channel = openChannel();

  return new Promise<Response>((resolve, reject) => {
    let phase: 'waiting' | 'streaming' | 'done' = 'waiting';
    let body: ReadableStreamDefaultController<Uint8Array> | null = null;
    const received: Uint8Array[] = [];
    let ended = false;
    /** A 204/304 answer: no body to read, so the end settles the exchange by itself. */
    let bodiless = false;
    let wakeReader: (() => void) | null = null;
    let ackBody: (() => void) | null = null;

    const settle = () => {
      phase = 'done';
      signal.removeEventListener('abort', onAbort);
      ackBody?.();
      channel.close();
    };
    const failWith = (error: unknown) => {
      if (phase === 'done') return;
      if (phase === 'waiting') reject(error);
      else body?.error(error);
      settle();
    };
    const onAbort = () => {
      if (phase === 'done') return;
      channel.send({ type: 'cancel' });
      failWith(signal.reason);
    };
    signal.addEventListener('abort', onAbort);

    const deliver = (controller: ReadableStreamDefaultController<Uint8Array>) => {
      const next = received.shift();
      if (next !== undefined) {
        controller.enqueue(next);
        // A whole answer came in one message and the exchange is over: there is nobody to credit.
        if (!ended) channel.send({ type: 'credit', chunks: 1 });
      } else if (ended) {
        controller.close();
        settle();
      }
    };

    /** The body of a streamed answer (head, chunks, end); a whole answer needs none. */
    const bodyStream = () => new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          body = controller;
        },
        pull: (controller) => {
          if (received.length > 0 || ended) {
            deliver(controller);
            return;
          }
          return new Promise<void>((wake) => {
            wakeReader = () => {
              wakeReader = null;
              deliver(controller);
              wake();
            };
          });
        },
        cancel: () => {
          if (phase === 'done') return;
          channel.send({ type: 'cancel' });
          settle();
        },
      },
      { highWaterMark: 0 },
    );

    /** False when the browser would not build that Response (the exchange failed with its error). */
    const openResponse = (status: number, headers: [string, string][]): boolean => {
      phase = 'streaming';
      bodiless = NULL_BODY_STATUSES.has(status);
      try {
        resolve(new Response(bodiless ? null : bodyStream(), { status, headers: responseHeaders(headers) }));
        return true;
      } catch (error) {
        phase = 'waiting';
        channel.send({ type: 'cancel' });
        failWith(error);
        return false;
      }
    };
    /** A whole answer, not deflated: the Response takes its bytes as they are, and the exchange is over. */
    const answerWhole = (status: number, headers: [string, string][], bytes: Uint8Array) => {
      try {
        resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers: responseHeaders(headers) }));
        settle();
      } catch (error) {
        channel.send({ type: 'cancel' });
        failWith(error);
      }
    };
    const endBody = () => {
      ended = true;
      if (bodiless) settle();
      else wakeReader?.();
    };

    /**
     * Chunks go to the reader in the order they came, the end after them. A deflated chunk is
     * inflated asynchronously; while one is, what comes after it waits its turn.
     */
    let unpacking = 0;
    let unpacked: Promise<void> = Promise.resolve();
    const afterUnpacking = (step: () => void) => {
      if (unpacking === 0) step();
      else unpacked = unpacked.then(step);
    };
    const deliverBytes = (bytes: Uint8Array) => {
      if (phase !== 'streaming') return;
      received.push(bytes);
      wakeReader?.();
    };
    const take = (data: WireBytes, coding: BridgeChunkCoding | undefined) => {
      if (coding === undefined) {
        afterUnpacking(() => deliverBytes(wireBytes(data)));
        return;
      }
      unpacking += 1;
      unpacked = unpacked
        .then(() => chunkBytes(data, coding))
        .then(deliverBytes, () => {
          if (phase === 'done') return;
          channel.send({ type: 'cancel' });
          failWith(new TypeError('Keygate: a chunk of the answer could not be unpacked.'));
        })
        .finally(() => (unpacking -= 1));
    };

    channel.onMessage((message) => {
      if (phase === 'done') return;
      switch (message.type) {
        case 'head':
          if (phase === 'waiting') openResponse(message.status, message.headers);
          return;
        case 'chunk':
          if (phase === 'streaming') take(message.data, message.coding);
          return;
        case 'end':
          if (phase === 'waiting') failWith(channelBroke());
          afterUnpacking(endBody);
          return;
        case 'answer':
          if (phase !== 'waiting') return;
          if (message.coding === undefined) {
            answerWhole(message.status, message.headers, wireBytes(message.data));
            return;
          }
          if (!openResponse(message.status, message.headers)) return;
          if ((typeof message.data === 'string' ? message.data.length : message.data.byteLength) > 0) take(message.data, message.coding);
          afterUnpacking(endBody);
          return;
        case 'error':
          failWith(keygateError(message.error));
          return;
        case 'body-ack':
          ackBody?.();
      }
    });
    channel.onClose(() => failWith(channelBroke()));

    const headers = [...request.headers] as [string, string][];
    channel.send({ type: 'request', method: request.method.toUpperCase(), path: url.pathname + url.search, headers, hasBody: request.body !== null });
    if (request.body !== null) void upload(request.body);

    /**
     * Up to BRIDGE_BODY_WINDOW pieces on their way, each acknowledged once the host took it: the
     * host's reading pace paces the page, and the page, the background and the host work at once.
     */
    async function upload(source: ReadableStream<Uint8Array>) {
      let unacknowledged = 0;
      let wake: (() => void) | null = null;
      // Also called when the exchange settles, so an upload waiting for room sees it is over.
      ackBody = () => {
        unacknowledged -= 1;
        const waiting = wake;
        wake = null;
        waiting?.();
      };
      try {
        for await (const piece of bridgeSizedPieces(source)) {
          while (unacknowledged >= BRIDGE_BODY_WINDOW && phase !== 'done') await new Promise<void>((room) => (wake = room));
          if (phase === 'done') return;
          unacknowledged += 1;
          channel.send({ type: 'body', data: piece, end: false });
        }
        if (phase !== 'done') channel.send({ type: 'body', data: new Uint8Array(0), end: true });
      } catch (error) {
        // The page's own body stream failed: the request cannot be completed.
        channel.send({ type: 'cancel' });
        failWith(error);
      }
    }
  });
}
