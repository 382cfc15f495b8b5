/**
 * Whether bytes an agent received give away a secret in any spelling an echoing upstream might use:
 * raw, base64 (standard or URL-safe, read from every character offset of every run, so any byte
 * alignment is tried), percent-encoded, JSON-escaped, or compressed with gzip, deflate or brotli.
 * Independent of the proxy's own list of spellings: it decodes what arrived instead of encoding the key.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/**
 * Six bytes in a row of the key count as a leak: a scrubbed echo shows a few bits at its ends at most,
 * and shorter windows of a test key (`test`, `sk-`) also occur in innocent text.
 */
const WINDOW_BYTES = 6;

function base64Decodings(text: string): Buffer[] {
  const decoded: Buffer[] = [];
  for (const run of text.match(/[A-Za-z0-9+/_-]{4,}/g) ?? []) {
    const standard = run.replaceAll('-', '+').replaceAll('_', '/');
    for (let offset = 0; offset < 4; offset++) decoded.push(Buffer.from(standard.slice(offset), 'base64'));
  }
  return decoded;
}

const percentDecoded = (text: string) => text.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));

const jsonUnescaped = (text: string) => text.replace(/\\u([0-9a-fA-F]{4})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\\(["\\/])/g, '$1');

function decompressed(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (const decode of [gunzipSync, inflateSync, inflateRawSync, brotliDecompressSync]) {
    try {
      out.push(decode(bytes));
    } catch {
      // Not in this format.
    }
  }
  return out;
}

/** Every way of reading `bytes` that an agent could try, each a candidate plaintext (base64 also after unescaping). */
function readings(bytes: Buffer): Buffer[] {
  const texts = [bytes, ...decompressed(bytes)].map((candidate) => candidate.toString('latin1'));
  const unescaped = texts.flatMap((text) => [text, percentDecoded(text), jsonUnescaped(text)]);
  return unescaped.flatMap((text) => [Buffer.from(text, 'latin1'), ...base64Decodings(text)]);
}

/** The readings of `bytes` in which some six consecutive bytes of `secret` appear; empty when none. */
export function secretLeaksIn(bytes: Buffer, secret: string): string[] {
  const key = Buffer.from(secret, 'utf8');
  const windows: Buffer[] = [];
  for (let start = 0; start + WINDOW_BYTES <= key.length; start++) windows.push(key.subarray(start, start + WINDOW_BYTES));
  return readings(bytes)
    .filter((reading) => windows.some((window) => reading.includes(window)))
    .map((reading) => reading.toString('latin1').slice(0, 120));
}
