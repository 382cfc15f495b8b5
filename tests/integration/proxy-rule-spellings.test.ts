/**
 * Endpoint-rule spellings, method overrides and stray agent keys through the built host, with a real
 * HTTP server as the upstream recording everything it receives. Requests go out raw, because the
 * spellings under test are the ones `fetch` would normalise.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockHandler, type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, type ProxyHost, startProxyHost } from './proxy-host';

const API_SECRET = 'sk-test-FAKE-spellings-api-5b1d9e3c7a';
const STRICT_SECRET = 'sk-test-FAKE-spellings-strict-2f8a4c6e0d';
const OPENAI_SECRET = 'sk-test-FAKE-spellings-openai-9c7e5a3b1f';

const answerOk: MockHandler = (request, res) => sendJson(res, 200, { ok: true, path: request.url });

let upstream: MockUpstream;
let proxy: ProxyHost;

function policy(upstreamUrl: string): string {
  return `[proxy]
port = 0

[services.openai]
base_url = "${upstreamUrl}/openai"
blocked_endpoints = ["DELETE /v1/files/*"]

[custom.api]
base_url = "${upstreamUrl}/api"
auth_header = "Authorization"
auth_value_prefix = "Bearer "
blocked_endpoints = ["DELETE /users/@me", "POST /v1/*:delete", "POST /admin/delete", "DELETE /repos/*", "GET /secret"]

[custom.strict]
base_url = "${upstreamUrl}/strict"
auth_header = "X-Strict-Key"
allowed_endpoints = ["GET /users/@me", "GET /repos/*/issues"]
`;
}

const bearer = (): Array<[string, string]> => [['Authorization', `Bearer ${proxy.agentKeys.agent}`]];

async function send(method: string, path: string, headers: Array<[string, string]> = []) {
  return proxy.raw({ method, path, headers: [...bearer(), ...headers] });
}

beforeAll(async () => {
  upstream = await startMockUpstream(answerOk);
  proxy = await startProxyHost({
    policy: policy(upstream.url),
    credentials: [
      { service: 'api', secret: API_SECRET },
      { service: 'strict', secret: STRICT_SECRET },
      { service: 'openai', secret: OPENAI_SECRET },
    ],
    agents: [{ name: 'agent', scopes: ['openai', 'custom:api', 'custom:strict'] }],
  });
});

afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

beforeEach(() => {
  upstream.reset();
  upstream.setHandler(answerOk);
});

describe('blocked endpoints, however they are spelled', () => {
  const BLOCKED_SPELLINGS: Array<[string, string]> = [
    ['DELETE', '/custom/api/users/%40me'],
    ['DELETE', '/custom/api/users/%2540me'],
    ['DELETE', '/custom/api/Users/@ME/'],
    ['POST', '/custom/api/v1/proj%3Adelete'],
    ['POST', '/custom/api/v1/proj%3adelete'],
    ['POST', '/custom/api/v1/proj:DELETE'],
    ['POST', '/custom/api/admin/delete/'],
    ['POST', '/custom/api/ADMIN/Delete'],
    ['DELETE', '/custom/api/Repos/o/r'],
    ['DELETE', '/custom/api/repos/o/r/'],
    ['HEAD', '/custom/api/secret'],
    ['GET', '/custom/api/SECRET/'],
    ['DELETE', '/openai/v1/Files/file-1'],
    // Rails' optional (.:format) and Spring's suffix pattern matching route these to the blocked path.
    ['POST', '/custom/api/admin/delete.json'],
    ['POST', '/custom/api/admin/delete.'],
    ['DELETE', '/custom/api/users/@me.xml'],
    ['GET', '/custom/api/Secret.tar.gz'],
  ];

  it.each(BLOCKED_SPELLINGS)('refuses %s %s before it reaches the upstream', async (method, path) => {
    const response = await send(method, path);
    expect(response.status).toBe(403);
    // HEAD answers carry no body to read the code from.
    if (method !== 'HEAD') expect(agentError(response).code).toBe('ENDPOINT_BLOCKED');
    expect(upstream.received).toEqual([]);
  });

  it('forwards the ordinary spellings of routes no rule blocks, byte for byte', async () => {
    const ordinary: Array<[string, string]> = [
      ['GET', '/users/a%40b.com'],
      ['POST', '/v1/proj%3Aget'],
      ['GET', '/repos/o/r'],
      ['HEAD', '/repos/o/r'],
      ['GET', '/secrets'],
    ];
    for (const [method, path] of ordinary) {
      const response = await send(method, `/custom/api${path}`);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 200 });
    }
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(ordinary.map(([method, path]) => `${method} /api${path}`));
  });
});

describe('allowed endpoints accept only the spelling they name', () => {
  it('forwards the spellings the allow-list names, HEAD for GET included', async () => {
    for (const [method, path] of [
      ['GET', '/users/@me'],
      ['GET', '/repos/o/r/issues'],
      ['HEAD', '/repos/o/r/issues'],
      ['GET', '/repos/o%40x/r/issues'],
    ] as const) {
      expect((await send(method, `/custom/strict${path}`)).status).toBe(200);
    }
    expect(upstream.received.map((request) => request.url)).toEqual(['/strict/users/@me', '/strict/repos/o/r/issues', '/strict/repos/o/r/issues', '/strict/repos/o%40x/r/issues']);
  });

  it.each([
    ['GET', '/custom/strict/users/%40me'],
    ['GET', '/custom/strict/Users/@me'],
    ['GET', '/custom/strict/users/@me/'],
    ['GET', '/custom/strict/repos/o/r/Issues'],
    ['DELETE', '/custom/strict/repos/o/r/issues'],
  ])('refuses %s %s', async (method, path) => {
    const response = await send(method, path);
    expect(agentError(response).code).toBe('ENDPOINT_BLOCKED');
    expect(upstream.received).toEqual([]);
  });
});

describe('method and path overrides', () => {
  it.each<[string, string, Array<[string, string]>]>([
    ['POST', '/custom/api/users/@me?_method=DELETE', []],
    ['POST', '/custom/api/users/@me?_METHOD=DELETE', []],
    ['POST', '/custom/api/users/@me?%5Fmethod=DELETE', []],
    ['POST', '/custom/api/users/@me?.method=DELETE', []],
    ['POST', '/custom/api/users/@me', [['X-HTTP-Method-Override', 'DELETE']]],
    ['POST', '/custom/api/users/@me', [['X-HTTP-Method', 'DELETE']]],
    ['POST', '/custom/api/users/@me', [['X-Method-Override', 'DELETE']]],
    ['POST', '/openai/v1/files/file-1', [['x-http-method-override', 'DELETE']]],
  ])('refuses %s %s %j', async (method, path, headers) => {
    const response = await send(method, path, headers);
    expect(agentError(response).code).toBe('METHOD_OVERRIDE_REFUSED');
    expect(upstream.received).toEqual([]);
  });

  it('drops the headers that name another path', async () => {
    const response = await send('GET', '/custom/api/repos/o/r', [
      ['X-Original-URL', '/admin/delete'],
      ['X-Rewrite-URL', '/admin/delete'],
      ['X-Override-URL', '/admin/delete'],
    ]);
    expect(response.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.everythingReceived()).not.toContain('/admin/delete');
    expect(upstream.received[0]?.rawHeaders.map((name) => name.toLowerCase())).not.toEqual(expect.arrayContaining(['x-original-url']));
  });
});

describe('the agent key never leaves the machine', () => {
  it('is stripped from every header it appears in, whatever the header is called', async () => {
    const key = proxy.agentKeys.agent!;
    const headers: Array<[string, string]> = [
      ['api-key', key],
      ['x-goog-api-key', key],
      ['X-Custom-Token', `token ${key}`],
      ['X-Api-Key', key],
      ['X-Request-Note', 'kept'],
    ];
    for (const path of ['/custom/api/repos/o/r', '/custom/strict/users/@me', '/openai/v1/models']) {
      expect((await send('GET', path, headers)).status).toBe(200);
    }
    expect(upstream.received).toHaveLength(3);
    expect(upstream.everythingReceived()).not.toContain('pk_');
    for (const request of upstream.received) {
      expect(request.headers['x-request-note']).toBe('kept');
      for (const name of ['api-key', 'x-goog-api-key', 'x-custom-token', 'x-api-key']) expect(request.headers[name]).toBeUndefined();
    }
  });
});
