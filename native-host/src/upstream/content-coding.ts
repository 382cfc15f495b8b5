/**
 * Whether a message body is still coded (gzip, br, zstd, …). Keygate asks every upstream for
 * `identity` and never decodes: a coded body is bytes Keygate cannot read, so neither the scrubber
 * (an echoed key) nor the Binance handler (an order's error code) may judge it. A transfer-coding
 * counts too: undici undoes `chunked` and nothing else, so a `Transfer-Encoding: gzip, chunked`
 * answer arrives as gzip bytes, and the agent, its framing header gone, gets them unmarked.
 */
type HeaderValue = string | string[] | undefined;

/** Whether a field names a coding outside `plain` (any case, any number of times; an empty field is none). */
function namesACoding(field: HeaderValue, plain: readonly string[]): boolean {
  if (field === undefined) return false;
  const fields = Array.isArray(field) ? field : [field];
  return fields.some((text) => text.split(',').some((coding) => !plain.includes(coding.trim().toLowerCase())));
}

const NO_CONTENT_CODING = ['', 'identity'];
/** `chunked` is framing that undici (and Node's server) take off; any other transfer-coding stays on the bytes. */
const NO_TRANSFER_CODING = ['', 'identity', 'chunked'];

/** Runs on every answer's head: the fields are looked up by name (any case) without an entries array. */
export function isContentCoded(headers: Record<string, HeaderValue>): boolean {
  for (const name in headers) {
    if (name.length === 16 && name.toLowerCase() === 'content-encoding' && namesACoding(headers[name], NO_CONTENT_CODING)) return true;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding' && namesACoding(headers[name], NO_TRANSFER_CODING)) return true;
  }
  return false;
}
