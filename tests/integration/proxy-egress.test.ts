/**
 * Egress proxies (DESIGN: "Optional upstream proxy per service or global: http://, https://,
 * socks5://, plus HTTPS_PROXY / NO_PROXY"), against the built host with real proxies on loopback:
 * each call must reach the upstream through the proxy the policy or the environment names, with the
 * real key injected, and never quietly go direct.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EgressProxy, startConnectProxy, startSocks5Proxy } from '../support/egress-proxies';
import { type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, type ProxyHost, startProxyHost } from './proxy-host';

const OPENAI_SECRET = 'sk-test-FAKE-egress-openai-5d1c8e2a9f40';
const GITHUB_SECRET = 'ghp_test_FAKE_egress_github_7a3e';

let upstream: MockUpstream;
let httpProxy: EgressProxy;
let socksProxy: EgressProxy;
const hosts: ProxyHost[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => sendJson(res, 200, { path: request.url }));
  httpProxy = await startConnectProxy();
  socksProxy = await startSocks5Proxy();
});

afterEach(() => {
  upstream.reset();
  httpProxy.tunnels.length = 0;
  socksProxy.tunnels.length = 0;
});

afterAll(async () => {
  for (const host of hosts) await host.stop();
  await Promise.all([upstream?.close(), httpProxy?.close(), socksProxy?.close()]);
});

/** The upstream's `host:port`, as a proxy is asked to reach it. */
const upstreamAuthority = () => new URL(upstream.url).host;

async function hostWith(policyLines: string, env?: Record<string, string>): Promise<ProxyHost> {
  const host = await startProxyHost({
    policy: `[proxy]\nport = 0\n${policyLines}\n\n[services.openai]\nbase_url = "${upstream.url}"\n\n[custom.github]\nbase_url = "${upstream.url}/github"\nauth_header = "Authorization"\nauth_value_prefix = "token "\nupstream_proxy = "${socksProxy.url}"\n`,
    credentials: [
      { service: 'openai', secret: OPENAI_SECRET },
      { service: 'github', secret: GITHUB_SECRET },
    ],
    agents: [{ name: 'egress', scopes: ['openai', 'custom:github'] }],
    env,
  });
  hosts.push(host);
  return host;
}

const call = (host: ProxyHost, path: string) => host.raw({ path, headers: [['authorization', `Bearer ${host.agentKeys.egress}`]] });

describe('egress through a proxy', () => {
  it('sends a service through the policy’s global http:// proxy, tunnelled with CONNECT', async () => {
    const host = await hostWith(`upstream_proxy = "${httpProxy.url}"`);
    const response = await call(host, '/openai/v1/models');
    expect(response.status, response.body).toBe(200);
    expect(httpProxy.tunnels).toEqual([upstreamAuthority()]);
    expect(upstream.received.map((request) => request.headers.authorization)).toEqual([`Bearer ${OPENAI_SECRET}`]);
  });

  it('sends a service with its own socks5:// upstream_proxy through it, and the others through the global one', async () => {
    const host = await hostWith(`upstream_proxy = "${httpProxy.url}"`);
    const github = await call(host, '/custom/github/user');
    expect(github.status, github.body).toBe(200);
    expect(socksProxy.tunnels).toEqual([upstreamAuthority()]);
    expect(httpProxy.tunnels).toEqual([]);
    expect(upstream.received.map((request) => [request.url, request.headers.authorization])).toEqual([['/github/user', `token ${GITHUB_SECRET}`]]);

    expect((await call(host, '/openai/v1/models')).status).toBe(200);
    expect(httpProxy.tunnels).toEqual([upstreamAuthority()]);
  });

  it('uses HTTP_PROXY from the environment when the policy names no proxy', async () => {
    const host = await hostWith('', { HTTP_PROXY: httpProxy.url });
    const response = await call(host, '/openai/v1/models');
    expect(response.status, response.body).toBe(200);
    expect(httpProxy.tunnels).toEqual([upstreamAuthority()]);
    expect(upstream.received).toHaveLength(1);
  });

  it('goes direct for a host NO_PROXY lists', async () => {
    const host = await hostWith('', { http_proxy: httpProxy.url, NO_PROXY: '127.0.0.1' });
    const response = await call(host, '/openai/v1/models');
    expect(response.status, response.body).toBe(200);
    expect(httpProxy.tunnels).toEqual([]);
    expect(upstream.received).toHaveLength(1);
  });

  it('refuses to go direct when the environment’s proxy is unusable: UPSTREAM_UNREACHABLE, nothing sent', async () => {
    const host = await hostWith('', { HTTPS_PROXY: 'socks5://user:hunter2-FAKE@127.0.0.1:1080' });
    const response = await call(host, '/openai/v1/models');
    expect(response.status).toBe(502);
    const error = agentError(response);
    expect(error.code).toBe('UPSTREAM_UNREACHABLE');
    expect(error.message).toContain('HTTPS_PROXY uses socks5://');
    // The proxy URL may carry a password: the answer never repeats it.
    expect(response.body).not.toContain('hunter2-FAKE');
    expect(upstream.received).toHaveLength(0);
  });

  it('answers UPSTREAM_UNREACHABLE when the policy’s proxy is down, and never goes around it', async () => {
    const down = await startConnectProxy();
    await down.close();
    const host = await hostWith(`upstream_proxy = "${down.url}"`);
    const response = await call(host, '/openai/v1/models');
    expect(response.status).toBe(502);
    expect(agentError(response).code).toBe('UPSTREAM_UNREACHABLE');
    expect(upstream.received).toHaveLength(0);
  });
});
