/**
 * Answers the scrubber cannot vouch for are refused whole rather than relayed. Keygate asks every
 * upstream for `accept-encoding: identity`; a body still compressed (gzip, br, zstd or anything else)
 * would carry an echoed key in bytes the scrubber never sees, so it is not decoded but refused: a
 * server that ignores `identity` is broken or hostile, and decoding its bytes would put a
 * decompressor (and decompression bombs) on the proxy's hot path for no honest upstream's sake.
 * A 206 is a slice of a body: slices of an echo, asked for one at a time, rebuild a key no single
 * answer contains, so partial answers pass only for services whose policy allows ranges.
 */
import { KeygateError } from '../../../shared/errors';
import { isContentCoded } from '../upstream/content-coding';

type HeaderValue = string | string[] | undefined;

/** The refusal for an answer that must not reach the agent, or null to relay it. */
export function unscrubbableAnswer(status: number, headers: Record<string, HeaderValue>, allowRanges: boolean): KeygateError | null {
  if (isContentCoded(headers)) return new KeygateError('UPSTREAM_ENCODING_REFUSED');
  if (status === 206 && !allowRanges) return new KeygateError('UPSTREAM_RANGE_REFUSED');
  return null;
}
