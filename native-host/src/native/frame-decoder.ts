/**
 * Turns the browser's stdin byte stream into native-messaging frames (uint32 little-endian length +
 * that many bytes). stdin arrives in arbitrary pieces, so a frame — even its 4-byte header — may be
 * split across reads, and one read may hold many frames.
 */
import { DEFAULT_MAX_INBOUND_FRAME_BYTES } from '../../../shared/protocol';

export type DecodedFrame = { kind: 'frame'; body: Buffer } | { kind: 'oversized'; declaredBytes: number };

const HEADER_BYTES = 4;

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  /** Length of the frame being collected, or null while reading a header. */
  private bodyBytes: number | null = null;
  /** Pieces are kept and joined once, so a large frame read in 64 KiB pieces is copied once, not per read. */
  private pieces: Buffer[] = [];
  private received = 0;
  /** Bytes still to drop from an oversized frame; skipping them (not resyncing on guesses) keeps the stream aligned. */
  private skipping = 0;

  constructor(maxFrameBytes: number = DEFAULT_MAX_INBOUND_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): DecodedFrame[] {
    const frames: DecodedFrame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const available = chunk.length - offset;
      if (this.skipping > 0) {
        const dropped = Math.min(this.skipping, available);
        this.skipping -= dropped;
        offset += dropped;
      } else if (this.bodyBytes === null) {
        const copied = chunk.copy(this.header, this.headerFilled, offset, offset + Math.min(HEADER_BYTES - this.headerFilled, available));
        this.headerFilled += copied;
        offset += copied;
        if (this.headerFilled === HEADER_BYTES) this.startFrame(this.header.readUInt32LE(0), frames);
      } else {
        const taken = Math.min(this.bodyBytes - this.received, available);
        this.pieces.push(chunk.subarray(offset, offset + taken));
        this.received += taken;
        offset += taken;
        if (this.received === this.bodyBytes) this.finishFrame(frames);
      }
    }
    return frames;
  }

  private startFrame(declaredBytes: number, frames: DecodedFrame[]): void {
    this.headerFilled = 0;
    if (declaredBytes > this.maxFrameBytes) {
      frames.push({ kind: 'oversized', declaredBytes });
      this.skipping = declaredBytes;
    } else if (declaredBytes === 0) {
      frames.push({ kind: 'frame', body: Buffer.alloc(0) });
    } else {
      this.bodyBytes = declaredBytes;
    }
  }

  private finishFrame(frames: DecodedFrame[]): void {
    const [only] = this.pieces;
    const body = this.pieces.length === 1 && only ? only : Buffer.concat(this.pieces, this.received);
    frames.push({ kind: 'frame', body });
    this.bodyBytes = null;
    this.pieces = [];
    this.received = 0;
  }
}
