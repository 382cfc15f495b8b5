/**
 * The field names a server could give the parts of a multipart body, read without trusting the
 * boundary: PHP, Rack and busboy each find the boundary in the Content-Type their own way, and a part
 * Keygate skipped because it read another boundary could still be a field upstream. So every part
 * header block in the body counts, wherever it sits: `Content-Disposition`'s `name` (quoted or not,
 * backslash escapes, RFC 2231/5987 `name*=` and its `name*0=` continuations), and `Content-ID`, which
 * Rack takes as the name of a part whose disposition names none. A file that happens to contain such
 * a header line is read as one too: refusing that rare upload is the safe mistake.
 */

/**
 * Where a part's headers start. The block runs to the first CRLF CRLF, where Rack ends a part's head
 * (PHP also ends one at a bare LF LF, always sooner: reading on is the wider reading, and Rack 2's
 * disposition pattern reads past a bare LF LF).
 */
const PART_HEADER = /content-(?:disposition|id)[ \t]*:/gi;
const BLOCK_END = /\r\n\r\n/g;
/** `name`, `name*`, `name*0`, `name*1*`…; `filename` is not a field name (no `;` or space before `name`). */
const NAME_PARAMETER = /(?:^|[;\s])name(?:\*(\d+))?(\*)?[ \t]*=[ \t]*("(?:[^"\\]|\\[\s\S])*"|[^;\s]*)/gi;
/** Rack's pattern: the value may start on the next line. */
const CONTENT_ID = /content-id[ \t]*:\s*([^\r\n]*)/gi;

/** A quoted value as sent and with its backslash escapes undone (PHP and Rack undo them). */
function unquoted(value: string): string[] {
  if (!value.startsWith('"')) return [value];
  const inner = value.slice(1, -1);
  return [inner, inner.replace(/\\([\s\S])/g, '$1')];
}

/** RFC 2231 `charset'language'percent-encoded`; a value without the two quotes is only percent-encoded. */
function extendedValue(value: string): string {
  const parts = value.split("'");
  const encoded = parts.length >= 3 ? parts.slice(2).join("'") : value;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function dispositionNames(block: string): string[] {
  const names: string[] = [];
  const continued: Array<[index: number, text: string]> = [];
  for (const [, index, extended, raw] of block.matchAll(NAME_PARAMETER)) {
    const values = extended === undefined ? unquoted(raw ?? '') : unquoted(raw ?? '').map(extendedValue);
    if (index === undefined) names.push(...values);
    else continued.push([Number(index), values[values.length - 1] ?? '']);
  }
  if (continued.length > 0) names.push(continued.sort(([a], [b]) => a - b).map(([, text]) => text).join(''));
  return names;
}

function contentIds(block: string): string[] {
  return [...block.matchAll(CONTENT_ID)].flatMap(([, value]) => {
    const id = (value ?? '').trim();
    return [id, id.replace(/^<(.*)>$/, '$1')];
  });
}

/** Every name a part of `text` (the body, decoded as text) could be given; linear in the body's length. */
export function multipartFieldNames(text: string): string[] {
  const names: string[] = [];
  PART_HEADER.lastIndex = 0;
  for (let found = PART_HEADER.exec(text); found !== null; found = PART_HEADER.exec(text)) {
    BLOCK_END.lastIndex = found.index;
    const end = BLOCK_END.exec(text)?.index ?? text.length;
    const block = text.slice(found.index, end);
    names.push(...dispositionNames(block), ...contentIds(block));
    PART_HEADER.lastIndex = end;
  }
  return names;
}
