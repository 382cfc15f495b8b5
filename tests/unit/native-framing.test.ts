import { describe, expect, it } from 'vitest';
import { FrameDecoder, type DecodedFrame } from '../../native-host/src/native/frame-decoder';
import { encodeFrames } from '../../native-host/src/native/frame-encoder';
import { joinChunkData } from '../../shared/chunks';
import { CHUNK_DATA_UNITS, CHUNK_THRESHOLD_BYTES, type ChunkFrame, validateHostFrame } from '../../shared/protocol';

/** Builds a frame by hand, pinning the wire format (little-endian length) independently of the encoder. */
function rawFrame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(4);
  header.writeUInt32LE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

function pushInPieces(decoder: FrameDecoder, bytes: Buffer, pieceBytes: number): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  for (let at = 0; at < bytes.length; at += pieceBytes) frames.push(...decoder.push(bytes.subarray(at, at + pieceBytes)));
  return frames;
}

function bodies(frames: DecodedFrame[]): string[] {
  return frames.map((frame) => (frame.kind === 'frame' ? frame.body.toString('utf8') : `oversized:${frame.declaredBytes}`));
}

function decodeAll(frames: Buffer[]): unknown[] {
  const decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER);
  return bodies(decoder.push(Buffer.concat(frames))).map((body) => JSON.parse(body));
}

let streamIds = 0;
const nextStreamId = () => ++streamIds;

describe('FrameDecoder', () => {
  it('decodes frames delivered one byte at a time, emitting each only when complete', () => {
    const decoder = new FrameDecoder();
    const bytes = Buffer.concat([rawFrame('{"a":1}'), rawFrame('{"b":2}')]);
    const emittedAt: number[] = [];
    const frames: DecodedFrame[] = [];
    for (let at = 0; at < bytes.length; at++) {
      const out = decoder.push(bytes.subarray(at, at + 1));
      if (out.length > 0) emittedAt.push(at);
      frames.push(...out);
    }
    expect(bodies(frames)).toEqual(['{"a":1}', '{"b":2}']);
    expect(emittedAt).toEqual([10, 21]);
  });

  it('reads the length as little-endian across a header split between reads', () => {
    const decoder = new FrameDecoder();
    const body = 'x'.repeat(258); // bytes 02 01 00 00: a big-endian reader would wait for 33 MB
    const bytes = rawFrame(body);
    expect(decoder.push(bytes.subarray(0, 2))).toEqual([]);
    expect(decoder.push(bytes.subarray(2, 3))).toEqual([]);
    expect(bodies(decoder.push(bytes.subarray(3)))).toEqual([body]);
  });

  it('decodes many frames from one read, in order', () => {
    const decoder = new FrameDecoder();
    const texts = Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: i }));
    expect(bodies(decoder.push(Buffer.concat(texts.map(rawFrame))))).toEqual(texts);
  });

  it('emits zero-length frames without swallowing the frame after them', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.concat([rawFrame(''), rawFrame(''), rawFrame('{}')]));
    expect(bodies(frames)).toEqual(['', '', '{}']);
  });

  it('reports an oversized frame once, skips its body across reads, then decodes the next frame', () => {
    const decoder = new FrameDecoder(16);
    const oversized = rawFrame('y'.repeat(100));
    const bytes = Buffer.concat([oversized, rawFrame('{"next":true}')]);
    const frames = pushInPieces(decoder, bytes, 7);
    expect(bodies(frames)).toEqual(['oversized:100', '{"next":true}']);
  });

  it('reports an oversized frame as soon as its header arrives, without waiting for its body', () => {
    const decoder = new FrameDecoder(16);
    const header = rawFrame('y'.repeat(1000)).subarray(0, 4);
    expect(decoder.push(header)).toEqual([{ kind: 'oversized', declaredBytes: 1000 }]);
    expect(decoder.push(Buffer.alloc(999, 0x79))).toEqual([]);
    expect(bodies(decoder.push(Buffer.concat([Buffer.from('y'), rawFrame('{}')])))).toEqual(['{}']);
  });

  it('accepts a frame of exactly the cap', () => {
    const decoder = new FrameDecoder(16);
    expect(bodies(decoder.push(rawFrame('z'.repeat(16))))).toEqual(['z'.repeat(16)]);
  });

  it('reassembles a large frame read in 64 KiB pieces', () => {
    const decoder = new FrameDecoder();
    const body = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const frames = pushInPieces(decoder, Buffer.concat([rawFrame(body), rawFrame('{}')]), 64 * 1024);
    expect(frames).toHaveLength(2);
    const [big] = frames;
    expect(big?.kind === 'frame' && big.body.equals(body)).toBe(true);
  });
});

describe('encodeFrames', () => {
  it('writes a small message as one little-endian length-prefixed frame', () => {
    const frames = encodeFrames({ id: 1, ok: true, result: 'hi' }, nextStreamId);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toEqual(rawFrame('{"id":1,"ok":true,"result":"hi"}'));
  });

  it('counts the length in UTF-8 bytes, so emoji and CJK text survive the round trip', () => {
    const message = { id: 'näive', ok: true, result: { text: '鍵の門 🔑😀 ℮' } };
    const [frame] = encodeFrames(message, nextStreamId);
    expect(frame?.readUInt32LE(0)).toBe(Buffer.byteLength(JSON.stringify(message)));
    expect(decodeAll(encodeFrames(message, nextStreamId))).toEqual([message]);
  });

  it('chunks a 5 MB reply into frames under the browser limit that join into the original JSON', () => {
    const message = { id: 9, ok: true, result: { data: 'ascii "quoted" 鍵 🔑 '.repeat(250_000) } };
    const json = JSON.stringify(message);
    expect(Buffer.byteLength(json)).toBeGreaterThan(5_000_000);

    const frames = encodeFrames(message, nextStreamId);
    for (const frame of frames) expect(frame.length - 4).toBeLessThan(CHUNK_THRESHOLD_BYTES);
    const chunks = decodeAll(frames).map((value) => validateHostFrame(value) as ChunkFrame);
    expect(chunks.every((chunk) => chunk?.type === 'chunk' && chunk.stream === chunks[0]?.stream)).toBe(true);
    expect(chunks.map((chunk) => chunk.index)).toEqual([...chunks.keys()]);
    expect(chunks.every((chunk) => chunk.count === frames.length)).toBe(true);
    expect(joinChunkData(chunks)).toBe(json);
  });

  it('never splits a surrogate pair at a slice boundary', () => {
    // '{"data":"' is 9 units, so every emoji starts at an odd offset and straddles each even boundary.
    const message = { data: '😀'.repeat(300_000) };
    expect(JSON.stringify(message).charCodeAt(CHUNK_DATA_UNITS - 1)).toBe(0xd83d);

    const chunks = decodeAll(encodeFrames(message, nextStreamId)) as ChunkFrame[];
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.data).not.toMatch(/\p{Cs}/u);
    expect(chunks[0]?.data).toHaveLength(CHUNK_DATA_UNITS - 1);
    expect(JSON.parse(joinChunkData(chunks))).toEqual(message);
  });

  it('takes a fresh stream id per chunked message', () => {
    const big = { data: 'a'.repeat(1_500_000) };
    const first = decodeAll(encodeFrames(big, nextStreamId)) as ChunkFrame[];
    const second = decodeAll(encodeFrames(big, nextStreamId)) as ChunkFrame[];
    expect(first[0]?.stream).not.toBe(second[0]?.stream);
  });
});

describe('joinChunkData', () => {
  const chunk = (index: number, data: string, extra: Partial<ChunkFrame> = {}): ChunkFrame => ({
    type: 'chunk',
    stream: 1,
    index,
    count: 3,
    data,
    ...extra,
  });

  it('joins chunks that arrive out of order', () => {
    expect(joinChunkData([chunk(2, 'c'), chunk(0, 'a'), chunk(1, 'b')])).toBe('abc');
  });

  it.each([
    ['a missing chunk', [chunk(0, 'a'), chunk(1, 'b')]],
    ['a repeated index', [chunk(0, 'a'), chunk(1, 'b'), chunk(1, 'b')]],
    ['an index past the count', [chunk(0, 'a'), chunk(1, 'b'), chunk(3, 'c')]],
    ['chunks of another stream', [chunk(0, 'a'), chunk(1, 'b'), chunk(2, 'c', { stream: 2 })]],
    ['no chunks', []],
  ])('refuses %s with FRAME_MALFORMED', (_, chunks) => {
    expect(() => joinChunkData(chunks)).toThrow(expect.objectContaining({ name: 'KeygateError', code: 'FRAME_MALFORMED' }));
  });
});
