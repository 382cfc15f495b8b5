/**
 * Two Keygate processes on one data directory (the browser's host and `keygate-host serve` default to
 * the same one) must not each keep their own copy of the day's Binance volume: the one that trades
 * first keeps the ledger, the other refuses orders with LEDGER_IN_USE until it is gone, then carries
 * on from the same day's total. Two real built hosts against the mock exchange.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BINANCE_LEDGER_FILE } from '../../native-host/src/proxy/proxy-runtime';
import { fakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, binancePolicy, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

const TWENTY_DOLLARS = 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=20';

let dataDir: string;
let mock: MockBinance;
let first: ProxyHost;
let second: ProxyHost;

async function startTrader(key: ReturnType<typeof fakeBinanceKey>): Promise<ProxyHost> {
  const host = await startProxyHost({
    policy: binancePolicy(mock.url, { daily_volume_usd: 5000 }),
    credentials: [key.credential],
    agents: [{ name: 'trader', scopes: ['binance:trade'] }],
    dataDir,
  });
  await waitForHostEvent(host.host, 'binance.restrictions');
  return host;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'keygate-shared-data-'));
  const key = fakeBinanceKey('hmac', 'ledgerlock');
  mock = await startMockBinance({ keys: [key.mock] });
  first = await startTrader(key);
  second = await startTrader(key);
});

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await mock?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const placeOrder = (host: ProxyHost) =>
  host.raw({
    method: 'POST',
    path: '/binance/api/v3/order',
    headers: [['Authorization', `Bearer ${host.agentKeys.trader}`], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: TWENTY_DOLLARS,
  });

async function ledgerToday(): Promise<string | undefined> {
  const ledger = JSON.parse(await readFile(join(dataDir, BINANCE_LEDGER_FILE), 'utf8')) as { days: Record<string, string> };
  return ledger.days[new Date().toISOString().slice(0, 10)];
}

it('lets only one process trade on a data directory, and the other carry on from its total once it is gone', async () => {
  expect((await placeOrder(first)).status).toBe(200);
  expect(mock.orders).toHaveLength(1);

  const refused = await placeOrder(second);
  expect(refused.status).toBe(503);
  const error = agentError(refused);
  expect(error.code).toBe('LEDGER_IN_USE');
  expect(error.message).toContain(`Process ${first.host.child.pid}`);
  expect(mock.orders).toHaveLength(1);

  await first.stop();
  expect((await placeOrder(second)).status).toBe(200);
  expect(mock.orders).toHaveLength(2);
  expect(await ledgerToday()).toBe('40.00');
});
