/**
 * Two keys behind one service: how `round_robin` and `on_first_failed` pick them, which upstream
 * answers move on to the next key (dead key: 401, a dead-key code in the JSON body, or what a custom
 * service's policy names) and which are the agent's to see (a 403, rate limits, server errors,
 * network failures).
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

describe('a 403 is an answer about the request, not a dead key', () => {
  const forbidden: KeyBehaviour = (_request, res) =>
    sendJson(res, 403, { error: { message: 'You have insufficient permissions for this operation. Missing scopes: api.model.write.', type: 'invalid_request_error', code: null } });

  /** What /_keygate/status says of the OpenAI keys: how many are being tried last. */
  async function coolingDown(proxy: ProxyHost): Promise<unknown> {
    const status = JSON.parse((await proxy.raw({ path: '/_keygate/status', headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`]] })).body) as { services: Array<{ name: string; coolingDown: unknown }> };
    return status.services.find((service) => service.name === 'openai')?.coolingDown;
  }

  it('a POST refused with 403 is not sent again with the other key: the upstream sees exactly one request', async () => {
    const { proxy, upstream, call } = await startRotation('on_first_failed', { A: forbidden, B: ok });
    const body = '{"training_file":"file-abc","model":"gpt-4o-mini"}';

    const response = await call('POST', '/openai/v1/fine_tuning/jobs', body);

    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { message: expect.stringContaining('insufficient permissions') } });
    expect(keysSeen(upstream)).toEqual(['A']);
    expect(upstream.received[0]?.body).toBe(body);
    expect(await coolingDown(proxy)).toBe(0);
  });

  it('40 concurrent requests an agent may not make: each reaches the upstream once, and no key cools down', async () => {
    // The endpoint refuses every key, as an admin endpoint would for every project key.
    const { proxy, upstream, call } = await startRotation('round_robin', { A: forbidden, B: forbidden });

    const responses = await Promise.all(Array.from({ length: 40 }, () => call('POST', '/openai/v1/organization/projects', '{"name":"x"}')));

    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 40 }, () => 403));
    expect(upstream.received).toHaveLength(40);
    expect(keysSeen(upstream).filter((key) => key === 'A')).toHaveLength(20);
    expect(await coolingDown(proxy)).toBe(0);
    expect(proxy.host.frames.filter((frame) => (frame as { event?: string }).event === 'credential.health')).toEqual([]);

    // The keys kept their turns: the agent's allowed calls still alternate between them.
    upstream.reset();
    for (let i = 0; i < 4; i++) await call();
    expect(keysSeen(upstream)).toEqual(['A', 'B', 'A', 'B']);
  });

  it('a lone key answered 403 is not reported as failing, nor tried last', async () => {
    const upstream = await startMockUpstream((request, res) => forbidden(request, res));
    const proxy = await startProxyHost({
      policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\n`,
      credentials: [{ service: 'openai', secret: KEY_A }],
      agents: [{ name: 'agent', scopes: ['openai'] }],
    });
    running = { proxy, upstream };

    for (let i = 0; i < 3; i++) expect((await proxy.raw({ method: 'POST', path: '/openai/v1/fine_tuning/jobs', headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`]], body: '{}' })).status).toBe(403);

    expect(upstream.received).toHaveLength(3);
    expect(await coolingDown(proxy)).toBe(0);
    expect(proxy.host.frames.filter((frame) => (frame as { event?: string }).event === 'credential.health')).toEqual([]);
  });

  it('a body that only mentions a dead-key code (in a message or parameter) is not a dead key', async () => {
    const { upstream, call } = await startRotation('on_first_failed', {
      A: (_request, res) => sendJson(res, 429, { error: { message: 'Not "insufficient_quota": slow down.', type: 'requests', param: 'insufficient_quota', code: 'rate_limit_exceeded' } }),
      B: ok,
    });

    expect((await call('POST', '/openai/v1/embeddings', '{"input":"hi"}')).status).toBe(429);
    expect(keysSeen(upstream)).toEqual(['A']);
  });
});

describe('a custom service names its own dead keys', () => {
  const policyFor = (url: string, deadKey: string) =>
    `[proxy]\nport = 0\n\n[custom.tokens]\nbase_url = "${url}"\nauth_header = "Authorization"\nauth_value_prefix = "Bearer "\n${deadKey}`;

  async function startCustom(deadKey: string, behaviour: { A: KeyBehaviour; B: KeyBehaviour }) {
    const upstream = await startMockUpstream((request, res) => (keyOf(request) === KEY_A ? behaviour.A : behaviour.B)(request, res));
    const proxy = await startProxyHost({
      policy: policyFor(upstream.url, deadKey),
      credentials: [
        { service: 'tokens', name: 'first key', secret: KEY_A },
        { service: 'tokens', name: 'second key', secret: KEY_B },
      ],
      agents: [{ name: 'agent', scopes: ['custom:tokens'] }],
    });
    running = { proxy, upstream };
    const call = (method = 'POST', path = '/custom/tokens/v1/jobs') => proxy.raw({ method, path, headers: [['Authorization', `Bearer ${proxy.agentKeys.agent}`]], body: '{}' });
    return { upstream, call };
  }

  it('dead_key_codes read at dead_key_code_fields: {"error": "invalid_token"} moves on, the same words in another field do not', async () => {
    let answerOfB: unknown = null;
    const { upstream, call } = await startCustom('dead_key_statuses = [401]\ndead_key_codes = ["invalid_token"]\ndead_key_code_fields = ["error"]\n', {
      A: (_request, res) => sendJson(res, 400, { error: 'invalid_token', error_description: 'The access token expired' }),
      B: (request, res) => (answerOfB === null ? ok(request, res) : sendJson(res, 400, answerOfB)),
    });

    expect((await call()).status).toBe(200);
    expect(keysSeen(upstream)).toEqual(['A', 'B']);

    // on_first_failed now starts at B; its 400 names the code only in a description: the agent's answer.
    upstream.reset();
    answerOfB = { error: 'invalid_request', error_description: 'invalid_token' };
    const second = await call();
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body)).toEqual(answerOfB);
    expect(keysSeen(upstream)).toEqual(['B']);
  });

  it('a status the policy names (here 403) moves on; without it a 403 is the agent\'s answer', async () => {
    const refuse: KeyBehaviour = (_request, res) => sendJson(res, 403, { message: 'token revoked' });
    const named = await startCustom('dead_key_statuses = [401, 403]\n', { A: refuse, B: ok });
    expect((await named.call()).status).toBe(200);
    expect(keysSeen(named.upstream)).toEqual(['A', 'B']);
    await running?.proxy.stop();
    await running?.upstream.close();

    const unnamed = await startCustom('', { A: refuse, B: ok });
    expect((await unnamed.call()).status).toBe(403);
    expect(keysSeen(unnamed.upstream)).toEqual(['A']);
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
