/**
 * Signs Binance SIGNED requests. Keygate puts every parameter in the query string and sends an
 * empty body (Binance accepts parameters there for every method), so the signature payload —
 * "the query string concatenated without separator to the HTTP body" in Binance's words — is
 * exactly the query string Keygate forwards.
 */
import { constants, createHmac, sign } from 'node:crypto';
import { KeygateError } from '../../../shared/errors';
import { encodeParams, type ParamList, withoutAgentSigning } from './binance-params';
import type { BinanceKey } from './binance-keys';

/** Binance: "Maximum `recvWindow` is 60000 milliseconds." */
export const MAX_RECV_WINDOW_MS = 60_000;

/** A percent-encoded payload is printable ASCII; anything else would be signed in a form Binance refuses. */
const ENCODED_PAYLOAD = /^[\x21-\x7e]*$/;

/**
 * The signature over `payload`: HMAC-SHA256 as lower-case hex for HMAC keys; for Ed25519 keys and
 * RSA keys (RSASSA-PKCS1-v1_5 with SHA-256) the raw signature in base64. The caller percent-encodes
 * it for the query string (base64 holds `+`, `/` and `=`).
 */
export function signPayload(key: BinanceKey, payload: string): string {
  if (!ENCODED_PAYLOAD.test(payload)) {
    // Binance rejects signatures over unencoded payloads (since 2026-01-15) with -1022.
    throw new KeygateError('BINANCE_REQUEST_INVALID', 'The signature payload is not percent-encoded.');
  }
  const data = Buffer.from(payload, 'ascii');
  switch (key.kind) {
    case 'hmac':
      return createHmac('sha256', key.secret).update(data).digest('hex');
    case 'ed25519':
      // Ed25519 hashes internally (SHA-512), so Node takes no digest name.
      return sign(null, data, key.privateKey).toString('base64');
    case 'rsa':
      return sign('sha256', data, { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }).toString('base64');
  }
}

/**
 * The exact query string to forward (without `?`): the agent's parameters minus any signature,
 * timestamp or recvWindow it sent, then Keygate's `timestamp` and `recvWindow`, all percent-encoded,
 * then `&signature=` and the percent-encoded signature over exactly the bytes before it.
 */
export function buildSignedQuery(key: BinanceKey, params: ParamList, timestampMs: number, recvWindowMs: number): string {
  if (!Number.isSafeInteger(timestampMs) || timestampMs <= 0) {
    throw new RangeError('The Binance timestamp must be a positive whole number of milliseconds.');
  }
  if (!Number.isInteger(recvWindowMs) || recvWindowMs < 1 || recvWindowMs > MAX_RECV_WINDOW_MS) {
    throw new RangeError(`recvWindow must be a whole number of milliseconds from 1 to ${MAX_RECV_WINDOW_MS}.`);
  }
  const payload = encodeParams([
    ...withoutAgentSigning(params),
    ['timestamp', String(timestampMs)],
    ['recvWindow', String(recvWindowMs)],
  ]);
  return `${payload}&${encodeParams([['signature', signPayload(key, payload)]])}`;
}
