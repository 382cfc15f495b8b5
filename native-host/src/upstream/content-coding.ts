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

export function isContentCoded(headers: Record<string, HeaderValue>): boolean {
  return namesACoding(Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-encoding')?.[1]);
}
