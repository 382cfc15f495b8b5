/**
 * Base64 without Node's Buffer, so the vault code runs unchanged in the extension's service worker
 * and in the native host. Decoding is strict: a vault field that is not canonical base64 (truncated,
 * stray characters, wrong padding) is damage or tampering, never something to repair silently.
 */

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Throws a RangeError for anything but canonical, padded base64 (callers map it to their error code). */
export function base64ToBytes(text: string): Uint8Array {
  if (!CANONICAL_BASE64.test(text)) throw new RangeError('not canonical base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  // Unused low bits in the last character make two spellings of the same bytes; accept only one.
  if (bytesToBase64(bytes) !== text) throw new RangeError('not canonical base64');
  return bytes;
}

/** URL-safe, unpadded: record ids travel in URLs and message fields without escaping. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
