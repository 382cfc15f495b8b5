/**
 * The proxy matches blocked and allowed endpoints against the path exactly as it will be forwarded.
 * Any spelling that an upstream could decode or normalise into a different path (`%2e%2e`, `%2f`,
 * `//`, `\`, `;` matrix parameters, dot segments, encoded letters such as `/repos/%6frg`) would let an
 * agent slip past a rule written for the canonical spelling, so such targets are refused, never
 * normalised: a well-behaved client never sends them.
 */

export type CanonicalPathCheck = { ok: true; path: string; query: string } | { ok: false; reason: string };

/**
 * RFC 3986 pchar, minus `;` (matrix parameters are read as path by some servers and stripped by
 * others) and with `%` checked separately. Everything else (`"`, `<`, `{`, `|`, `[`, …) is not
 * canonical and an upstream's URL parser may re-encode it.
 */
const PATH_CHARACTER = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const AUTHORITY_FORM = /^[^/?#]*:[0-9]*$/;

/** Bytes whose percent-encoding only exists to disguise a path: unreserved characters and separators. */
function isDisguisingByte(byte: number): boolean {
  const char = String.fromCharCode(byte);
  return /^[A-Za-z0-9\-._~/\\]$/.test(char);
}

function isControlByte(byte: number): boolean {
  return byte < 0x20 || byte === 0x7f;
}

/**
 * Why the percent-encoding starting at `at` is refused, or null when it is an ordinary escape such as
 * `%20` or `%3A`. `%25` (an encoded `%`) is judged by what it would become after a second decoding,
 * so `%252e` and `%25252e` fail like `%2e`, while `%2520` stays an ordinary double-encoded space.
 */
function percentEncodingProblem(text: string, at: number): string | null {
  const hex = text.slice(at + 1, at + 3);
  if (!HEX_PAIR.test(hex)) return `malformed percent-encoding at offset ${at}`;
  const byte = Number.parseInt(hex, 16);
  if (isDisguisingByte(byte)) return `percent-encoded "${String.fromCharCode(byte)}" (%${hex}) at offset ${at}`;
  // Encoded NUL, CR or LF has no place in an API path and truncates or splits it in some servers.
  if (isControlByte(byte)) return `percent-encoded control character (%${hex}) at offset ${at}`;
  const decodedOnceMore = `%${text.slice(at + 3)}`;
  if (byte === 0x25 && HEX_PAIR.test(decodedOnceMore.slice(1, 3)) && percentEncodingProblem(decodedOnceMore, 0) !== null) {
    return `double percent-encoding (%${hex}${decodedOnceMore.slice(1, 3)}) at offset ${at}`;
  }
  return null;
}

/** Raw bytes that are never acceptable anywhere in a request-target, query included. */
function rawCharacterProblem(char: string, at: number): string | null {
  const code = char.charCodeAt(0);
  if (isControlByte(code)) return `control character at offset ${at}`;
  if (char === ' ') return `space at offset ${at}`;
  if (code > 0x7e) return `non-ASCII byte at offset ${at}`;
  if (char === '#') return `"#" at offset ${at}`;
  return null;
}

/** The same set as PATH_CHARACTER, as a table: most paths are checked by this loop alone. */
const PLAIN_PATH_CODE = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  if (char !== '%' && PATH_CHARACTER.test(char)) PLAIN_PATH_CODE[code] = 1;
}

function isPlainPath(path: string): boolean {
  for (let at = 0; at < path.length; at++) {
    const code = path.charCodeAt(at);
    if (code >= 128 || PLAIN_PATH_CODE[code] === 0) return false;
  }
  return true;
}

/** Which character is refused, and why; only called when `isPlainPath` found one. */
function characterProblem(path: string): string | null {
  for (let at = 0; at < path.length; at++) {
    const char = path.charAt(at);
    const raw = rawCharacterProblem(char, at);
    if (raw !== null) return raw;
    if (char === '\\') return `backslash at offset ${at}`;
    if (char === ';') return `";" at offset ${at}`;
    if (char === '%') {
      const encoding = percentEncodingProblem(path, at);
      if (encoding !== null) return encoding;
    } else if (!PATH_CHARACTER.test(char)) {
      return `character "${char}" at offset ${at} is not allowed in a path`;
    }
  }
  return null;
}

function pathProblem(path: string): string | null {
  const problem = isPlainPath(path) ? null : characterProblem(path);
  if (problem !== null) return problem;
  if (path.includes('//')) return 'empty path segment ("//")';
  if (path.includes('/.') && path.split('/').some((segment) => segment === '.' || segment === '..')) return 'dot segment ("." or "..")';
  return null;
}

function queryProblem(query: string, offset: number): string | null {
  for (let at = 0; at < query.length; at++) {
    const raw = rawCharacterProblem(query.charAt(at), offset + at);
    if (raw !== null) return raw;
  }
  return null;
}

function notOriginFormReason(rawTarget: string): string {
  if (rawTarget === '') return 'empty request-target';
  if (ABSOLUTE_FORM.test(rawTarget)) return 'absolute-form request-target';
  if (AUTHORITY_FORM.test(rawTarget)) return 'authority-form request-target';
  return 'request-target does not start with "/"';
}

/**
 * Checks Node's `req.url` (the request-target as received). The path is everything before the first
 * `?`; the query after it is returned raw for forwarding and never matched against rules, so only
 * bytes that could never be forwarded verbatim (controls, spaces, non-ASCII, `#`) are refused there.
 */
export function checkCanonicalPath(rawTarget: string): CanonicalPathCheck {
  if (!rawTarget.startsWith('/')) return { ok: false, reason: notOriginFormReason(rawTarget) };
  const queryAt = rawTarget.indexOf('?');
  const path = queryAt === -1 ? rawTarget : rawTarget.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawTarget.slice(queryAt + 1);
  const problem = pathProblem(path) ?? queryProblem(query, queryAt + 1);
  return problem === null ? { ok: true, path, query } : { ok: false, reason: problem };
}
