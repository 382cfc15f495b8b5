import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AgentMessage, GatewayMessage, IncomingGatewayMessage, OutgoingAgentMessage } from '../../lib/browser-agents/agent-messages';
import { decodeChunk, encodeChunk } from '../../lib/browser-agents/body-chunks';
import { type AgentChannel, createKeygateFetch, readKeygateStatus } from '../../lib/browser-agents/keygate-fetch';
import { refusalMessages } from '../../lib/browser-agents/bridge-relay';
import { toJsonAgentMessage } from '../../lib/browser-agents/runtime-port-channel';
import { BRIDGE_BODY_WINDOW, BRIDGE_CHUNK_BYTES } from '../../shared/bridge-messages';
import { errorBody } from '../../shared/errors';

/** The background's end of one request, driven by the test (the extension is outside this unit); it records what a runtime port would carry. */
class ScriptedGateway implements AgentChannel {
  readonly sent: AgentMessage[] = [];
  closed = false;
  /** Acknowledge body pieces by itself (the host taking them at once). */
  autoAck = true;
  private readonly listeners: Array<(message: IncomingGatewayMessage) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private waiters: Array<() => void> = [];

  send(outgoing: OutgoingAgentMessage): void {
    const message = toJsonAgentMessage(outgoing);
    this.sent.push(structuredClone(message));
    if (message.type === 'body' && !message.end && this.autoAck) queueMicrotask(() => this.answer({ type: 'body-ack' }));
    for (const wake of this.waiters.splice(0)) wake();
  }
  onMessage(listener: (message: IncomingGatewayMessage) => void): void {
    this.listeners.push(listener);
  }
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }
  close(): void {
    this.closed = true;
  }
  answer(message: GatewayMessage): void {
    for (const listener of this.listeners) listener(message);
  }
  breaks(): void {
    for (const listener of this.closeListeners) listener();
  }
  of<T extends AgentMessage['type']>(type: T): Extract<AgentMessage, { type: T }>[] {
    return this.sent.filter((message): message is Extract<AgentMessage, { type: T }> => message.type === type);
  }
  /** Resolves once the page has sent a message of this type (event-driven, no sleeping). */
  async until(type: AgentMessage['type'], count = 1): Promise<void> {
    while (this.of(type).length < count) await new Promise<void>((wake) => this.waiters.push(wake));
  }
  uploaded(): Buffer {
    return Buffer.concat(this.of('body').map((piece) => decodeChunk(piece.data)));
  }
}

function setup() {
  const gateway = new ScriptedGateway();
  return { gateway, keygateFetch: createKeygateFetch(() => gateway) };
}

/** A call whose head has arrived (200, event stream), with a reader on its body. */
async function streaming(init?: RequestInit) {
  const { gateway, keygateFetch } = setup();
  const pending = keygateFetch('/openai/v1/models', init);
  gateway.answer({ type: 'head', status: 200, headers: [['content-type', 'text/event-stream']] });
  return { gateway, reader: (await pending).body!.getReader() };
}

const text = (value: string) => encodeChunk(new TextEncoder().encode(value));
const head = (status = 200, headers: [string, string][] = [['content-type', 'text/event-stream']]): GatewayMessage => ({ type: 'head', status, headers });

describe('keygate.fetch: the request', () => {
  it('takes the path and query of a string, URL or Request, ignores the origin, and sends method and headers', async () => {
    const inputs: Array<[RequestInfo | URL, RequestInit | undefined, string]> = [
      ['https://keygate.invalid/openai/v1/models?limit=2', { headers: { 'X-Trace': 'a' } }, '/openai/v1/models?limit=2'],
      [new URL('http://anything.example/anthropic/v1/messages'), undefined, '/anthropic/v1/messages'],
      ['/custom/github/user', undefined, '/custom/github/user'],
      [new Request('https://keygate.invalid/binance/api/v3/time', { method: 'DELETE' }), undefined, '/binance/api/v3/time'],
    ];
    for (const [input, init, path] of inputs) {
      const { gateway, keygateFetch } = setup();
      void keygateFetch(input, init);
      const [request] = gateway.of('request');
      expect(request?.path).toBe(path);
    }
    const { gateway, keygateFetch } = setup();
    void keygateFetch('https://keygate.invalid/openai/v1/models', { method: 'post', headers: { 'X-Trace': 'a' }, body: '{}' });
    expect(gateway.of('request')[0]).toMatchObject({ method: 'POST', hasBody: true, headers: expect.arrayContaining([['x-trace', 'a']]) });
  });

  it('sends every body kind as the same bytes, in bridge-sized pieces, each after the previous one was taken, then an end', async () => {
    const bytes = Uint8Array.from({ length: BRIDGE_CHUNK_BYTES * 2 + 1000 }, (_, at) => (at * 7) % 256);
    const bodies: BodyInit[] = [
      bytes,
      bytes.buffer.slice(0),
      new Blob([bytes]),
      new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.subarray(0, 1000));
          controller.enqueue(bytes.subarray(1000));
          controller.close();
        },
      }),
    ];
    for (const body of bodies) {
      const { gateway, keygateFetch } = setup();
      void keygateFetch('/openai/v1/files', { method: 'POST', body });
      await gateway.until('body', 4);
      const pieces = gateway.of('body');
      expect(pieces.at(-1)).toEqual({ type: 'body', data: '', end: true });
      expect(pieces.every((piece) => decodeChunk(piece.data).length <= BRIDGE_CHUNK_BYTES)).toBe(true);
      // Buffer.equals: a deep equal over half a million elements would take seconds.
      expect(gateway.uploaded().equals(bytes)).toBe(true);
    }
    const { gateway, keygateFetch } = setup();
    void keygateFetch('/openai/v1/chat/completions', { method: 'POST', body: '{"model":"m"}' });
    await gateway.until('body', 2);
    expect(gateway.uploaded().toString('utf8')).toBe('{"model":"m"}');
  });

  it('keeps at most BRIDGE_BODY_WINDOW body pieces unacknowledged: the next goes once the background acknowledges one', async () => {
    const { gateway, keygateFetch } = setup();
    gateway.autoAck = false;
    void keygateFetch('/openai/v1/files', { method: 'POST', body: new Uint8Array(BRIDGE_CHUNK_BYTES * (BRIDGE_BODY_WINDOW + 2)) });
    await gateway.until('body', BRIDGE_BODY_WINDOW);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.of('body')).toHaveLength(BRIDGE_BODY_WINDOW);
    gateway.answer({ type: 'body-ack' });
    await gateway.until('body', BRIDGE_BODY_WINDOW + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.of('body')).toHaveLength(BRIDGE_BODY_WINDOW + 1);
  });
});

describe('keygate.fetch: the response', () => {
  it('resolves with a real Response at the head, whose body streams chunk by chunk before the end', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/openai/v1/chat/completions', { method: 'POST', body: '{}' });
    gateway.answer(head(200, [['content-type', 'text/event-stream'], ['x-request-id', 'r1']]));
    const response = await pending;
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('r1');
    const reader = response.body!.getReader();
    gateway.answer({ type: 'chunk', data: text('data: one\n\n') });
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    gateway.answer({ type: 'chunk', data: text('data: two\n\n') });
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: two\n\n');
    gateway.answer({ type: 'end' });
    expect((await reader.read()).done).toBe(true);
    expect(gateway.closed).toBe(true);
  });

  it('inflates a deflated chunk and keeps the order: what came after it waits its turn, the end too; a chunk that does not inflate fails the body', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/openai/v1/files/file-1/content');
    gateway.answer(head(200, [['content-type', 'application/jsonl']]));
    const lines = '{"custom_id":"request-1","response":{"status_code":200}}\n'.repeat(200);
    gateway.answer({ type: 'chunk', data: deflateRawSync(Buffer.from(lines)).toString('base64'), coding: 'deflate-raw' });
    gateway.answer({ type: 'chunk', data: text('{"tail":true}\n') });
    gateway.answer({ type: 'end' });
    expect(await (await pending).text()).toBe(`${lines}{"tail":true}\n`);

    const broken = setup();
    const answer = broken.keygateFetch('/openai/v1/files/file-2/content');
    broken.gateway.answer(head(200, []));
    broken.gateway.answer({ type: 'chunk', data: text('not deflated at all'), coding: 'deflate-raw' });
    await expect((await answer).text()).rejects.toThrow(/could not be unpacked/);
    expect(broken.gateway.of('cancel')).toHaveLength(1);
  });

  it('sends one credit per chunk the reader took, none for chunks still waiting: a reader that stops stops the credits', async () => {
    const { gateway, reader } = await streaming();
    for (let chunk = 0; chunk < 5; chunk++) gateway.answer({ type: 'chunk', data: text(`c${chunk}`) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.of('credit')).toHaveLength(0);
    await reader.read();
    await reader.read();
    expect(gateway.of('credit')).toEqual([
      { type: 'credit', chunks: 1 },
      { type: 'credit', chunks: 1 },
    ]);
  });

  it('gives a refusal as the HTTP proxy does (status and JSON error), and status() throws it with its code', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/openai/v1/models');
    for (const message of refusalMessages(errorBody('VAULT_LOCKED'))) gateway.answer(message);
    const response = await pending;
    expect(response.status).toBe(423);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('VAULT_LOCKED');

    const refused = setup();
    const status = readKeygateStatus(refused.keygateFetch);
    await refused.gateway.until('request');
    for (const message of refusalMessages(errorBody('GRANT_MISSING'))) refused.gateway.answer(message);
    await expect(status).rejects.toMatchObject({ name: 'KeygateError', code: 'GRANT_MISSING' });
  });

  it('a whole answer in one message resolves with its status, headers and body, and sends no credit', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/openai/v1/models');
    gateway.answer({ type: 'answer', status: 200, headers: [['content-type', 'application/json']], data: text('{"data":[]}') });
    const response = await pending;
    expect([response.status, response.headers.get('content-type'), await response.text()]).toEqual([200, 'application/json', '{"data":[]}']);
    expect(gateway.of('credit')).toEqual([]);
    expect(gateway.closed).toBe(true);

    const empty = setup();
    const noContent = empty.keygateFetch('/custom/github/x', { method: 'DELETE' });
    empty.gateway.answer({ type: 'answer', status: 204, headers: [], data: '' });
    expect((await noContent).body).toBeNull();
    expect(empty.gateway.closed).toBe(true);
  });

  it('a 204 head gives a Response without a body', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/custom/github/x', { method: 'DELETE' });
    gateway.answer(head(204, []));
    expect((await pending).body).toBeNull();
    gateway.answer({ type: 'end' });
    expect(gateway.closed).toBe(true);
  });

  it('an error after the head fails the body stream with the catalogue code', async () => {
    const { gateway, reader } = await streaming();
    gateway.answer({ type: 'error', error: errorBody('UPSTREAM_UNREACHABLE') });
    await expect(reader.read()).rejects.toMatchObject({ name: 'KeygateError', code: 'UPSTREAM_UNREACHABLE' });
  });

  it('a line that breaks before the head rejects like a network error; nothing hangs', async () => {
    const { gateway, keygateFetch } = setup();
    const pending = keygateFetch('/openai/v1/models');
    gateway.breaks();
    await expect(pending).rejects.toBeInstanceOf(TypeError);
  });
});

describe('keygate.fetch: aborting', () => {
  it('an abort before the head rejects with the AbortError and cancels', async () => {
    const { gateway, keygateFetch } = setup();
    const controller = new AbortController();
    const pending = keygateFetch('/openai/v1/models', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(gateway.of('cancel')).toHaveLength(1);
    expect(gateway.closed).toBe(true);
  });

  it('an abort while streaming fails the body and cancels; cancelling the body cancels too', async () => {
    const controller = new AbortController();
    const { gateway, reader } = await streaming({ signal: controller.signal });
    gateway.answer({ type: 'chunk', data: text('x') });
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    expect(gateway.of('cancel')).toHaveLength(1);

    const second = await streaming();
    await second.reader.cancel();
    expect(second.gateway.of('cancel')).toHaveLength(1);
  });

  it('an already aborted signal never opens a line', async () => {
    let opened = 0;
    const keygateFetch = createKeygateFetch(() => {
      opened += 1;
      return new ScriptedGateway();
    });
    await expect(keygateFetch('/openai/v1/models', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(opened).toBe(0);
  });
});
