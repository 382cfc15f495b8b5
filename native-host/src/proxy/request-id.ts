/**
 * Every request's id (its audit line, its `x-keygate-request-id`): a random (version 4) UUID from
 * node:crypto's random bytes, drawn in batches as `randomUUID` draws them, but read out as one string.
 * `randomUUID` builds its text from some twenty concatenations, the pipeline's largest allocation
 * after the audit line (~330 bytes a request); here the hex digits go into one scratch buffer that is
 * read once.
 */
import { randomFillSync } from 'node:crypto';

const IDS_PER_BATCH = 128;
const randomBytes = Buffer.alloc(16 * IDS_PER_BATCH);
let nextInBatch = IDS_PER_BATCH;

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: the dashes stay, the digits are written over for each id. */
const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
/** Where each of the 16 bytes' two digits start in the text. */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

export function newRequestId(): string {
  if (nextInBatch === IDS_PER_BATCH) {
    randomFillSync(randomBytes);
    nextInBatch = 0;
  }
  const start = 16 * nextInBatch++;
  for (let i = 0; i < 16; i++) {
    let byte = randomBytes[start + i]!;
    // RFC 9562: the version (4, random) in byte 6, the variant (binary 10) in byte 8.
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const at = DIGITS_AT[i]!;
    text[at] = HEX_DIGITS[byte >> 4]!;
    text[at + 1] = HEX_DIGITS[byte & 0x0f]!;
  }
  return text.toString('latin1');
}
