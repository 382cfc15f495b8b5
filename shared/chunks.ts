/**
 * Joins the `data` of a chunked host→browser message. A message is only trusted once every chunk of
 * its stream has arrived exactly once: a missing or repeated piece would splice different JSON texts.
 */
import { KeygateError } from './errors';
import type { ChunkFrame } from './protocol';

/** Returns the original JSON text, or throws FRAME_MALFORMED when the chunks do not form one whole stream. */
export function joinChunkData(chunks: readonly ChunkFrame[]): string {
  const [first] = chunks;
  if (!first) throw new KeygateError('FRAME_MALFORMED', 'No chunks to join.');
  if (chunks.length !== first.count) {
    throw new KeygateError('FRAME_MALFORMED', `Chunk stream ${first.stream} has ${chunks.length} of ${first.count} chunks.`);
  }
  const slots: (string | undefined)[] = new Array<string | undefined>(first.count);
  for (const chunk of chunks) {
    if (chunk.stream !== first.stream || chunk.count !== first.count) {
      throw new KeygateError('FRAME_MALFORMED', `Chunk stream ${first.stream} mixes chunks of another stream or count.`);
    }
    if (!Number.isSafeInteger(chunk.index) || chunk.index < 0 || chunk.index >= first.count || slots[chunk.index] !== undefined) {
      throw new KeygateError('FRAME_MALFORMED', `Chunk stream ${first.stream} has a bad or repeated index ${chunk.index}.`);
    }
    slots[chunk.index] = chunk.data;
  }
  return slots.join('');
}
