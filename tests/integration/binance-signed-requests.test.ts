/**
 * Agents send Binance requests unsigned; the built host signs them with the real key and the mock
 * exchange, which checks signatures the way Binance documents them, accepts them. For HMAC, Ed25519
 * and RSA keys: the agent's own signature, timestamp, recvWindow and X-MBX-APIKEY never reach
 * Binance, parameters from the query and from a form body are signed as forwarded, non-ASCII values
 * sign correctly, duplicates are refused before anything leaves, public market data goes out
 * unsigned, and a clock that drifts is re-synced without Keygate ever replaying an order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_BINANCE_SYMBOLS, fakeBinanceKey, type FakeBinanceKey, type MockBinance, type MockBinanceRequest, startMockBinance } from '../support/mock-binance';
import { agentError, binancePolicy, type ProxyHost, type RawResponse, startProxyHost, waitForHostEvent } from './proxy-host';

/** Binance's own non-ASCII example symbol (Spot API docs, "SIGNED Endpoint Examples"). */
const UNICODE_SYMBOL = '１２３４５６';
const UNICODE_SYMBOL_ENCODED = '%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96';
/** The mock's clock runs this far ahead of ours: an unsynced timestamp would be outside recvWindow. */
const SERVER_AHEAD_MS = 10_000;
const RECV_WINDOW_MS = 7000;
/** What a client library would have added itself; none of it may reach Binance. */
const AGENT_TIMESTAMP = '1499827319559';
const AGENT_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const AGENT_API_KEY = 'agentSentThisApiKeyItMustNotReachBinance000000000000000000000000';
const FORM = 'application/x-www-form-urlencoded';

interface Setup {
  mock: MockBinance;
  proxy: ProxyHost;
  key: FakeBinanceKey;
}

async function startSetup(kind: 'hmac' | 'ed25519' | 'rsa', label: string): Promise<Setup> {
  const key = fakeBinanceKey(kind, label);
  const mock = await startMockBinance({
    keys: [key.mock],
    serverTimeOffsetMs: SERVER_AHEAD_MS,
    symbols: [...DEFAULT_MOCK_BINANCE_SYMBOLS, { symbol: UNICODE_SYMBOL, baseAsset: 'ONE', quoteAsset: 'USDT', price: '1' }],
  });
  const proxy = await startProxyHost({
    policy: binancePolicy(mock.url, { recv_window: RECV_WINDOW_MS }),
    credentials: [key.credential],
    agents: [{ name: 'trader', scopes: ['binance:trade'] }],
  });
  // Unlocking makes the host ask Binance what the key may do; let that settle before counting requests.
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return { mock, proxy, key };
}

async function stopSetup(setup: Setup | undefined): Promise<void> {
  await setup?.proxy.stop();
  await setup?.mock.close();
}

/** An agent's request as a Binance client would send it, but unsigned and with its `pk_` key. */
function agentCall(setup: Setup, method: string, path: string, options: { body?: string; headers?: Array<[string, string]> } = {}): Promise<RawResponse> {
  const headers: Array<[string, string]> = [['Authorization', `Bearer ${setup.proxy.agentKeys.trader}`], ...(options.headers ?? [])];
  if (options.body !== undefined) headers.push(['Content-Type', FORM]);
  return setup.proxy.raw({ method, path, headers, body: options.body });
}

/** The requests that reached the mock since `from`, on `path`. */
function arrivedSince(mock: MockBinance, from: number, path: string): MockBinanceRequest[] {
  return mock.received.slice(from).filter((request) => request.path === path);
}

/** `name` appears exactly once among the query's raw `name=value` pairs. */
function countParam(rawQuery: string, name: string): number {
  return rawQuery.split('&').filter((pair) => pair.split('=')[0] === name).length;
}

/** What Binance must see of a request Keygate signed: its key, its fresh signature, nothing of the agent's. */
function expectSignedByKeygate(request: MockBinanceRequest, key: FakeBinanceKey): void {
  expect(request.signatureValid).toBe(true);
  expect(request.apiKey).toBe(key.apiKey);
  expect(request.headers['x-mbx-apikey']).toBe(key.apiKey);
  expect(request.params.recvWindow).toBe(String(RECV_WINDOW_MS));
  for (const name of ['timestamp', 'recvWindow', 'signature']) expect(countParam(request.rawQuery, name), name).toBe(1);
  expect(request.params.signature).not.toBe(AGENT_SIGNATURE);
  expect(request.params.timestamp).not.toBe(AGENT_TIMESTAMP);
  // Stamped with Binance's clock (ours + 10 s), not the local one: within a second of the server's.
  expect(Math.abs(Number(request.params.timestamp) - (request.at + SERVER_AHEAD_MS))).toBeLessThan(1000);
  const everything = `${request.rawQuery}\n${request.body}\n${JSON.stringify(request.headers)}`;
  for (const leak of [AGENT_TIMESTAMP, AGENT_SIGNATURE, AGENT_API_KEY, 'pk_']) expect(everything).not.toContain(leak);
  expect(request.headers.authorization).toBeUndefined();
  expect(request.headers['x-api-key']).toBeUndefined();
}

describe.each(['hmac', 'ed25519', 'rsa'] as const)('a %s key', (kind) => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await startSetup(kind, 'signed');
  });

  afterAll(async () => {
    const transcript = await setup.proxy.transcript();
    expect(transcript).not.toContain(setup.key.privateText);
    expect(transcript).not.toContain(setup.key.apiKey);
    await stopSetup(setup);
  });

  it('signs GET /api/v3/account, replacing the signature, timestamp, recvWindow and X-MBX-APIKEY the agent sent', async () => {
    const from = setup.mock.received.length;
    const response = await agentCall(setup, 'GET', `/binance/api/v3/account?omitZeroBalances=true&timestamp=${AGENT_TIMESTAMP}&recvWindow=60000&signature=${AGENT_SIGNATURE}`, {
      headers: [['X-MBX-APIKEY', AGENT_API_KEY]],
    });
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ accountType: 'SPOT', canTrade: true });
    const [request] = arrivedSince(setup.mock, from, '/api/v3/account');
    expect(request).toBeDefined();
    expectSignedByKeygate(request!, setup.key);
    expect(request!.params.omitZeroBalances).toBe('true');
  });

  it('drops signing parameters the agent sent in any letter case', async () => {
    const from = setup.mock.received.length;
    const response = await agentCall(setup, 'GET', `/binance/api/v3/account?Timestamp=${AGENT_TIMESTAMP}&RECVWINDOW=60000&Signature=${AGENT_SIGNATURE}`);
    expect(response.status, response.body).toBe(200);
    const [request] = arrivedSince(setup.mock, from, '/api/v3/account');
    expectSignedByKeygate(request!, setup.key);
    expect(request!.rawQuery).not.toMatch(/Timestamp=|RECVWINDOW=|Signature=/);
  });

  it('signs POST /api/v3/order with its parameters in the query string', async () => {
    const ordersBefore = setup.mock.orders.length;
    const from = setup.mock.received.length;
    const response = await agentCall(
      setup,
      'POST',
      `/binance/api/v3/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&timestamp=${AGENT_TIMESTAMP}&signature=${AGENT_SIGNATURE}`,
      { headers: [['X-MBX-APIKEY', AGENT_API_KEY]] },
    );
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', status: 'NEW', origQty: '0.00100000' });
    expect(setup.mock.orders.length).toBe(ordersBefore + 1);
    const [request] = arrivedSince(setup.mock, from, '/api/v3/order');
    expectSignedByKeygate(request!, setup.key);
    expect(request!.params).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '50000' });
  });

  it('signs POST /api/v3/order with its parameters in a form body, and split between query and body', async () => {
    for (const [query, body] of [
      ['', `symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.002&price=50000&recvWindow=60000&timestamp=${AGENT_TIMESTAMP}&signature=${AGENT_SIGNATURE}`],
      ['?symbol=ETHUSDT&side=BUY', `type=LIMIT&timeInForce=GTC&quantity=0.05&price=2500&signature=${AGENT_SIGNATURE}`],
    ] as const) {
      const ordersBefore = setup.mock.orders.length;
      const from = setup.mock.received.length;
      const response = await agentCall(setup, 'POST', `/binance/api/v3/order${query}`, { body, headers: [['X-MBX-APIKEY', AGENT_API_KEY]] });
      expect(response.status, response.body).toBe(200);
      expect(setup.mock.orders.length).toBe(ordersBefore + 1);
      const [request] = arrivedSince(setup.mock, from, '/api/v3/order');
      expectSignedByKeygate(request!, setup.key);
      const decoded = new URLSearchParams(`${query.replace(/^\?/, '')}&${body}`);
      for (const name of ['symbol', 'side', 'type', 'timeInForce', 'quantity', 'price']) expect(request!.params[name], name).toBe(decoded.get(name));
    }
  });

  it('signs a non-ASCII symbol percent-encoded by the agent, in the query and in a form body', async () => {
    for (const encoded of [UNICODE_SYMBOL_ENCODED, UNICODE_SYMBOL_ENCODED.toLowerCase()]) {
      const from = setup.mock.received.length;
      const response = await agentCall(setup, 'GET', `/binance/api/v3/openOrders?symbol=${encoded}`);
      expect(response.status, response.body).toBe(200);
      expect(JSON.parse(response.body)).toEqual([]);
      const [request] = arrivedSince(setup.mock, from, '/api/v3/openOrders');
      expectSignedByKeygate(request!, setup.key);
      expect(request!.params.symbol).toBe(UNICODE_SYMBOL);
    }
    const from = setup.mock.received.length;
    const response = await agentCall(setup, 'DELETE', '/binance/api/v3/order', { body: `symbol=${UNICODE_SYMBOL_ENCODED}&orderId=424242` });
    // Binance checked the signature, then found no such order: its answer reaches the agent.
    expect(response.status, response.body).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ code: -2011 });
    const [request] = arrivedSince(setup.mock, from, '/api/v3/order');
    expectSignedByKeygate(request!, setup.key);
    expect(request!.params).toMatchObject({ symbol: UNICODE_SYMBOL, orderId: '424242' });
  });
});

describe('requests Keygate refuses or forwards unsigned', () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await startSetup('hmac', 'plain');
  });

  afterAll(() => stopSetup(setup));

  it.each([
    { label: 'in the query', method: 'GET', path: '/binance/api/v3/allOrders?symbol=BTCUSDT&symbol=ETHUSDT', body: undefined, name: 'symbol' },
    { label: 'in the body', method: 'POST', path: '/binance/api/v3/order', body: 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&quantity=5', name: 'quantity' },
    { label: 'across query and body', method: 'POST', path: '/binance/api/v3/order?symbol=BTCUSDT&quantity=0.001', body: 'side=BUY&type=MARKET&quantity=5', name: 'quantity' },
    { label: 'as a signing parameter in two letter cases', method: 'GET', path: `/binance/api/v3/account?timestamp=${AGENT_TIMESTAMP}&TimeStamp=1`, body: undefined, name: 'TimeStamp' },
    { label: 'as a signature in query and body', method: 'POST', path: `/binance/api/v3/order?symbol=BTCUSDT&signature=${AGENT_SIGNATURE}`, body: `side=BUY&type=MARKET&quantity=0.001&signature=${AGENT_SIGNATURE}`, name: 'signature' },
  ])('refuses a parameter sent twice $label, before anything reaches Binance', async ({ method, path, body, name }) => {
    const from = setup.mock.received.length;
    const response = await agentCall(setup, method, path, { body });
    const error = agentError(response);
    expect(error.code).toBe('BINANCE_PARAMETER_DUPLICATE');
    expect(error.message).toContain(JSON.stringify(name));
    expect(setup.mock.received.length).toBe(from);
  });

  it.each([
    { path: '/api/v3/ticker/price', query: 'symbol=BTCUSDT', expected: { symbol: 'BTCUSDT', price: '60000.00000000' } },
    { path: '/api/v3/depth', query: 'symbol=BTCUSDT&limit=5', expected: { lastUpdateId: 1027024 } },
  ])('forwards public market data $path unsigned', async ({ path, query, expected }) => {
    const from = setup.mock.received.length;
    const response = await agentCall(setup, 'GET', `/binance${path}?${query}&timestamp=${AGENT_TIMESTAMP}&signature=${AGENT_SIGNATURE}`);
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject(expected);
    const [request] = arrivedSince(setup.mock, from, path);
    expect(request!.signatureValid).toBeNull();
    expect(request!.rawQuery).toBe(query);
    // Nothing else went out for it: no clock sync, no signed call.
    expect(setup.mock.received.length).toBe(from + 1);
  });
});

describe('clock offset', () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await startSetup('hmac', 'clock');
  });

  afterAll(() => stopSetup(setup));

  const placeOrder = () => agentCall(setup, 'POST', '/binance/api/v3/order', { body: 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000' });
  const orderArrivals = (from: number) => arrivedSince(setup.mock, from, '/api/v3/order').filter((request) => request.method === 'POST');

  it('stamps requests with Binance time learned from /api/v3/time, and re-syncs after -1021 without replaying the order', async () => {
    const first = await placeOrder();
    expect(first.status, first.body).toBe(200);
    // The offset came from Binance's /api/v3/time (asked once, when the key was first used).
    expect(setup.mock.received.some((request) => request.path === '/api/v3/time')).toBe(true);
    const [firstArrival] = orderArrivals(0);
    expect(firstArrival!.signatureValid).toBe(true);
    expect(Math.abs(Number(firstArrival!.params.timestamp) - (firstArrival!.at + SERVER_AHEAD_MS))).toBeLessThan(1000);

    // Binance's clock jumps 30 s back relative to what Keygate learned: its next stamp is "ahead".
    setup.mock.setServerTimeOffset(SERVER_AHEAD_MS - 30_000);
    const ordersBefore = setup.mock.orders.length;
    const from = setup.mock.received.length;
    const refused = await placeOrder();
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ code: -1021 });
    expect(setup.mock.orders.length).toBe(ordersBefore);

    // Keygate re-syncs on its own, but the refused order is the agent's to retry, never Keygate's.
    await delay(500);
    expect(orderArrivals(from)).toHaveLength(1);
    expect(setup.mock.received.slice(from).filter((request) => request.path === '/api/v3/time').length).toBeGreaterThanOrEqual(1);

    const retried = await placeOrder();
    expect(retried.status, retried.body).toBe(200);
    expect(setup.mock.orders.length).toBe(ordersBefore + 1);
    const arrivals = orderArrivals(from);
    expect(arrivals).toHaveLength(2);
    const retry = arrivals[1]!;
    expect(retry.signatureValid).toBe(true);
    expect(Math.abs(Number(retry.params.timestamp) - (retry.at + SERVER_AHEAD_MS - 30_000))).toBeLessThan(1000);
  });
});
