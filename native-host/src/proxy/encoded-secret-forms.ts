/**
 * An upstream that echoes a request back may encode it first: a debug endpoint returns the headers
 * base64-encoded, a redirect or error puts them in a URL, a JSON serialiser escapes `/` or `+`. The
 * scrubber matches bytes, so it is given each of these spellings of a secret as well as the secret.
 *
 * Base64: a secret inside a longer encoded text starts at one of three byte alignments, and only the
 * characters whose six bits all come from the secret are the same whatever surrounds it; those are
 * the form for that alignment (padding falls outside them, so padded and unpadded texts both match).
 * A few bits at either end stay visible: at most the first and last two bytes of the secret.
 *
 * The forms are fresh arrays outside Buffer's shared pool, so their keeper can wipe them (`wipeForms`):
 * the vault keeps a credential's forms while unlocked and wipes them with its subkey; Binance's are
 * derived per answer and wiped at its end. The strings they are built from cannot be wiped; like the
 * header value the forwarder builds from the secret, they live until collected, which is why they are
 * derived once per credential rather than for every answer.
 */

/** Shorter derived forms would also match innocent text; a key is far longer than this. */
const MIN_FORM_BYTES = 12;

/** RFC 3986 unreserved characters: the ones every percent-encoder leaves as they are. */
function isUnreserved(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
}

const hex2 = (byte: number) => byte.toString(16).padStart(2, '0');

/** A byte's replacement text in one spelling, or null to keep the byte as it is. */
type ByteSpelling = (byte: number) => string | null;

const percentReserved = (upper: boolean): ByteSpelling => (byte) => (isUnreserved(byte) ? null : `%${upper ? hex2(byte).toUpperCase() : hex2(byte)}`);
const percentEvery = (upper: boolean): ByteSpelling => (byte) => `%${upper ? hex2(byte).toUpperCase() : hex2(byte)}`;

/** What JSON.stringify escapes: quote, backslash, control characters. */
function jsonEscape(byte: number): string | null {
  if (byte === 0x22) return '\\"';
  if (byte === 0x5c) return '\\\\';
  return byte < 0x20 ? `\\u${hex2(byte).padStart(4, '0')}` : null;
}
/** PHP's json_encode also escapes every `/`. */
const jsonEscapedSlash: ByteSpelling = (byte) => (byte === 0x2f ? '\\/' : jsonEscape(byte));
/** Serialisers that escape HTML-sensitive characters and `+` (Go, .NET) write other ASCII punctuation as \u00xx. */
const jsonUnicodeEscape = (upper: boolean): ByteSpelling => (byte) =>
  byte < 0x80 && !isUnreserved(byte) ? `\\u00${upper ? hex2(byte).toUpperCase() : hex2(byte)}` : null;

const SECRET_SPELLINGS: readonly ByteSpelling[] = [
  percentReserved(true),
  percentReserved(false),
  percentEvery(true),
  percentEvery(false),
  jsonEscape,
  jsonEscapedSlash,
  jsonUnicodeEscape(true),
  jsonUnicodeEscape(false),
];

/**
 * A base64 text is itself often escaped on the way out: a token in a redirect's query, a value in
 * PHP's JSON. Its `+`, `/` and `=` are what change.
 */
const BASE64_SPELLINGS: readonly ByteSpelling[] = [percentReserved(true), jsonEscapedSlash];

/** Latin1 text into a fresh, unpooled array (each character is one byte). */
function unpooledBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'latin1');
  return out;
}

/** One spelling as a table of 256 replacements, built once. */
const asTable = (spelling: ByteSpelling) => Array.from({ length: 256 }, (_unused, byte) => spelling(byte));
const SECRET_TABLES = SECRET_SPELLINGS.map(asTable);
const BASE64_TABLES = BASE64_SPELLINGS.map(asTable);

/** `text` itself (no copy) when the spelling changes none of its characters, the usual case for a key. */
function spelled(text: string, table: ReadonlyArray<string | null>): string {
  let index = 0;
  while (index < text.length && table[text.charCodeAt(index)] === null) index++;
  if (index === text.length) return text;
  let out = text.slice(0, index);
  for (; index < text.length; index++) out += table[text.charCodeAt(index)] ?? text[index];
  return out;
}

/** The base64 characters that depend only on the secret when it starts `alignment` bytes into a 3-byte group. */
function base64Middle(secret: Uint8Array, alignment: number): string {
  const framed = new Uint8Array(Math.ceil((alignment + secret.length) / 3) * 3);
  framed.set(secret, alignment);
  const encoded = Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength).toString('base64');
  framed.fill(0);
  // Character i carries bits [6i, 6i + 6); the secret's bits are [8 * alignment, 8 * (alignment + length)).
  const first = Math.ceil((8 * alignment) / 6);
  const end = Math.floor((8 * (alignment + secret.length)) / 6);
  return encoded.slice(first, end);
}

function base64Forms(secret: Uint8Array): string[] {
  const forms: string[] = [];
  for (const alignment of [0, 1, 2]) {
    const standard = base64Middle(secret, alignment);
    forms.push(standard, standard.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}

const latin1Of = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The encoded spellings of each secret that differ from the secret itself (and from each other). */
export function encodedSecretForms(secrets: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set(secrets.map(latin1Of));
  const forms: Uint8Array[] = [];
  const keep = (text: string) => {
    if (text.length < MIN_FORM_BYTES || seen.has(text)) return;
    seen.add(text);
    forms.push(unpooledBytes(text));
  };
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const raw = latin1Of(secret);
    for (const table of SECRET_TABLES) keep(spelled(raw, table));
    for (const encoded of base64Forms(secret)) {
      keep(encoded);
      for (const table of BASE64_TABLES) keep(spelled(encoded, table));
    }
  }
  return forms;
}

export function wipeForms(forms: readonly Uint8Array[]): void {
  for (const form of forms) form.fill(0);
}
