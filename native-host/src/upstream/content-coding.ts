/**
 * Whether an upstream's answer body is still content-coded (gzip, br, zstd, …). Keygate asks every
 * upstream for `identity` and never decodes: a coded body is bytes Keygate cannot read, so neither
 * the scrubber (an echoed key) nor the Binance handler (an order's error code) may judge it.
 */
type HeaderValue = string | string[] | undefined;

/** `identity` (any case, any number of times) is no coding at all; an empty field is the same. */
function namesACoding(contentEncoding: HeaderValue): boolean {
  if (contentEncoding === undefined) return false;
  const fields = Array.isArray(contentEncoding) ? contentEncoding : [contentEncoding];
  return fields.some((field) => field.split(',').some((coding) => !['', 'identity'].includes(coding.trim().toLowerCase())));
}

/** Runs on every answer's head: the field is looked up by name (any case) without an entries array. */
export function isContentCoded(headers: Record<string, HeaderValue>): boolean {
  for (const name in headers) if (name.length === 16 && name.toLowerCase() === 'content-encoding') return namesACoding(headers[name]);
  return false;
}
