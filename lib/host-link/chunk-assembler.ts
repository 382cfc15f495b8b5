import { joinChunkData } from '../../shared/chunks';
import type { ChunkFrame } from '../../shared/protocol';

/**
 * Collects `chunk` frames per stream (the host splits frames above Chromium's 1 MB limit) and hands
 * back the original frame's JSON text once every piece has arrived.
 */
export class ChunkAssembler {
  private readonly streams = new Map<number, ChunkFrame[]>();

  /** Returns the complete JSON text when `chunk` was the last missing piece, otherwise null. */
  add(chunk: ChunkFrame): string | null {
    const pieces = this.streams.get(chunk.stream) ?? [];
    pieces.push(chunk);
    this.streams.set(chunk.stream, pieces);
    if (pieces.length < chunk.count) return null;
    this.streams.delete(chunk.stream);
    return joinChunkData(pieces);
  }

  /** A new host process starts its stream ids again, so half-received streams are dropped. */
  reset(): void {
    this.streams.clear();
  }
}
