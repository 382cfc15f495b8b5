/**
 * TLS on the way out, against the built host: an upstream's certificate must chain to a CA the host
 * trusts and name the host it was asked for, or the real key never leaves; `https://` egress proxies
 * are reached over verified TLS too. Certificates are made for the run (tests/support); the host
 * trusts the test CA only through NODE_EXTRA_CA_CERTS, the way a user behind an inspecting proxy would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EgressProxy, startConnectProxy } from '../support/egress-proxies';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates';
import { type MockUpstream, sendJson, startMockUpstream } from './mock-upstream';
import { agentError, type ProxyHost, startProxyHost } from './proxy-host';

const OPENAI_SECRET = 'sk-test-FAKE-tls-openai-8b2d4f6a0c13';

let directory: string;
let certificates: TestCertificates;
const upstreams: Record<'trusted' | 'selfSigned' | 'otherName', MockUpstream> = {} as never;
let trustedProxy: EgressProxy;
let selfSignedProxy: EgressProxy;
const hosts: ProxyHost[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-tls-'));
  certificates = await makeTestCertificates(directory);
  const answer = (request: { url: string }, res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, { path: request.url });
  for (const name of ['trusted', 'selfSigned', 'otherName'] as const) upstreams[name] = await startMockUpstream(answer, { tls: certificates[name] });
  trustedProxy = await startConnectProxy({ tls: certificates.trusted });
  selfSignedProxy = await startConnectProxy({ tls: certificates.selfSigned });
});

afterEach(() => {
  for (const upstream of Object.values(upstreams)) upstream.reset();
  trustedProxy.tunnels.length = 0;
  selfSignedProxy.tunnels.length = 0;
});

afterAll(async () => {
  for (const host of hosts) await host.stop();
  await Promise.all([...Object.values(upstreams).map((upstream) => upstream.close()), trustedProxy?.close(), selfSignedProxy?.close()]);
  await rm(directory, { recursive: true, force: true });
});

async function hostFor(baseUrl: string, proxyLine = ''): Promise<ProxyHost> {
  const host = await startProxyHost({
    policy: `[proxy]\nport = 0\n${proxyLine}\n\n[services.openai]\nbase_url = "${baseUrl}"\n`,
    credentials: [{ service: 'openai', secret: OPENAI_SECRET }],
    agents: [{ name: 'tls', scopes: ['openai'] }],
    env: { NODE_EXTRA_CA_CERTS: certificates.caPath },
  });
  hosts.push(host);
  return host;
}

const call = (host: ProxyHost) => host.raw({ path: '/openai/v1/models', headers: [['authorization', `Bearer ${host.agentKeys.tls}`]] });

describe('upstream certificates', () => {
  it('calls an https upstream whose certificate the host trusts, with the real key', async () => {
    const response = await call(await hostFor(upstreams.trusted.url));
    expect(response.status, response.body).toBe(200);
    expect(upstreams.trusted.received.map((request) => request.headers.authorization)).toEqual([`Bearer ${OPENAI_SECRET}`]);
  });

  it('refuses a self-signed certificate and one for another name: the key never leaves, the agent learns why', async () => {
    for (const [name, reason] of [['selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT'], ['otherName', 'ERR_TLS_CERT_ALTNAME_INVALID']] as const) {
      const response = await call(await hostFor(upstreams[name].url));
      expect({ name, status: response.status, code: agentError(response).code }).toEqual({ name, status: 502, code: 'UPSTREAM_CERTIFICATE_INVALID' });
      expect(agentError(response).message).toContain(reason);
      expect(upstreams[name].received).toEqual([]);
      expect(response.body).not.toContain(OPENAI_SECRET);
    }
  });

  it('does not trust the test CA without NODE_EXTRA_CA_CERTS: trust comes from the environment, never from the policy', async () => {
    const host = await startProxyHost({
      policy: `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstreams.trusted.url}"\n`,
      credentials: [{ service: 'openai', secret: OPENAI_SECRET }],
      agents: [{ name: 'tls', scopes: ['openai'] }],
    });
    hosts.push(host);
    expect(agentError(await call(host)).code).toBe('UPSTREAM_CERTIFICATE_INVALID');
    expect(upstreams.trusted.received).toEqual([]);
  });
});

describe('https:// egress proxies', () => {
  it('reaches an https upstream through an https:// proxy: TLS to the proxy, then TLS through its tunnel', async () => {
    const response = await call(await hostFor(upstreams.trusted.url, `upstream_proxy = "${trustedProxy.url}"`));
    expect(response.status, response.body).toBe(200);
    expect(trustedProxy.tunnels).toEqual([new URL(upstreams.trusted.url).host]);
    expect(upstreams.trusted.received.map((request) => request.headers.authorization)).toEqual([`Bearer ${OPENAI_SECRET}`]);
  });

  it('refuses an https:// proxy whose certificate it cannot verify, before asking it for any tunnel', async () => {
    const response = await call(await hostFor(upstreams.trusted.url, `upstream_proxy = "${selfSignedProxy.url}"`));
    expect(agentError(response).code).toBe('UPSTREAM_CERTIFICATE_INVALID');
    expect(selfSignedProxy.tunnels).toEqual([]);
    expect(upstreams.trusted.received).toEqual([]);
  });
});
