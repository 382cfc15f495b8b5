/**
 * Body bytes as the bridge carries them: base64 chunks of at most BRIDGE_CHUNK_BYTES where the line
 * is extension messaging (Chromium's is JSON, and a Keygate that switched its own messaging to
 * structured clones could no longer talk to other extensions, which stay on JSON); the bytes
 * themselves, as transferred ArrayBuffers, where it is a MessagePort. Runs in pages, in the background
 * and in other extensions: it uses the engine's own base64 of Uint8Array where there is one
 * (Chromium 140+, Firefox 133+), and btoa/atob in 32 KB slices otherwise.
 */
import { BRIDGE_CHUNK_BYTES, type BridgeChunkCoding } from '../../shared/bridge-messages';
import type { WireBytes } from './agent-messages';

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

/** A chunk's bytes as a line carried them: base64 decoded, or the ArrayBuffer itself. */
export function wireBytes(data: WireBytes): Uint8Array {
  return typeof data === 'string' ? decodeChunk(data) : new Uint8Array(data);
}

/** An ArrayBuffer holding exactly these bytes, to transfer: the view's own when it spans it, else a copy. */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const spansBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return spansBuffer ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/**
 * A chunk's bytes from the bridge, inflated when the host deflated them (`coding`, see
 * native-host/src/bridge/chunk-coding.ts). Rejects on a chunk that does not inflate.
 */
export async function chunkBytes(data: WireBytes, coding: BridgeChunkCoding | undefined): Promise<Uint8Array> {
  const packed = wireBytes(data);
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
