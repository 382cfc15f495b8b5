/**
 * A browser agent's call in one `runtime.sendMessage` (another extension's non-streaming way in,
 * beside the `runtime.connect` port of agent-messages.ts): the request with its whole body goes in
 * one message, the whole answer comes back as the reply. The client module builds the call
 * (keygate-call.ts), the background answers it (one-message-relay.ts). Bodies are base64 because
 * extension messages carry JSON only.
 *
 *   agent → Keygate   { type: 'keygate.fetch', method, path, headers?, body? }
 *   Keygate → agent   { status, headers, body }
 * A refusal is the same answer with the catalogue status and `{"error": {code, message, hint}}` as
 * the body, as over HTTP and the port.
 */
import { type HeaderList, isHeaderList } from '../../shared/bridge-messages';
import { isPlainObject } from '../../shared/validate';

export const ONE_MESSAGE_CALL = 'keygate.fetch';

/**
 * The most answer body one message carries back (ANSWER_TOO_LARGE past it). The background holds
 * the whole answer before replying and the reply is base64 in JSON (a third larger), so the cap
 * bounds the worker's memory per call; Chromium drops extension messages above 64 MiB anyway.
 * Larger answers stream over the port (`keygate.fetch` of the client module).
 */
export const ONE_MESSAGE_ANSWER_MAX_BYTES = 8 * 1024 * 1024;

export interface OneMessageCall {
  type: typeof ONE_MESSAGE_CALL;
  method: string;
  /** Path and query, as on the HTTP proxy (`/openai/v1/chat/completions`). */
  path: string;
  headers?: HeaderList;
  /** The whole request body, base64; absent for a request without one. */
  body?: string;
}

export interface OneMessageAnswer {
  status: number;
  headers: HeaderList;
  /** The whole answer body, base64. */
  body: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A whole body in base64 (no size limit here: the host's policy caps request bodies). */
export function isBase64Body(value: unknown): value is string {
  return typeof value === 'string' && value.length % 4 === 0 && BASE64.test(value);
}

/** Checks Keygate's reply on the caller's side (it takes nothing on trust it would build a Response from). */
export function isOneMessageAnswer(value: unknown): value is OneMessageAnswer {
  return isPlainObject(value) && Number.isSafeInteger(value.status) && isHeaderList(value.headers) && isBase64Body(value.body);
}
