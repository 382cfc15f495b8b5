/**
 * `keygate.call`: fetch's contract in one `runtime.sendMessage` (one-message.ts) instead of a port,
 * for an extension whose calls are short (a completion, a status) or that runs where a port is
 * awkward to keep. The whole request body goes in the message and the whole answer comes back, so
 * the Response it resolves with is complete: nothing streams, and answers over 8 MiB are refused
 * (ANSWER_TOO_LARGE) — those need `keygate.fetch`. Once sent, a call cannot be cancelled: aborting
 * rejects the promise, but Keygate still makes the call and drops its answer.
 */
import { decodeChunk, encodeChunk } from './body-chunks';
import { type KeygateFetch, NULL_BODY_STATUSES, responseHeaders, toRequest } from './keygate-fetch';
import { isOneMessageAnswer, ONE_MESSAGE_CALL, type OneMessageCall } from './one-message';

/** Sends one call to Keygate and resolves with its reply (`runtime.sendMessage(KEYGATE_ID, call)`). */
export type SendOneMessage = (call: OneMessageCall) => Promise<unknown>;

function untilAborted<T>(signal: AbortSignal, pending: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function askKeygate(send: SendOneMessage, call: OneMessageCall): Promise<unknown> {
  try {
    return await send(call);
  } catch (error) {
    // As fetch reports a network failure: Keygate is not installed, disabled, or was reloaded mid-call.
    throw new TypeError('Keygate: the message got no answer (is Keygate installed and enabled?).', { cause: error });
  }
}

export function createKeygateCall(send: SendOneMessage): KeygateFetch {
  return async (input, init) => {
    const request = toRequest(input, init);
    const { signal } = request;
    signal.throwIfAborted();
    const url = new URL(request.url);
    const call: OneMessageCall = { type: ONE_MESSAGE_CALL, method: request.method.toUpperCase(), path: url.pathname + url.search, headers: [...request.headers] };
    if (request.body !== null) call.body = encodeChunk(new Uint8Array(await untilAborted(signal, request.arrayBuffer())));
    signal.throwIfAborted();
    const answer = await untilAborted(signal, askKeygate(send, call));
    if (!isOneMessageAnswer(answer)) throw new TypeError('Keygate: the answer to the message is not { status, headers, body }; update keygate-client to Keygate\'s version.');
    const body = NULL_BODY_STATUSES.has(answer.status) ? null : decodeChunk(answer.body);
    return new Response(body as BodyInit | null, { status: answer.status, headers: responseHeaders(answer.headers) });
  };
}
