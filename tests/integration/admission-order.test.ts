/**
 * One admission order for every route (issue #10, item 6): authenticate → scope → vault → endpoint
 * rules → rate limit. A request refused at any earlier step takes no token from the service's rate
 * limit, so an agent without a Binance scope (or calling what it may not) cannot use up the limit
 * the Binance agents share. Against the real host, a mock Binance and a mock custom upstream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { agentError, binancePolicy, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

let mock: MockBinance | undefined;
let upstream: MockUpstream | undefined;
let proxy: ProxyHost | undefined;

afterEach(async () => {
  await proxy?.stop();
  await mock?.close();
  await upstream?.close();
  proxy = mock = upstream = undefined;
});

async function start(): Promise<ProxyHost> {
  const key = fakeBinanceKey('hmac', 'order');
  mock = await startMockBinance({ keys: [key.mock] });
  upstream = await startMockUpstream((_request, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  const policy = `${binancePolicy(mock.url, { rate_limit: 2, rate_limit_window_seconds: 3600 })}
[custom.tools]
base_url = "${upstream.url}"
auth_header = "X-Tools-Key"
blocked_endpoints = ["DELETE /things/*"]
rate_limit = 2
rate_limit_window_seconds = 3600
`;
  proxy = await startProxyHost({
    policy,
    credentials: [key.credential, { service: 'tools', secret: 'sk-test-FAKE-tools-key-0001' }],
    agents: [
      { name: 'outsider', scopes: ['openai'] },
      { name: 'reader', scopes: ['binance:read'] },
      { name: 'tools', scopes: ['custom:tools'] },
    ],
  });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return proxy;
}

async function call(agent: string, method: string, path: string): Promise<{ status: number; code: string | null }> {
  const response = await proxy!.raw({ method, path, headers: [['Authorization', `Bearer ${proxy!.agentKeys[agent]}`]] });
  return { status: response.status, code: response.status < 400 ? null : agentError(response).code };
}

const TICKER = '/binance/api/v3/ticker/price?symbol=BTCUSDT';

describe('one admission order for every route', () => {
  it('an agent with no Binance scope cannot use up the Binance rate limit', async () => {
    await start();
    for (let i = 0; i < 5; i++) expect(await call('outsider', 'GET', TICKER)).toEqual({ status: 403, code: 'SCOPE_DENIED' });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 429, code: 'RATE_LIMITED' });
  });

  it('calls refused by the endpoint rules take no token, on Binance (a trade for a reader, a withdrawal) as on a custom service', async () => {
    await start();
    for (let i = 0; i < 3; i++) {
      expect(await call('reader', 'POST', '/binance/api/v3/order?symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001')).toEqual({ status: 403, code: 'SCOPE_DENIED' });
      expect(await call('reader', 'POST', '/binance/sapi/v1/capital/withdraw/apply?coin=BTC&address=x&amount=1')).toEqual({ status: 403, code: 'ENDPOINT_BLOCKED' });
      expect(await call('outsider', 'GET', '/custom/tools/things')).toEqual({ status: 403, code: 'SCOPE_DENIED' });
      expect(await call('tools', 'DELETE', '/custom/tools/things/1')).toEqual({ status: 403, code: 'ENDPOINT_BLOCKED' });
    }
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
    expect(mock!.orders).toHaveLength(0);
    expect(await call('tools', 'GET', '/custom/tools/things')).toEqual({ status: 200, code: null });
    expect(await call('tools', 'GET', '/custom/tools/things')).toEqual({ status: 200, code: null });
    expect(await call('tools', 'GET', '/custom/tools/things')).toEqual({ status: 429, code: 'RATE_LIMITED' });
  });

  it('scope comes before the vault, and the vault before endpoint rules, on Binance as elsewhere', async () => {
    await start();
    await proxy!.request('vault.lock');
    expect(await call('outsider', 'GET', TICKER)).toEqual({ status: 403, code: 'SCOPE_DENIED' });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 423, code: 'VAULT_LOCKED' });
    expect(await call('reader', 'POST', '/binance/sapi/v1/capital/withdraw/apply?coin=BTC')).toEqual({ status: 423, code: 'VAULT_LOCKED' });
    expect(await call('outsider', 'GET', '/custom/tools/things')).toEqual({ status: 403, code: 'SCOPE_DENIED' });
    expect(await call('tools', 'DELETE', '/custom/tools/things/1')).toEqual({ status: 423, code: 'VAULT_LOCKED' });
    await proxy!.unlock();
    // None of the locked-vault refusals took a token.
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
    expect(await call('reader', 'GET', TICKER)).toEqual({ status: 200, code: null });
  });
});
