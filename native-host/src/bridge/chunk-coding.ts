/**
 * A bridged answer's chunks as the native port carries them: base64, deflated first when that saves
 * enough. Every byte of a bridged answer crosses Chromium's browser process twice as base64 text
 * (native port, then the content script's port), and Chromium reads a native host's pipe 4 KiB at a
 * time with a thread-pool hop per read, so those bytes are the bridge's cost (docs/browser-agents.md,
 * "How fast"). Model answers are text (JSON, server-sent events) and deflate to a fraction; bytes
 * that do not (images, archives) go as they are. Small chunks — one server-sent event — go as they
 * are too: they are sent the moment they arrive, and compressing them would save nothing.
 *
 * The answer is already scrubbed when it gets here, and only Keygate's extension reads the
 * compressed form (the page gets the bytes back), so compression reveals nothing to anyone.
 */
import { deflateRawSync } from 'node:zlib';
import type { BridgeChunkCoding } from '../../../shared/bridge-messages';

/** Below this a chunk goes as it is. */
const DEFLATE_MIN_BYTES = 4096;
/** A deflated chunk is sent only when it is at most this share of the raw one. */
const WORTHWHILE_RATIO = 0.8;

export interface EncodedChunk {
  data: string;
  coding?: BridgeChunkCoding;
}

/**
 * One answer's chunks, packed. Deflate is tried until a chunk fails to shrink enough, then never
 * again for this answer: bytes that did not compress (an image, an archive, encrypted data) will
 * not start to, and deflating them costs the host as much as sending them (measured: the host's CPU
 * for 25 MiB of random bytes 0.29 → 0.94 s when every chunk was tried).
 */
export class ChunkPacker {
  private deflateWorthTrying = true;

  pack(bytes: Buffer): EncodedChunk {
    if (this.deflateWorthTrying && bytes.length >= DEFLATE_MIN_BYTES) {
      // Level 1: most of the saving for a fraction of the time (the event loop waits for it).
      const deflated = deflateRawSync(bytes, { level: 1 });
      if (deflated.length <= bytes.length * WORTHWHILE_RATIO) return { data: deflated.toString('base64'), coding: 'deflate-raw' };
      this.deflateWorthTrying = false;
    }
    return { data: bytes.toString('base64') };
  }
}
