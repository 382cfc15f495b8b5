/**
 * Serialises host→browser messages into native-messaging frames. Chromium drops the port when a
 * host→browser message exceeds 1 MB, so a larger message goes out as `chunk` frames that the
 * extension joins back into the original JSON text (shared/chunks.ts).
 */
import { ok } from 'node:assert/strict';
import { CHUNK_DATA_UNITS, CHUNK_THRESHOLD_BYTES, type ChunkFrame } from '../../../shared/protocol';

/** Prefixes a body with its uint32 little-endian byte length. */
export function lengthPrefixed(body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Returns the frames that carry `message`: one, or one per chunk, each under Chromium's limit. */
export function encodeFrames(message: object, nextStreamId: () => number): Buffer[] {
  const json = JSON.stringify(message);
  const body = Buffer.from(json, 'utf8');
  if (body.length <= CHUNK_THRESHOLD_BYTES) return [lengthPrefixed(body)];

  const slices = sliceWithoutSplittingPairs(json, CHUNK_DATA_UNITS);
  const stream = nextStreamId();
  return slices.map((data, index) => {
    const chunk: ChunkFrame = { type: 'chunk', stream, index, count: slices.length, data };
    const chunkBody = Buffer.from(JSON.stringify(chunk), 'utf8');
    ok(chunkBody.length < CHUNK_THRESHOLD_BYTES, `chunk frame of ${chunkBody.length} bytes would break the browser's limit`);
    return lengthPrefixed(chunkBody);
  });
}

/**
 * Slices text into pieces of at most `units` UTF-16 units. A surrogate pair cut in half would reach
 * the browser as two lone surrogates, which are not valid UTF-8, so a slice ending on a high
 * surrogate gives it to the next slice.
 */
function sliceWithoutSplittingPairs(text: string, units: number): string[] {
  const slices: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + units, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    slices.push(text.slice(start, end));
    start = end;
  }
  return slices;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
