import { PassThrough, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../native-host/src/native/frame-decoder';
import { lengthPrefixed } from '../../native-host/src/native/frame-encoder';
import { serveNativePort, type NativePortOptions } from '../../native-host/src/native/port';
import { joinChunkData } from '../../shared/chunks';
import { KeygateError } from '../../shared/errors';
import { type ChunkFrame, type HostFrame, type Reply, type Request, validateHostFrame } from '../../shared/protocol';

const frame = (value: string | object): Buffer =>
  lengthPrefixed(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'));

const hello = (id: number | string) => frame({ id, type: 'hello', extensionVersion: '1.2.3' });

/** Request is not a discriminated union, so each branch names the type it has checked. */
function answerRequest(request: Request): unknown {
  switch (request.type) {
    case 'hello':
      return { version: '0.1.0', capabilities: ['ping'], pid: 42, echoed: (request as Request<'hello'>).extensionVersion };
    case 'diagnostics.payload':
      return { data: 'd'.repeat((request as Request<'diagnostics.payload'>).bytes) };
    default:
      return { receivedAt: 1 };
  }
}

const isChunk = (hostFrame: HostFrame): hostFrame is ChunkFrame => 'type' in hostFrame && hostFrame.type === 'chunk';

/** Parses host output into frames the way the extension does, joining chunk streams back into replies. */
function readHostFrames(bytes: Buffer): HostFrame[] {
  const decoded = new FrameDecoder(Number.MAX_SAFE_INTEGER).push(bytes);
  const frames = decoded.map((item) => {
    if (item.kind !== 'frame') throw new Error('host wrote an oversized frame');
    const parsed = validateHostFrame(JSON.parse(item.body.toString('utf8')));
    if (!parsed) throw new Error(`host wrote an invalid frame: ${item.body.toString('utf8').slice(0, 200)}`);
    return parsed;
  });
  const messages: HostFrame[] = [];
  let chunks: ChunkFrame[] = [];
  for (const hostFrame of frames) {
    if (!isChunk(hostFrame)) {
      expect(chunks).toEqual([]); // another message must not land in the middle of a chunk stream
      messages.push(hostFrame);
      continue;
    }
    chunks.push(hostFrame);
    if (chunks.length === hostFrame.count) {
      messages.push(validateHostFrame(JSON.parse(joinChunkData(chunks))) as HostFrame);
      chunks = [];
    }
  }
  expect(chunks).toEqual([]);
  return messages;
}

interface Exchange {
  messages: HostFrame[];
  raw: string;
  logs: string[];
}

/** Writes the given bytes (each entry as its own read) to a port, ends input and collects everything it wrote. */
async function exchange(writes: Buffer[], options: Partial<NativePortOptions> = {}): Promise<Exchange> {
  const input = new PassThrough();
  const output = new PassThrough();
  const collected = buffer(output);
  const logs: string[] = [];
  const port = serveNativePort({ input, output, handle: answerRequest, log: (line) => logs.push(line), ...options });
  for (const bytes of writes) input.write(bytes);
  input.end();
  await port.closed;
  output.end();
  const bytes = await collected;
  return { messages: readHostFrames(bytes), raw: bytes.toString('utf8'), logs };
}

function errorOf(message: HostFrame | undefined): { id: unknown; code: unknown } {
  const reply = message as Reply | undefined;
  if (!reply || reply.ok !== false) throw new Error(`expected an error reply, got ${JSON.stringify(message)}`);
  return { id: reply.id, code: reply.error.code };
}

describe('serveNativePort', () => {
  it('answers a valid request with the same id and the handler result', async () => {
    const { messages } = await exchange([hello('req-1')]);
    expect(messages).toEqual([
      { id: 'req-1', ok: true, result: { version: '0.1.0', capabilities: ['ping'], pid: 42, echoed: '1.2.3' } },
    ]);
  });

  it('answers bad JSON with FRAME_MALFORMED and id null, then answers the next frame', async () => {
    const { messages } = await exchange([frame('{"id":1,"type":"hello",'), hello(2)]);
    expect(errorOf(messages[0])).toEqual({ id: null, code: 'FRAME_MALFORMED' });
    expect(messages[1]).toMatchObject({ id: 2, ok: true });
  });

  it('refuses invalid UTF-8 instead of accepting replacement characters', async () => {
    const badUtf8 = Buffer.concat([Buffer.from('{"id":1,"type":"hello","extensionVersion":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const { messages } = await exchange([lengthPrefixed(badUtf8), hello(2)]);
    expect(errorOf(messages[0])).toEqual({ id: null, code: 'FRAME_MALFORMED' });
    expect(messages[1]).toMatchObject({ id: 2, ok: true });
  });

  it('refuses prototype-polluting keys at any depth without polluting Object.prototype', async () => {
    const handled: Request[] = [];
    const { messages } = await exchange(
      [
        frame('{"id":1,"type":"hello","extensionVersion":"1","__proto__":{"polluted":true}}'),
        frame('{"id":2,"type":"hello","extensionVersion":"1","x":{"constructor":{"prototype":{"polluted":true}}}}'),
        frame('{"id":3,"type":"ping","deep":[{"prototype":{"polluted":true}}]}'),
      ],
      { handle: (request) => handled.push(request) },
    );
    expect(messages.map(errorOf)).toEqual([
      { id: null, code: 'FRAME_MALFORMED' },
      { id: null, code: 'FRAME_MALFORMED' },
      { id: null, code: 'FRAME_MALFORMED' },
    ]);
    expect(handled).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers a JSON value that is not an object with FRAME_MALFORMED', async () => {
    const { messages } = await exchange([frame('[1,2]'), frame('"hello"')]);
    expect(messages.map(errorOf)).toEqual([
      { id: null, code: 'FRAME_MALFORMED' },
      { id: null, code: 'FRAME_MALFORMED' },
    ]);
  });

  it('answers a request without an id with MESSAGE_INVALID and id null', async () => {
    const { messages } = await exchange([frame({ type: 'hello', extensionVersion: '1' })]);
    expect(errorOf(messages[0])).toEqual({ id: null, code: 'MESSAGE_INVALID' });
  });

  it('answers an unknown type with MESSAGE_TYPE_UNKNOWN and the request id', async () => {
    const { messages } = await exchange([frame({ id: 7, type: 'vault.export' })]);
    expect(errorOf(messages[0])).toEqual({ id: 7, code: 'MESSAGE_TYPE_UNKNOWN' });
  });

  it('answers fields of the wrong type or range with MESSAGE_INVALID and the request id', async () => {
    const { messages } = await exchange([
      frame({ id: 1, type: 'diagnostics.payload', bytes: 'x' }),
      frame({ id: 2, type: 'diagnostics.payload', bytes: -1 }),
      frame({ id: 3, type: 'hello' }),
    ]);
    expect(messages.map(errorOf)).toEqual([
      { id: 1, code: 'MESSAGE_INVALID' },
      { id: 2, code: 'MESSAGE_INVALID' },
      { id: 3, code: 'MESSAGE_INVALID' },
    ]);
  });

  it('answers an oversized frame with FRAME_TOO_LARGE without buffering it, then answers the next frame', async () => {
    const oversized = frame({ id: 1, type: 'hello', extensionVersion: 'v'.repeat(5000) });
    const handled: Request[] = [];
    const { messages } = await exchange(
      [oversized.subarray(0, 3), oversized.subarray(3, 700), oversized.subarray(700), hello(2)],
      { maxInboundFrameBytes: 1024, handle: (request) => handled.push(request) },
    );
    expect(errorOf(messages[0])).toEqual({ id: null, code: 'FRAME_TOO_LARGE' });
    expect(messages[1]).toMatchObject({ id: 2, ok: true });
    expect(handled.map((request) => request.id)).toEqual([2]);
  });

  it('turns a KeygateError from the handler into an error reply with its code', async () => {
    const { messages } = await exchange([hello(5)], {
      handle: async () => {
        await sleep(1);
        throw new KeygateError('CALLER_NOT_ALLOWED', 'Origin chrome-extension://abc/ is not allowed.');
      },
    });
    expect(errorOf(messages[0])).toEqual({ id: 5, code: 'CALLER_NOT_ALLOWED' });
    expect(messages[0]).toMatchObject({ error: { message: expect.stringContaining('chrome-extension://abc/') } });
  });

  it('answers any other throw with INTERNAL_ERROR, logs it, and never echoes its message', async () => {
    const { messages, raw, logs } = await exchange([hello(6), hello(7)], {
      handle: (request) => {
        if (request.id === 6) throw new Error('secret sk-fake-123');
        return 'fine';
      },
    });
    expect(errorOf(messages[0])).toEqual({ id: 6, code: 'INTERNAL_ERROR' });
    expect(messages[1]).toEqual({ id: 7, ok: true, result: 'fine' });
    expect(raw).not.toContain('sk-fake-123');
    expect(logs.join('\n')).toContain('sk-fake-123');
  });

  it('answers with INTERNAL_ERROR when the result cannot be serialised, and keeps serving', async () => {
    const { messages } = await exchange([hello(1), hello(2)], {
      handle: (request) => (request.id === 1 ? { big: 1n } : 'ok'),
    });
    expect(errorOf(messages[0])).toEqual({ id: 1, code: 'INTERNAL_ERROR' });
    expect(messages[1]).toEqual({ id: 2, ok: true, result: 'ok' });
  });

  it('sends a result of null when the handler returns nothing, so the reply stays valid', async () => {
    const { messages } = await exchange([hello(1)], { handle: () => undefined });
    expect(messages).toEqual([{ id: 1, ok: true, result: null }]);
  });

  it('handles requests concurrently and replies in the order they complete', async () => {
    const { messages } = await exchange([hello('slow'), hello('fast')], {
      handle: async (request) => {
        await sleep(request.id === 'slow' ? 50 : 1);
        return request.id;
      },
    });
    expect(messages.map((message) => ('id' in message ? message.id : null))).toEqual(['fast', 'slow']);
  });

  it('chunks replies above the browser limit, each chunked reply with its own stream id', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const collected = buffer(output);
    const port = serveNativePort({ input, output, handle: answerRequest, log: () => {} });
    input.end(Buffer.concat([1, 2].map((id) => frame({ id, type: 'diagnostics.payload', bytes: 2_500_000 }))));
    await port.closed;
    output.end();
    const bytes = await collected;

    const raw = new FrameDecoder(Number.MAX_SAFE_INTEGER).push(bytes);
    const streams = new Set<number>();
    for (const item of raw) {
      if (item.kind !== 'frame') throw new Error('oversized frame from host');
      expect(item.body.length).toBeLessThan(1_000_000);
      streams.add((JSON.parse(item.body.toString('utf8')) as ChunkFrame).stream);
    }
    expect(streams.size).toBe(2);
    const messages = readHostFrames(bytes);
    expect(messages).toEqual([1, 2].map((id) => ({ id, ok: true, result: { data: 'd'.repeat(2_500_000) } })));
  });

  it('honours back-pressure: a slow output with a tiny buffer gets every frame intact and in order', async () => {
    const highWaterMark = 64;
    const received: Buffer[] = [];
    let largestBacklog = 0;
    const output = new Writable({
      highWaterMark,
      write(chunk: Buffer, _encoding, callback) {
        largestBacklog = Math.max(largestBacklog, this.writableLength);
        received.push(chunk);
        setTimeout(callback, 1);
      },
    });
    const input = new PassThrough();
    const port = serveNativePort({ input, output, handle: answerRequest, log: () => {} });
    const requests = Array.from({ length: 40 }, (_, id) =>
      id === 20 ? frame({ id, type: 'diagnostics.payload', bytes: 1_200_000 }) : frame({ id, type: 'ping' }),
    );
    input.end(Buffer.concat(requests));
    await port.closed;
    port.sendEvent({ type: 'event', event: 'vault.locked', reason: 'request' });
    await new Promise<void>((resolve) => output.end(resolve));

    const messages = readHostFrames(Buffer.concat(received));
    expect(messages.slice(0, 40).map((message) => ('id' in message ? message.id : null))).toEqual([...Array(40).keys()]);
    expect(messages[20]).toMatchObject({ result: { data: 'd'.repeat(1_200_000) } });
    expect(messages[40]).toEqual({ type: 'event', event: 'vault.locked', reason: 'request' });
    // Writing without waiting for 'drain' would pile every reply (well over 1 MB) into the stream's buffer.
    const largestFrame = Math.max(...received.map((chunk) => chunk.length));
    expect(largestBacklog).toBeLessThan(highWaterMark + largestFrame);
  });

  it('resolves closed only after input ends and pending replies are written', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const written: Buffer[] = [];
    output.on('data', (chunk: Buffer) => written.push(chunk));
    let release = () => {};
    const port = serveNativePort({
      input,
      output,
      handle: () => new Promise((resolve) => (release = () => resolve('late'))),
      log: () => {},
    });
    let isClosed = false;
    void port.closed.then(() => (isClosed = true));

    input.write(hello(1));
    await sleep(10);
    expect(isClosed).toBe(false);
    input.end();
    await sleep(10);
    expect(isClosed).toBe(false);
    release();
    await port.closed;
    await sleep(0);
    expect(readHostFrames(Buffer.concat(written))).toEqual([{ id: 1, ok: true, result: 'late' }]);
  });

  it('survives an output that fails (the browser went away): logs it and still resolves closed', async () => {
    const input = new PassThrough();
    const output = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('EPIPE: broken pipe')) });
    const logs: string[] = [];
    const port = serveNativePort({ input, output, handle: answerRequest, log: (line) => logs.push(line) });
    input.end(Buffer.concat([hello(1), hello(2), frame('not json')]));
    await port.closed;
    expect(output.destroyed).toBe(true);
    expect(logs.join('\n')).toContain('EPIPE');
  });

  it('sends events as frames without an id', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const collected = buffer(output);
    const port = serveNativePort({ input, output, handle: answerRequest, log: () => {} });
    port.sendEvent({ type: 'event', event: 'vault.locked', reason: 'idle' });
    input.end();
    await port.closed;
    output.end();
    expect(readHostFrames(await collected)).toEqual([{ type: 'event', event: 'vault.locked', reason: 'idle' }]);
  });
});
