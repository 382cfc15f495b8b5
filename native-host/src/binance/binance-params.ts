/**
 * The parameters of an agent's Binance request, decoded once and re-encoded once, so the bytes
 * Keygate signs are exactly the bytes it forwards.
 *
 * Since 2026-01-15 Binance verifies REST signatures over the percent-encoded payload only ("When
 * calling endpoints that require signatures, percent-encode payloads before computing signatures",
 * binance-spot-api-docs CHANGELOG 2025-12-17). Keygate therefore never signs what the agent sent:
 * it decodes it, checks it, and encodes it again in one canonical RFC 3986 form.
 */
import { KeygateError } from '../../../shared/errors';

/** Decoded `[name, value]` pairs, in the order the agent sent them. */
export type ParamList = Array<[name: string, value: string]>;

/** Parameters Keygate sets itself; an agent's copies are dropped, whatever their case. */
const SIGNING_PARAMS = new Set(['signature', 'timestamp', 'recvwindow']);

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Printable ASCII without space: what a percent-encoded query or form body may hold. */
const ENCODED_TEXT = /^[\x21-\x7e]*$/;
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const MAX_NAME_IN_DETAIL = 64;

/**
 * Decodes the query string (without its `?`) and a form body into one list. A parameter name
 * that appears twice anywhere, in any mix of case, is refused: Binance documents that the query
 * string wins over the body, and a server that reads names case-insensitively picks one of
 * `quantity` and `Quantity` by rules Keygate cannot see; either way a policy check that read the
 * other copy would judge a different order than the one placed.
 */
export function parseAgentParams(rawQuery: string, body: Buffer, contentType: string | undefined): ParamList {
  const params = decodeForm(rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery, 'query string');
  if (body.length > 0) {
    if (!isFormContentType(contentType)) {
      throw new KeygateError('BINANCE_REQUEST_INVALID', `A request body must be ${FORM_CONTENT_TYPE} (UTF-8).`);
    }
    params.push(...decodeForm(bodyText(body), 'body'));
  }
  refuseDuplicates(params);
  return params;
}

/** Drops any `signature`, `timestamp` or `recvWindow` the agent sent (any case); Keygate sets its own. */
export function withoutAgentSigning(params: ParamList): ParamList {
  return params.filter(([name]) => !SIGNING_PARAMS.has(name.toLowerCase()));
}

/**
 * `name=value` pairs joined by `&` in the given order, names and values percent-encoded as RFC 3986
 * does it: unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay, every other UTF-8 byte becomes an
 * upper-case `%XX` (space is `%20`, never `+`). This is the encoding Binance's own examples use
 * (`１２３４５６` → `%EF%BC%91%EF%BC%92…`).
 */
export function encodeParams(params: ParamList): string {
  return params.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}

function percentEncode(text: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    // Only a lone UTF-16 surrogate has no UTF-8 form.
    throw new KeygateError('BINANCE_REQUEST_INVALID', 'A parameter is not valid Unicode text.');
  }
  // encodeURIComponent keeps ! ' ( ) * as they are; RFC 3986 counts them as reserved.
  return encoded.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeForm(text: string, where: string): ParamList {
  if (!ENCODED_TEXT.test(text)) {
    throw new KeygateError(
      'BINANCE_REQUEST_INVALID',
      `The ${where} holds spaces, control or non-ASCII characters; percent-encode them (UTF-8).`,
    );
  }
  const params: ParamList = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals), where);
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1), where);
    if (name === '') throw new KeygateError('BINANCE_REQUEST_INVALID', `The ${where} has a parameter without a name.`);
    params.push([name, value]);
  }
  return params;
}

/** Form decoding: `+` is a space, `%XX` are UTF-8 bytes; a bad escape or bad UTF-8 is refused. */
function decodeComponent(encoded: string, where: string): string {
  if (MALFORMED_ESCAPE.test(encoded)) {
    throw new KeygateError('BINANCE_REQUEST_INVALID', `The ${where} has a "%" not followed by two hex digits.`);
  }
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new KeygateError('BINANCE_REQUEST_INVALID', `The ${where} has percent-encoded bytes that are not UTF-8.`);
  }
}

function bodyText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new KeygateError('BINANCE_REQUEST_INVALID', 'The body is not UTF-8 text.');
  }
}

/** `application/x-www-form-urlencoded`, optionally with `charset=utf-8`; the body is decoded as UTF-8. */
function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== FORM_CONTENT_TYPE) return false;
  return parameters.every((parameter) => parameter === '' || /^charset="?utf-8"?$/.test(parameter));
}

function refuseDuplicates(params: ParamList): void {
  const seen = new Set<string>();
  for (const [name] of params) {
    const folded = name.toLowerCase();
    if (seen.has(folded)) {
      // The name only: values may be order details the agent would not want echoed into logs.
      throw new KeygateError('BINANCE_PARAMETER_DUPLICATE', `Parameter ${describeName(name)} appears more than once.`);
    }
    seen.add(folded);
  }
}

function describeName(name: string): string {
  const shown = name.length > MAX_NAME_IN_DETAIL ? `${name.slice(0, MAX_NAME_IN_DETAIL)}…` : name;
  return JSON.stringify(shown);
}
