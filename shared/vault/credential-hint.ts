/**
 * A credential's non-secret hint, the provider dashboards' convention (`sk-proj-…a1b2`): the key's
 * type prefix and its last 4 characters, so a person can tell keys apart and match one against the
 * provider's dashboard. Computed from the secret's bytes when it is saved (no string copy of the
 * whole secret is made) and kept as record metadata; never more than the prefix and the last 4.
 */

/** Up to two lower-level prefix words, each ending in '-' or '_' (`sk-`, `sk-ant-`, `ghp_`). */
const PREFIX_WORD = /^[A-Za-z]{1,8}[-_]/;
const MAX_PREFIX_WORDS = 2;
/** With fewer hidden characters than this, the last 4 would reveal too much of a short secret. */
const MIN_HIDDEN_CHARS = 16;
const SHOWN_TAIL_CHARS = 4;
const ELLIPSIS = '…';

/** Printable ASCII without spaces, at most 20 + 1 + 4 characters, and the ellipsis between. */
const HINT_PATTERN = /^[\x21-\x7e]{0,20}…[\x21-\x7e]{0,4}$/;

export function isCredentialHint(value: unknown): value is string {
  return typeof value === 'string' && HINT_PATTERN.test(value);
}

/** The only ASCII characters a hint may show; a byte outside them ends the prefix or drops the tail. */
const isHintByte = (byte: number) => byte >= 0x21 && byte <= 0x7e;

function asciiText(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function keyHint(key: Uint8Array): string {
  let prefix = '';
  // Only the first 20 bytes are looked at for the prefix; they are never the part the tail shows.
  let rest = asciiText(key.subarray(0, Math.max(0, Math.min(key.length - SHOWN_TAIL_CHARS - MIN_HIDDEN_CHARS, 20))));
  for (let word = 0; word < MAX_PREFIX_WORDS; word++) {
    const match = PREFIX_WORD.exec(rest);
    if (match === null) break;
    prefix += match[0];
    rest = rest.slice(match[0].length);
  }
  const tail = key.subarray(key.length - SHOWN_TAIL_CHARS);
  const showTail = key.length - prefix.length - SHOWN_TAIL_CHARS >= MIN_HIDDEN_CHARS && tail.every(isHintByte);
  return `${prefix}${ELLIPSIS}${showTail ? asciiText(tail) : ''}`;
}

/** The bytes of a JSON string field's value, found without parsing the (secret) document. */
function jsonStringField(json: Uint8Array, field: string): Uint8Array | null {
  const name = new TextEncoder().encode(JSON.stringify(field));
  for (let at = 0; at + name.length <= json.length; at++) {
    if (!name.every((byte, i) => json[at + i] === byte)) continue;
    let i = at + name.length;
    while (json[i] === 0x20 || json[i] === 0x0a || json[i] === 0x0d || json[i] === 0x09 || json[i] === 0x3a) i++;
    if (json[i] !== 0x22) return null;
    const end = json.indexOf(0x22, i + 1);
    return end < 0 ? null : json.subarray(i + 1, end);
  }
  return null;
}

/** Binance secrets are JSON; their hint is the API key's (the part Binance's own page lists). */
export function credentialHint(kind: string, secret: Uint8Array): string {
  if (kind === 'api_key') return keyHint(secret);
  const apiKey = jsonStringField(secret, 'api_key');
  return apiKey === null ? ELLIPSIS : keyHint(apiKey);
}
