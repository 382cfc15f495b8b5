/**
 * Two OpenAI keys behind one service: how `round_robin` and `on_first_failed` pick them, which
 * upstream answers move on to the next key (dead key: 401, 403, insufficient_quota) and which are
 * the agent's to see (rate limits, server errors, network failures).
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockUpstream, type ReceivedRequest, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

const KEY_A = 'sk-test-FAKE-rotation-first-5d1c8e2a9f37';
const KEY_B = 'sk-test-FAKE-rotation-second-0e6b3f7c2d84';

type KeyBehaviour = (request: ReceivedRequest, res: ServerResponse) => void;

/** Names the key by letter: the proxy would rightly scrub the key itself from the answer. */
const ok: KeyBehaviour = (request, res) => sendJson(res, 200, { answeredBy: keyLetter(request), echo: request.body });
const invalidKey: KeyBehaviour = (request, res) =>
  sendJson(res, 401, { error: { message: `Incorrect API key provided: ${keyOf(request)}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });

function keyOf(request: ReceivedRequest): string {
  return (request.headers.authorization ?? '').replace(/^Bearer /, '');
}

function keyLetter(request: ReceivedRequest): string {
  return ({ [KEY_A]: 'A', [KEY_B]: 'B' })[keyOf(request)] ?? `other: ${keyOf(request)}`;
}

/** Which key the upstream saw, per request, as 'A' or 'B'. */
function keysSeen(upstream: MockUpstream): string[] {
  return upstream.received.map(keyLetter);
}

let running: { proxy: ProxyHost; upstream: MockUpstream } | null = null;

afterEach(async () => {
  await running?.proxy.stop();
  await running?.upstream.close();
  running = null;
});

/** A fresh host per test: rotation cursors are state, and each test starts from the first key. */
async function startRotation(rotation: 'round_robin' | 'on_first_failed', behaviour: { A: KeyBehaviour; B: KeyBehaviour }) {
  const upstream = await startMockUpstream((request, res) => (keyOf(request) === KEY_A ? behaviour.A : behaviour.B)(request, res));
  const proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\nrotation = "${rotation}"\n`,
    credentials: [
      { service: 'openai', name: 'first key', secret: KEY_A },
      { service: 'openai', name: 'second key', secret: KEY_B },
    ],
    agents: [{ name: 'agent', scopes: ['openai'] }],
  });
  running = { proxy, upstream };
  const call = (method = 'GET', path = '/openai/v1/models', body?: string) =>
    proxy.raw({ method, path, headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`], ['Content-Type', 'application/json']], body });
  return { proxy, upstream, call };
}

describe('choosing a key', () => {
  it('round_robin alternates between the two keys', async () => {
    const { upstream, call } = await startRotation('round_robin', { A: ok, B: ok });

    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call()).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(keysSeen(upstream)).toEqual(['A', 'B', 'A', 'B', 'A']);
  });

  it('on_first_failed sticks to the first key until it gets a 401, then uses the second for later requests', async () => {
    let firstKeyDead = false;
    const { upstream, call } = await startRotation('on_first_failed', { A: (request, res) => (firstKeyDead ? invalidKey : ok)(request, res), B: ok });

    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect(keysSeen(upstream)).toEqual(['A', 'A']);

    firstKeyDead = true;
    const failedOver = await call();
    expect(failedOver.status).toBe(200);
    expect(JSON.parse(failedOver.body)).toMatchObject({ answeredBy: 'B' });
    expect(keysSeen(upstream)).toEqual(['A', 'A', 'A', 'B']);

    upstream.reset();
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    expect(keysSeen(upstream)).toEqual(['B', 'B', 'B']);
  });
});

describe('a dead key is retried on the next one, transparently', () => {
  it('a 401 on the first key: the agent sees the second key\'s 200, the POST body sent twice byte for byte', async () => {
    const { upstream, call } = await startRotation('on_first_failed', { A: invalidKey, B: ok });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Résumé ✓ ${'x'.repeat(3000)}` }] });

    const response = await call('POST', '/openai/v1/chat/completions', body);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ answeredBy: 'B', echo: body });
    expect(keysSeen(upstream)).toEqual(['A', 'B']);
    const [first, second] = upstream.received;
    expect(first?.body).toBe(body);
    expect(second?.body).toBe(body);
    expect(first?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(second?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(second?.headers['content-type']).toBe('application/json');
    expect(response.body).not.toContain(KEY_A);
  });

  it('a 403 on the first key moves on too', async () => {
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) => sendJson(res, 403, { error: { message: 'This key is not allowed to use this project.', code: 'unsupported_country_region_territory' } }),
      B: ok,
    });

    expect((await call()).status).toBe(200);
    expect(keysSeen(upstream)).toEqual(['A', 'B']);
  });

  it('a 429 "insufficient_quota" (a key with no money left) moves on to the next key', async () => {
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) =>
        sendJson(res, 429, { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }),
      B: ok,
    });

    const response = await call('POST', '/openai/v1/embeddings', '{"input":"hi","model":"text-embedding-3-small"}');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ answeredBy: 'B' });
    expect(keysSeen(upstream)).toEqual(['A', 'B']);
  });

  it('a 401 with a long body (past the 64 KiB read to judge it) still moves on, and none of it reaches the agent', async () => {
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) => sendJson(res, 401, { error: { code: 'invalid_api_key', detail: 'x'.repeat(200 * 1024) } }),
      B: ok,
    });

    const response = await call();

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ answeredBy: 'B' });
    expect(keysSeen(upstream)).toEqual(['A', 'B']);
  });
});

describe('answers that are not about the key reach the agent as they are', () => {
  it('a plain 429 rate limit is passed through, Retry-After included, and the key is kept', async () => {
    const rateLimited = { error: { message: 'Rate limit reached for gpt-4o-mini on requests per min.', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    let limited = true;
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (request, res) => (limited ? sendJson(res, 429, rateLimited, { 'retry-after': '7' }) : ok(request, res)),
      B: ok,
    });

    const response = await call();

    expect(response.status).toBe(429);
    expect(JSON.parse(response.body)).toEqual(rateLimited);
    expect(response.headers['retry-after']).toBe('7');
    expect(keysSeen(upstream)).toEqual(['A']);
    limited = false;
    expect((await call()).status).toBe(200);
    expect(keysSeen(upstream)).toEqual(['A', 'A']);
  });

  it('a long 429 that is not about the quota is passed through whole, not cut at the part read to judge it', async () => {
    const padding = 'y'.repeat(300 * 1024);
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) => sendJson(res, 429, { error: { code: 'rate_limit_exceeded', padding } }),
      B: ok,
    });

    const response = await call();

    expect(response.status).toBe(429);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'rate_limit_exceeded', padding } });
    expect(keysSeen(upstream)).toEqual(['A']);
  });

  it('a 500 is passed through and not retried on another key', async () => {
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) => sendJson(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } }),
      B: ok,
    });

    const response = await call('POST', '/openai/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[]}');

    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error: { type: 'server_error' } });
    expect(keysSeen(upstream)).toEqual(['A']);
  });

  it('a connection dropped mid-request is not retried (the upstream may have acted on it)', async () => {
    const { upstream, call } = await startRotation('on_first_failed', { A: (_request, res) => res.socket?.destroy(), B: ok });

    const response = await call('POST', '/openai/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[]}');

    expect(agentError(response).code).toBe('UPSTREAM_UNREACHABLE');
    expect(keysSeen(upstream)).toEqual(['A']);
  });
});

describe('when every key is dead', () => {
  it('answers 502 ALL_CREDENTIALS_FAILED naming each credential and why, with no secret', async () => {
    const { proxy, upstream, call } = await startRotation('round_robin', {
      A: invalidKey,
      B: (_request, res) => sendJson(res, 429, { error: { message: `Quota gone for ${KEY_B}`, code: 'insufficient_quota' } }, { 'x-echo': KEY_B }),
    });

    const response = await call('POST', '/openai/v1/chat/completions', '{"model":"gpt-4o-mini","messages":[]}');

    const error = agentError(response);
    expect(error.code).toBe('ALL_CREDENTIALS_FAILED');
    const [idA, idB] = proxy.credentialIds;
    expect(error.message).toContain(`${idA}: HTTP 401`);
    expect(error.message).toContain(`${idB}: HTTP 429`);
    expect(keysSeen(upstream)).toEqual(['A', 'B']);
    for (const secret of [KEY_A, KEY_B]) {
      expect(response.body).not.toContain(secret);
      expect(response.rawHeaders.join('\n')).not.toContain(secret);
    }
  });
});

describe('a refused key cools down, and the extension hears of its health', () => {
  it('round_robin tries a key the upstream refused after the other one for a while, instead of every other request', async () => {
    const before = Date.now();
    const { proxy, upstream, call } = await startRotation('round_robin', { A: invalidKey, B: ok });

    for (let i = 0; i < 4; i++) expect((await call()).status).toBe(200);

    // Without the cool-down: A, B, B, A, B, B — a wasted call to the dead key every other request.
    expect(keysSeen(upstream)).toEqual(['A', 'B', 'B', 'B', 'B']);
    const health = await waitForHostEvent(proxy.host, 'credential.health');
    expect(health).toMatchObject({ credentialId: proxy.credentialIds[0], failures: 1, lastFailure: { reason: 'HTTP 401' } });
    expect(health.coolingUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(JSON.stringify(proxy.host.frames)).not.toContain(KEY_A);
    // An agent can see it too: one of the two OpenAI keys is being tried last.
    const status = JSON.parse((await proxy.raw({ path: '/_keygate/status', headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`]] })).body) as { services: Array<{ name: string }> };
    expect(status.services.find((service) => service.name === 'openai')).toMatchObject({ credentials: 2, coolingDown: 1 });
  });

  it('reports a lone key the upstream refuses, and that it works again once it does', async () => {
    let refused = true;
    const upstream = await startMockUpstream((request, res) => (refused ? invalidKey : ok)(request, res));
    const proxy = await startProxyHost({
      policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\n`,
      credentials: [{ service: 'openai', secret: KEY_A }],
      agents: [{ name: 'agent', scopes: ['openai'] }],
    });
    running = { proxy, upstream };
    const call = () => proxy.raw({ path: '/openai/v1/models', headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`]] });

    expect((await call()).status).toBe(401);
    expect(await waitForHostEvent(proxy.host, 'credential.health', (frame) => frame.failures === 1)).toMatchObject({ credentialId: proxy.credentialIds[0], lastFailure: { reason: 'HTTP 401' } });
    refused = false;
    expect((await call()).status).toBe(200);
    expect(await waitForHostEvent(proxy.host, 'credential.health', (frame) => frame.failures === 0)).toMatchObject({ credentialId: proxy.credentialIds[0], coolingUntil: null, lastFailure: { reason: 'HTTP 401' } });
  });
});
