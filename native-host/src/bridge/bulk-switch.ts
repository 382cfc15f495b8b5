/**
 * When a bridged answer leaves the native port for the bulk lane. Every byte over the native port
 * crosses Chromium's 4 KiB reads as base64 (~12 MB/s of raw bytes on the reference machine); the
 * background's loopback fetch is several times faster, but costs a connection and a round trip to
 * open. So an answer moves once it has shown itself large — more than BULK_SWITCH_BYTES sent or
 * waiting, with more still to send — and a small one, or the tail of one that fits in the next
 * native chunk, stays where it is. (A head's content-length cannot decide earlier: the pipeline
 * drops it, since scrubbing may change the body's length.)
 */
import { BRIDGE_CHUNK_BYTES, BULK_SWITCH_BYTES } from '../../../shared/bridge-messages';

export interface AnswerProgress {
  /** Body bytes already sent over the native port. */
  sentBytes: number;
  /** Body bytes waiting to be sent. */
  waitingBytes: number;
  /** The pipeline has written the whole body. */
  ending: boolean;
}

export function bulkLaneDue(answer: AnswerProgress): boolean {
  if (answer.waitingBytes === 0) return false;
  // The rest fits in one native chunk: a connection would cost more than it saves.
  if (answer.ending && answer.waitingBytes <= BRIDGE_CHUNK_BYTES) return false;
  return answer.sentBytes + answer.waitingBytes > BULK_SWITCH_BYTES;
}
