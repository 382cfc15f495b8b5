/**
 * Body bytes as the bridge carries them: base64 chunks of at most BRIDGE_CHUNK_BYTES (Chromium's
 * extension messaging is JSON, and a Keygate that switched its own messaging to structured clones
 * could no longer talk to other extensions, which stay on JSON). Runs in pages, in the background
 * and in other extensions: it uses the engine's own base64 of Uint8Array where there is one
 * (Chromium 140+, Firefox 133+), and btoa/atob in 32 KB slices otherwise.
 */
import { BRIDGE_CHUNK_BYTES, type BridgeChunkCoding } from '../../shared/bridge-messages';

interface Base64Builtins {
  fromBase64?: (text: string) => Uint8Array;
}
interface Base64Bytes {
  toBase64?: () => string;
}

const builtinFromBase64 = (Uint8Array as unknown as Base64Builtins).fromBase64;
const SLICE = 0x8000;

export function encodeChunk(bytes: Uint8Array): string {
  const builtin = (bytes as Base64Bytes).toBase64;
  if (builtin !== undefined) return builtin.call(bytes);
  let binary = '';
  for (let at = 0; at < bytes.length; at += SLICE) binary += String.fromCharCode(...bytes.subarray(at, at + SLICE));
  return btoa(binary);
}

/** The chunk was validated as base64 already (isBase64Chunk); both decoders throw on anything else. */
export function decodeChunk(text: string): Uint8Array {
  if (builtinFromBase64 !== undefined) return builtinFromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  return bytes;
}

/**
 * A chunk's bytes from the bridge: base64, inflated when the host deflated it (`coding`, see
 * native-host/src/bridge/chunk-coding.ts). Rejects on a chunk that does not inflate.
 */
export async function chunkBytes(data: string, coding: BridgeChunkCoding | undefined): Promise<Uint8Array> {
  const packed = decodeChunk(data);
  if (coding === undefined) return packed;
  const inflated = new Blob([packed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(coding));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
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
