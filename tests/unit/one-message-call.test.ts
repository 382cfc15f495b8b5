/**
 * Another extension's one-message call (`runtime.sendMessage`): the background's collector runs it
 * through the port relay against a host that keeps the bridge contract (credit window included),
 * and the client's `call` turns the one answer into a Response.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { decodeChunk, encodeChunk } from '../../lib/browser-agents/body-chunks';
import type { AgentPort, RelayDeps, RelayHost } from '../../lib/browser-agents/bridge-relay';
import { createKeygateCall } from '../../lib/browser-agents/keygate-call';
import { ONE_MESSAGE_ANSWER_MAX_BYTES, type OneMessageAnswer, type OneMessageCall } from '../../lib/browser-agents/one-message';
import { relayOneMessageCall } from '../../lib/browser-agents/one-message-relay';
import { BRIDGE_CHUNK_BYTES, BRIDGE_CREDIT_WINDOW } from '../../shared/bridge-messages';
import { ERRORS, errorBody, KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { FakeBridgeHost } from '../support/fake-bridge-host';

/** What the in-memory agent told the relay, in order: the relay is the real one, listened to on its way in. */
const toldRelay = vi.hoisted(() => [] as Array<{ type: string }>);
vi.mock('../../lib/browser-agents/bridge-relay', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/browser-agents/bridge-relay')>();
  const overheard = (port: AgentPort): AgentPort => ({
    ...port,
    onMessage: {
      addListener: (listener) =>
        port.onMessage.addListener((message) => {
          toldRelay.push(message as { type: string });
          listener(message);
        }),
    },
  });
  return { ...original, relayAgentRequest: (port: AgentPort, deps: RelayDeps) => original.relayAgentRequest(overheard(port), deps) };
});

const GRANT: GrantRecord = { id: 'grant-0000000000000001', kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop', scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };
const REQUEST_ID = 'req-00000001';
const CALL: OneMessageCall = { type: 'keygate.fetch', method: 'POST', path: '/openai/v1/chat/completions', headers: [['content-type', 'application/json']], body: btoa('{"model":"m"}') };
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

function callThrough(host: RelayHost, message: unknown, admitted = async (): Promise<GrantRecord> => GRANT) {
  let admissions = 0;
  const answer = relayOneMessageCall(message, {
    admit: async () => {
      admissions += 1;
      return { grant: await admitted(), host };
    },
    newRequestId: () => REQUEST_ID,
  });
  return { answer, admissions: () => admissions };
}

const bodyBytes = (answer: OneMessageAnswer) => Buffer.from(decodeChunk(answer.body));
const errorOf = (answer: OneMessageAnswer) => (JSON.parse(bodyBytes(answer).toString()) as { error: { code: string; message: string; hint: string } }).error;
const callsOf = (host: FakeBridgeHost, type: string) => host.calls.filter((call) => call.type === type);

/** The host's link, but each `proxy.body` waits until the test lets the host take it. */
function hostTakingBodiesWhenTold(host: FakeBridgeHost) {
  const arrived: string[] = [];
  const takers: Array<() => void> = [];
  let wake: (() => void) | null = null;
  const link = {
    onBridgeEvents: host.onBridgeEvents.bind(host),
    post: host.post.bind(host),
    request: async (type: string, params: Record<string, unknown>) => {
      if (type === 'proxy.body') {
        arrived.push(params.data as string);
        wake?.();
        await new Promise<void>((take) => takers.push(take));
      }
      return host.request(type, params);
    },
  } as unknown as RelayHost;
  return {
    link,
    arrived,
    takeOne: () => takers.shift()!(),
    async untilArrived(count: number) {
      while (arrived.length < count) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('one-message call: the background collector', () => {
  it('feeds the body in bridge-sized pieces, the next only after the host took the one before, then the end', async () => {
    const host = new FakeBridgeHost();
    const gate = hostTakingBodiesWhenTold(host);
    const body = randomBytes(2 * BRIDGE_CHUNK_BYTES + 1000);
    toldRelay.length = 0;
    const { answer } = callThrough(gate.link, { ...CALL, body: encodeChunk(body) });
    const bodyPiecesTold = () => toldRelay.filter((message) => message.type === 'body').length;

    await gate.untilArrived(1);
    await tick();
    expect(gate.arrived).toHaveLength(1);
    expect(bodyPiecesTold()).toBe(1);
    gate.takeOne();
    await gate.untilArrived(2);
    await tick();
    expect(gate.arrived).toHaveLength(2);
    expect(bodyPiecesTold()).toBe(2);
    gate.takeOne();
    await gate.untilArrived(3);
    gate.takeOne();
    await gate.untilArrived(4);
    gate.takeOne();

    await host.until(() => host.only()[1].bodyEnded);
    const pieces = gate.arrived.map(decodeChunk);
    expect(pieces.map((piece) => piece.length <= BRIDGE_CHUNK_BYTES)).toEqual([true, true, true, true]);
    expect(pieces.at(-1)).toHaveLength(0);
    expect(Buffer.concat(pieces).equals(body)).toBe(true);
    expect(host.calls[0]!.params).toMatchObject({ method: 'POST', path: '/openai/v1/chat/completions', headers: CALL.headers, hasBody: true, grantId: GRANT.id });

    host.respond(REQUEST_ID, 201, [['content-type', 'application/json']], [btoa('{"ok":true}')]);
    expect(await answer).toEqual({ status: 201, headers: [['content-type', 'application/json']], body: btoa('{"ok":true}') });
  });

  it('reads a long answer to its end with a credit per chunk, past the host\'s credit window; nothing is cancelled', async () => {
    const host = new FakeBridgeHost();
    toldRelay.length = 0;
    const { answer } = callThrough(host.link, { ...CALL, body: undefined });
    await host.until(() => host.requests.size === 1);
    expect(host.only()[1].params.hasBody).toBe(false);
    const chunks = Array.from({ length: 3 * BRIDGE_CREDIT_WINDOW }, (_, n) => btoa(`<${n}>`));
    host.respond(REQUEST_ID, 200, [['content-type', 'text/plain']], chunks);

    const whole = await answer;
    expect(whole.status).toBe(200);
    expect(bodyBytes(whole).toString()).toBe(chunks.map((chunk) => atob(chunk)).join(''));
    expect(host.only()[1].sent).toBe(chunks.length);
    expect(toldRelay.filter((message) => message.type === 'credit')).toEqual(chunks.map(() => ({ type: 'credit', chunks: 1 })));
    // The relay passes them on until the host's end (later ones have nothing left to pace).
    expect(callsOf(host, 'proxy.credit').length).toBeGreaterThanOrEqual(chunks.length - BRIDGE_CREDIT_WINDOW);
    await tick();
    expect(callsOf(host, 'proxy.cancel')).toEqual([]);
  });

  it('returns a whole answer the host sent as one message', async () => {
    const host = new FakeBridgeHost();
    const { answer } = callThrough(host.link, { ...CALL, body: undefined });
    await host.until(() => host.requests.size === 1);
    host.emit({ type: 'event', event: 'proxy.answer', requestId: REQUEST_ID, status: 200, headers: [['x-small', '1']], data: btoa('small') });
    expect(await answer).toEqual({ status: 200, headers: [['x-small', '1']], body: btoa('small') });
  });

  it(`takes an answer of exactly ${ONE_MESSAGE_ANSWER_MAX_BYTES} bytes; one byte more is refused with ANSWER_TOO_LARGE and the host request is cancelled`, async () => {
    const fullChunk = encodeChunk(new Uint8Array(BRIDGE_CHUNK_BYTES).fill(0x61));
    const atCap = ONE_MESSAGE_ANSWER_MAX_BYTES / BRIDGE_CHUNK_BYTES;

    const fits = new FakeBridgeHost();
    const fitting = callThrough(fits.link, { ...CALL, body: undefined });
    await fits.until(() => fits.requests.size === 1);
    fits.respond(REQUEST_ID, 200, [], Array.from({ length: atCap }, () => fullChunk));
    const whole = await fitting.answer;
    expect(whole.status).toBe(200);
    expect(decodeChunk(whole.body)).toHaveLength(ONE_MESSAGE_ANSWER_MAX_BYTES);

    const overflows = new FakeBridgeHost();
    const overflowing = callThrough(overflows.link, { ...CALL, body: undefined });
    await overflows.until(() => overflows.requests.size === 1);
    overflows.respond(REQUEST_ID, 200, [['content-type', 'text/plain']], [...Array.from({ length: atCap }, () => fullChunk), btoa('a'), ...Array.from({ length: 20 }, () => fullChunk)]);
    const refused = await overflowing.answer;
    expect(refused.status).toBe(413);
    expect(refused.headers).toContainEqual(['content-type', 'application/json; charset=utf-8']);
    expect(errorOf(refused)).toEqual(errorBody('ANSWER_TOO_LARGE'));
    await overflows.until(() => overflows.only()[1].cancelled);
    await tick();
    expect(callsOf(overflows, 'proxy.cancel')).toHaveLength(1);
    expect(overflows.only()[1].pending.length).toBeGreaterThan(0);
    expect(ERRORS.ANSWER_TOO_LARGE.message).toContain(`(${ONE_MESSAGE_ANSWER_MAX_BYTES / 2 ** 20} MiB)`);
  });

  it('answers a refused admission like the HTTP proxy (status, JSON error body) without touching the host or waiting on its body', async () => {
    const host = new FakeBridgeHost();
    const { answer } = callThrough(host.link, CALL, async () => {
      throw new KeygateError('GRANT_MISSING');
    });
    const refused = await answer;
    expect(refused.status).toBe(403);
    expect(refused.headers).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['cache-control', 'no-store'],
    ]);
    expect(errorOf(refused)).toEqual(errorBody('GRANT_MISSING'));
    await tick();
    expect(host.calls).toEqual([]);
  });

  it('a host failure before the head is the catalogue refusal; after the head too (the one answer cannot carry half a body)', async () => {
    for (const headFirst of [false, true]) {
      const host = new FakeBridgeHost();
      const { answer } = callThrough(host.link, { ...CALL, body: undefined });
      await host.until(() => host.requests.size === 1);
      if (headFirst) host.emit({ type: 'event', event: 'proxy.head', requestId: REQUEST_ID, status: 200, headers: [] });
      host.emit({ type: 'event', event: 'proxy.chunk', requestId: REQUEST_ID, data: btoa('half') });
      host.emit({ type: 'event', event: 'proxy.error', requestId: REQUEST_ID, error: errorBody('HOST_EXITED') });
      const refused = await answer;
      expect(refused.status).toBe(503);
      expect(errorOf(refused).code).toBe('HOST_EXITED');
    }
  });

  it('refuses a malformed message with MESSAGE_INVALID before admission', async () => {
    const malformed: unknown[] = [
      null,
      'keygate.fetch',
      { ...CALL, type: 'keygate.call' },
      { type: 'keygate.fetch', path: '/openai/v1/models' },
      { ...CALL, method: 'post' },
      { ...CALL, path: 'openai/v1/models' },
      { ...CALL, headers: { 'content-type': 'application/json' } },
      { ...CALL, body: '{"model":"m"}' },
      { ...CALL, body: 'abc' },
      { ...CALL, body: new Uint8Array([1, 2]) },
      { ...CALL, bodyBase64: CALL.body },
    ];
    for (const message of malformed) {
      const host = new FakeBridgeHost();
      const { answer, admissions } = callThrough(host.link, message);
      const refused = await answer;
      expect(refused.status, JSON.stringify(message)).toBe(400);
      expect(errorOf(refused).code).toBe('MESSAGE_INVALID');
      expect(errorOf(refused).message).toContain("type: 'keygate.fetch'");
      expect(admissions()).toBe(0);
      expect(host.calls).toEqual([]);
    }
  });
});

describe('one-message call: the client\'s call', () => {
  /** `runtime.sendMessage` to a background that runs the real collector (messages JSON-copied, as the browser does). */
  function clientAndBackground(host = new FakeBridgeHost()) {
    const sent: Array<{ extensionId: string; message: unknown }> = [];
    const call = createKeygateCall(async (message) => {
      sent.push({ extensionId: 'keygate', message: structuredClone(message) });
      const { answer } = callThrough(host.link, JSON.parse(JSON.stringify(message)));
      return JSON.parse(JSON.stringify(await answer)) as unknown;
    });
    return { host, sent, call };
  }

  it('sends the request with its whole body in one message and resolves with a complete Response', async () => {
    const { host, sent, call } = clientAndBackground();
    const pending = call('https://keygate.invalid/openai/v1/chat/completions?x=1', { method: 'post', headers: { 'content-type': 'application/json' }, body: new Blob(['{"model":"m"}']) });
    await host.until(() => host.requests.size === 1 && host.only()[1].bodyEnded);
    expect(sent[0]!.message).toEqual({ type: 'keygate.fetch', method: 'POST', path: '/openai/v1/chat/completions?x=1', headers: [['content-type', 'application/json']], body: btoa('{"model":"m"}') });
    host.respond(REQUEST_ID, 200, [['content-type', 'application/json'], ['x-request-id', 'up-1']], [btoa('{"choices":'), btoa('[]}')]);
    const response = await pending;
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('up-1');
    expect(await response.json()).toEqual({ choices: [] });
  });

  it('a refusal is a Response with the catalogue status and JSON error; a 204 has no body', async () => {
    const refusing = createKeygateCall(async (message) => relayOneMessageCall(message, { admit: async () => Promise.reject(new KeygateError('VAULT_LOCKED')) }));
    const refused = await refusing('/openai/v1/models');
    expect(refused.status).toBe(423);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('VAULT_LOCKED');

    const { host, call } = clientAndBackground();
    const pending = call('/custom/github/notifications', { method: 'PUT' });
    await host.until(() => host.requests.size === 1);
    host.respond(REQUEST_ID, 204, [], []);
    const empty = await pending;
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('sends nothing when already aborted; rejects with a TypeError when Keygate does not answer or answers garbage', async () => {
    const { sent, call } = clientAndBackground();
    await expect(call('/openai/v1/models', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(sent).toEqual([]);

    const absent = createKeygateCall(() => Promise.reject(new Error('Could not establish connection. Receiving end does not exist.')));
    await expect(absent('/openai/v1/models')).rejects.toBeInstanceOf(TypeError);
    const silent = createKeygateCall(async () => undefined);
    await expect(silent('/openai/v1/models')).rejects.toThrow(/not \{ status, headers, body \}/);
  });
});
