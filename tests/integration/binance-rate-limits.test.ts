/**
 * Binance's back-off orders are Keygate's too: after a 429 or 418 (with Retry-After) the agent gets
 * Binance's answer once, then Keygate refuses every Binance request locally — 429 RATE_LIMITED with
 * a Retry-After — until the time is up, so the exchange sees nothing more (pushing on after a 429
 * is what gets an IP banned). Keygate also reads the request weight Binance reports and stops
 * before the limit, and a back-off that hits Keygate's own market-data calls does not break orders
 * for longer than it lasts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBinanceKey, type MockBinance, type MockBinanceOptions, startMockBinance } from '../support/mock-binance';
import { agentError, binancePolicy, type ProxyHost, type RawResponse, startProxyHost, waitForHostEvent } from './proxy-host';

const LIMIT_ORDER = 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000';

let mock: MockBinance | undefined;
let proxy: ProxyHost | undefined;

afterEach(async () => {
  await proxy?.stop();
  await mock?.close();
  proxy = undefined;
  mock = undefined;
});

/** A host whose key was vetted at unlock (so the clock is synced) against a fresh mock. */
async function start(options: Partial<MockBinanceOptions> = {}, beforeUnlock: (m: MockBinance) => void = () => undefined) {
  const key = fakeBinanceKey('hmac', 'rate');
  mock = await startMockBinance({ keys: [key.mock], ...options });
  beforeUnlock(mock);
  proxy = await startProxyHost({ policy: binancePolicy(mock.url), credentials: [key.credential], agents: [{ name: 'trader', scopes: ['binance:trade'] }] });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return { mock, proxy };
}

function call(method: string, path: string, body?: string): Promise<RawResponse> {
  const headers: Array<[string, string]> = [['Authorization', `Bearer ${proxy!.agentKeys.trader}`]];
  if (body !== undefined) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  return proxy!.raw({ method, path: `/binance${path}`, headers, body });
}

const account = () => call('GET', '/api/v3/account');
const order = () => call('POST', '/api/v3/order', LIMIT_ORDER);
const ticker = () => call('GET', '/api/v3/ticker/price?symbol=BTCUSDT');

/** A local refusal: Keygate's own 429 RATE_LIMITED with a Retry-After of (about) `seconds`. */
function expectLocalBackOff(response: RawResponse, seconds: number): void {
  const error = agentError(response);
  expect(error.code).toBe('RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(seconds - 2);
  expect(retryAfter).toBeLessThanOrEqual(seconds);
}

describe.each([
  { status: 429 as const, retryAfter: 30 },
  { status: 418 as const, retryAfter: 120 },
])('Binance answers $status with Retry-After: $retryAfter', ({ status, retryAfter }) => {
  it('relays that answer once, then refuses every Binance request locally until the time is up', async () => {
    const { mock } = await start();
    expect((await account()).status).toBe(200);

    mock.failNext(1, status, retryAfter);
    const first = await account();
    expect(first.status).toBe(status);
    expect(JSON.parse(first.body)).toMatchObject({ code: -1003 });
    expect(first.headers['retry-after']).toBe(String(retryAfter));

    const from = mock.received.length;
    const ordersBefore = mock.orders.length;
    for (const next of [account, order, ticker, account]) expectLocalBackOff(await next(), retryAfter);
    expect(mock.received.length).toBe(from);
    expect(mock.orders.length).toBe(ordersBefore);
  });
});

describe('after the Retry-After has passed', () => {
  it('forwards again', async () => {
    const { mock } = await start();
    mock.failNext(1, 429, 1);
    expect((await account()).status).toBe(429);
    expectLocalBackOff(await order(), 1);
    await delay(1100);
    const placed = await order();
    expect(placed.status, placed.body).toBe(200);
    expect(mock.orders).toHaveLength(1);
  });
});

describe('request weight', () => {
  it('stops before the per-minute weight Binance reports runs out, so Binance never has to answer 429', async () => {
    // The limit is learned from exchangeInfo (asked when the first order is valued): 40 a minute.
    const { mock } = await start({ weightLimitPerMinute: 40 });
    const placed = await order();
    expect(placed.status, placed.body).toBe(200);

    let refused: RawResponse | null = null;
    let lastWeight = 0;
    for (let sent = 0; sent < 60 && refused === null; sent++) {
      const response = await account();
      if (response.status === 200) lastWeight = Number(response.headers['x-mbx-used-weight-1m']);
      else refused = response;
    }
    expect(refused, 'Keygate never stopped').not.toBeNull();
    // Keygate's own refusal (a catalogue body), not Binance's -1003 relayed.
    expect(agentError(refused!).code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // It stopped with weight left in hand (95 %), and the exchange never went over its limit.
    expect(lastWeight).toBeGreaterThanOrEqual(38);
    expect(lastWeight).toBeLessThanOrEqual(40);
    const from = mock.received.length;
    expect(agentError(await ticker()).code).toBe('RATE_LIMITED');
    expect(mock.received.length).toBe(from);
  });

  it('with a limit (20) that learning it costs (exchangeInfo weighs 20), backs off after the one 429 its own call got', async () => {
    const { mock } = await start({ weightLimitPerMinute: 20 });
    const refused = await order();
    // Binance's 429 went to Keygate's exchangeInfo call; the agent is told when to come back.
    const error = agentError(refused);
    expect(error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(mock.orders).toHaveLength(0);
    const from = mock.received.length;
    for (const next of [order, account, ticker]) expect(agentError(await next()).code).toBe('RATE_LIMITED');
    expect(mock.received.length).toBe(from);
  });
});

describe('a back-off that hits Keygate\'s own market-data call', () => {
  it('tells the agent to retry after it, and does not leave the symbol unknown afterwards', async () => {
    // Valuing the first BTCUSDT order needs exchangeInfo, which Binance answers 429.
    const { mock } = await start({}, (m) => m.failNext(1, 429, 1, { path: '/api/v3/exchangeInfo' }));
    const refused = await order();
    expectLocalBackOff(refused, 1);
    expect(mock.orders).toHaveLength(0);

    await delay(1100);
    const placed = await order();
    expect(placed.status, placed.body).toBe(200);
    expect(mock.orders).toHaveLength(1);
  });
});
