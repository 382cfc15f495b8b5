/**
 * Body bytes as the bridge carries them: base64 chunks of at most BRIDGE_CHUNK_BYTES. Runs in pages,
 * in the background and in other extensions, so it uses only btoa/atob; encoding goes in slices
 * (one `fromCharCode` call per 32 KB, not per byte) because a 5 MB stream is 20 such chunks.
 */
import { BRIDGE_CHUNK_BYTES } from '../../shared/bridge-messages';

const SLICE = 0x8000;

export function encodeChunk(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += SLICE) binary += String.fromCharCode(...bytes.subarray(at, at + SLICE));
  return btoa(binary);
}

/** The chunk was validated as base64 already (isBase64Chunk); atob throws on anything else. */
export function decodeChunk(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  return bytes;
}

/** Splits a body stream into bridge-sized pieces, without holding more than one piece at a time. */
export async function* bridgeSizedPieces(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (let at = 0; at < value.length; at += BRIDGE_CHUNK_BYTES) yield value.subarray(at, at + BRIDGE_CHUNK_BYTES);
    }
  } finally {
    reader.releaseLock();
  }
}
