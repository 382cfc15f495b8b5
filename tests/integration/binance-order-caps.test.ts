/**
 * The policy's order caps, through the built host against the mock exchange: `max_order_value_usd`
 * holds every single order (limit, market by quantity or by quote amount, non-USD quotes converted,
 * test orders too), `daily_volume_usd` holds the day's total even when 100 orders race for it, an
 * order Binance rejects (or that never left) gives its volume back while one whose outcome Binance
 * does not know (408, 5xx, -1007) stays counted, a symbol Binance lists with non-ASCII characters is
 * priced like any other, the ledger on disk shows the day's total, and the audit log names each
 * decision with the value computed — never a signature, a timestamp or a query string.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { BINANCE_LEDGER_FILE } from '../../native-host/src/proxy/proxy-runtime';
import { DEFAULT_MOCK_BINANCE_SYMBOLS, fakeBinanceKey, type FakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, auditLinesFor, binancePolicy, type ProxyHost, type RawResponse, requestIdOf, startProxyHost, waitForHostEvent } from './proxy-host';

const CAPS = { max_order_value_usd: 500, daily_volume_usd: 5000 };

interface Setup {
  mock: MockBinance;
  proxy: ProxyHost;
  key: FakeBinanceKey;
}

/** `beforeUnlock` runs once the mock is up, before the host starts and vets the key. */
async function startSetup(label: string, beforeUnlock: (mock: MockBinance) => void = () => undefined): Promise<Setup> {
  const key = fakeBinanceKey('hmac', label);
  const mock = await startMockBinance({ keys: [key.mock] });
  beforeUnlock(mock);
  const proxy = await startProxyHost({ policy: binancePolicy(mock.url, CAPS), credentials: [key.credential], agents: [{ name: 'trader', scopes: ['binance:trade'] }] });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  return { mock, proxy, key };
}

async function stopSetup(setup: Setup | undefined): Promise<void> {
  await setup?.proxy.stop();
  await setup?.mock.close();
}

function placeOrder(setup: Setup, params: string, path = '/api/v3/order'): Promise<RawResponse> {
  return setup.proxy.raw({
    method: 'POST',
    path: `/binance${path}`,
    headers: [['Authorization', `Bearer ${setup.proxy.agentKeys.trader}`], ['Content-Type', 'application/x-www-form-urlencoded']],
    body: params,
  });
}

/** The day's total in the ledger file, as written ("4980.00"); null when the file has no entry yet. */
async function ledgerToday(dataDir: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, BINANCE_LEDGER_FILE), 'utf8');
  } catch {
    return null;
  }
  const ledger = JSON.parse(text) as { format: string; days: Record<string, string> };
  expect(ledger.format).toBe('keygate-daily-volume');
  return ledger.days[new Date().toISOString().slice(0, 10)] ?? null;
}

const orderArrivals = (mock: MockBinance, from: number, path = '/api/v3/order') =>
  mock.received.slice(from).filter((request) => request.method === 'POST' && request.path === path);

describe('max_order_value_usd = 500', () => {
  let setup: Setup;
  /** Every order sent here and what its audit line must say. */
  const decisions: Array<{ requestId: string; status: number; reason: string | null; valueUsd: number | null }> = [];

  beforeAll(async () => {
    setup = await startSetup('caps');
  });

  afterAll(() => stopSetup(setup));

  /** Sends an order; checks it reached Binance exactly when `expected` is 200; records it for the audit check. */
  async function order(params: string, expected: { status: 200 } | { code: 'ORDER_VALUE_EXCEEDED' | 'ORDER_VALUE_UNKNOWN' }, valueUsd: number | null, path = '/api/v3/order') {
    const from = setup.mock.received.length;
    const response = await placeOrder(setup, params, path);
    const requestId = requestIdOf(response)!;
    if ('status' in expected) {
      expect(response.status, response.body).toBe(200);
      expect(orderArrivals(setup.mock, from, path)).toHaveLength(1);
      decisions.push({ requestId, status: 200, reason: null, valueUsd });
    } else {
      expect(agentError(response).code).toBe(expected.code);
      expect(orderArrivals(setup.mock, from, path)).toHaveLength(0);
      decisions.push({ requestId, status: response.status, reason: expected.code, valueUsd });
    }
    return response;
  }

  it('passes a LIMIT BUY worth up to $500 (quantity × price) and refuses one worth more, which never reaches Binance', async () => {
    await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.008&price=60000', { status: 200 }, 480);
    await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000', { status: 200 }, 500);
    const over = await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.009&price=60000', { code: 'ORDER_VALUE_EXCEEDED' }, 540);
    expect(agentError(over).message).toContain('$540.00');
    // One cent over is over.
    await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0100002&price=50000', { code: 'ORDER_VALUE_EXCEEDED' }, 500.01);
  });

  it('values a SELL below the market at the market price: a low limit price does not shrink it', async () => {
    await order('symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1', { code: 'ORDER_VALUE_EXCEEDED' }, 600);
  });

  it('values a MARKET order by quantity at the last price, and by quoteOrderQty', async () => {
    await order('symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.005', { status: 200 }, 300);
    await order('symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01', { code: 'ORDER_VALUE_EXCEEDED' }, 600);
    await order('symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=450', { status: 200 }, 450);
    await order('symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=500.01', { code: 'ORDER_VALUE_EXCEEDED' }, 500.01);
  });

  it('converts a BTC-quoted order (ETHBTC) to dollars through BTCUSDT', async () => {
    await order('symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=0.04', { status: 200 }, 240);
    await order('symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.01', { code: 'ORDER_VALUE_EXCEEDED' }, 600);
  });

  it('refuses an order whose quote asset has no dollar price (BTCEUR: no EURUSDT) with ORDER_VALUE_UNKNOWN', async () => {
    const response = await order('symbol=BTCEUR&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=55000', { code: 'ORDER_VALUE_UNKNOWN' }, null);
    expect(agentError(response).message).toContain('EURUSDT');
  });

  it('checks POST /api/v3/order/test against the max, but reserves nothing for it', async () => {
    const before = await ledgerToday(setup.proxy.dataDir);
    await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.009&price=60000', { code: 'ORDER_VALUE_EXCEEDED' }, 540, '/api/v3/order/test');
    await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.008&price=60000', { status: 200 }, 480, '/api/v3/order/test');
    expect(await ledgerToday(setup.proxy.dataDir)).toBe(before);
  });

  it('keeps the day\'s total of the orders it let through in the ledger file', async () => {
    // 480 + 500 + 300 + 450 + 240; refused and test orders count for nothing.
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('1970.00');
  });

  it('audits each decision with the value it computed, and no signature, timestamp or query string', async () => {
    const lines = new Map((await auditLinesFor(setup.proxy.dataDir, decisions.map((decision) => decision.requestId))).map((line) => [line.requestId, line]));
    for (const decision of decisions) {
      const line = lines.get(decision.requestId)!;
      expect(line, decision.requestId).toBeDefined();
      expect(line.status).toBe(decision.status);
      expect(line.reason).toBe(decision.reason);
      if (decision.reason === null) expect(line.decision).toBe('allowed');
      else expect(line.decision).toBe('blocked');
      expect(line.path).toMatch(/^\/binance\/api\/v3\/order(\/test)?$/);
      expect(line.detail?.orderValueUsd ?? null).toBe(decision.valueUsd);
      expect(line.credentialId === null).toBe(decision.reason !== null);
    }
    const sent = setup.mock.received.filter((request) => request.params.signature !== undefined);
    expect(sent.length).toBeGreaterThan(0);
    const auditText = await readFile(join(setup.proxy.dataDir, 'audit.log'), 'utf8');
    for (const request of sent) {
      expect(auditText).not.toContain(request.params.signature!);
      expect(auditText).not.toContain(request.params.timestamp!);
      expect(auditText).not.toContain(request.rawQuery);
    }
    for (const fragment of ['signature', 'timestamp', 'recvWindow', 'symbol=', 'quantity=', '?', setup.key.apiKey, setup.key.privateText]) {
      expect(auditText).not.toContain(fragment);
    }
  });
});

describe('daily_volume_usd = 5000', () => {
  let setup: Setup;
  const sixtyDollars = 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000';
  const twentyDollars = 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=20';

  beforeAll(async () => {
    setup = await startSetup('race');
  });

  afterAll(() => stopSetup(setup));

  it('lets exactly 83 of 100 concurrent $60 orders through; the rest are refused before reaching Binance', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, () => placeOrder(setup, sixtyDollars)));
    const placed = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200).map((response) => agentError(response).code);
    expect(placed).toHaveLength(83);
    expect(refused).toEqual(Array.from({ length: 17 }, () => 'DAILY_VOLUME_EXCEEDED'));
    // What Binance received is what the cap allows: 83 × $60 = $4980 ≤ $5000 < 84 × $60.
    expect(setup.mock.orders).toHaveLength(83);
    const total = setup.mock.orders.reduce((sum, request) => sum + Number(request.params.quantity) * Number(request.params.price), 0);
    expect(total).toBeCloseTo(4980, 6);
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('4980.00');
  });

  it('gives back the reservation of an order Binance rejects: the next order fits again', async () => {
    setup.mock.rejectNextOrders(1);
    const rejected = await placeOrder(setup, twentyDollars);
    expect(rejected.status).toBe(400);
    expect(JSON.parse(rejected.body)).toMatchObject({ code: -2010 });
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('4980.00');

    // $4980 + $20 = $5000: fits only because the rejected $20 was released.
    const ordersBefore = setup.mock.orders.length;
    const fits = await placeOrder(setup, twentyDollars);
    expect(fits.status, fits.body).toBe(200);
    expect(setup.mock.orders).toHaveLength(ordersBefore + 1);
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('5000.00');

    const from = setup.mock.received.length;
    const full = agentError(await placeOrder(setup, 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=0.01'));
    expect(full.code).toBe('DAILY_VOLUME_EXCEEDED');
    expect(full.message).toContain('$5000.00 of $5000');
    expect(orderArrivals(setup.mock, from)).toHaveLength(0);

    const [releasedLine] = await auditLinesFor(setup.proxy.dataDir, [requestIdOf(rejected)!]);
    expect(releasedLine?.detail).toMatchObject({ orderValueUsd: 20, reservationReleased: true, binanceStatus: 400 });
  });

  it('audits every raced order with its value, and the refused ones with DAILY_VOLUME_EXCEEDED', async () => {
    const lines: AuditRecord[] = (await readAuditLines(setup.proxy.dataDir)).filter((line) => line.method === 'POST' && line.detail?.orderValueUsd === 60);
    expect(lines).toHaveLength(100);
    expect(lines.filter((line) => line.status === 200)).toHaveLength(83);
    expect(lines.filter((line) => line.reason === 'DAILY_VOLUME_EXCEEDED')).toHaveLength(17);
    // Each allowed line says how much of the day was used once it was booked: $60, $120, … $4980.
    const used = lines.filter((line) => line.status === 200).map((line) => line.detail?.dailyVolumeUsedUsd as number).sort((a, b) => a - b);
    expect(used).toEqual(Array.from({ length: 83 }, (_, index) => (index + 1) * 60));
  });
});

describe('an order that never left', () => {
  let setup: Setup;

  afterAll(() => stopSetup(setup));

  it('gives its volume back when Keygate could not learn Binance\'s time to sign it', async () => {
    // Binance's /api/v3/time fails when the key is vetted at unlock, and again for the first order,
    // which therefore is never signed nor sent.
    setup = await startSetup('unsent', (mock) => mock.failNext(2, 503, 0, { path: '/api/v3/time' }));
    const { mock, proxy } = setup;
    const failed = await placeOrder(setup, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.005&price=60000');
    expect(agentError(failed).code).toBe('UPSTREAM_UNREACHABLE');
    expect(orderArrivals(mock, 0)).toHaveLength(0);
    expect(await ledgerToday(proxy.dataDir)).toBe('0.00');

    const placed = await placeOrder(setup, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.005&price=60000');
    expect(placed.status, placed.body).toBe(200);
    expect(await ledgerToday(proxy.dataDir)).toBe('300.00');
  });
});

describe('an order whose outcome Binance does not know', () => {
  let setup: Setup;
  const twentyDollars = 'symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=20';

  beforeAll(async () => {
    setup = await startSetup('unknown');
  });

  afterAll(() => stopSetup(setup));

  it('stays counted after a 408 (-1007 "execution status unknown"), a 503 or a -1006 in a 4xx; only a rejection gives its volume back', async () => {
    const answers = [
      { error: { status: 408, code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' }, kept: true },
      { error: { status: 503, code: -1000, msg: 'An unknown error occurred while processing the request.' }, kept: true },
      { error: { status: 400, code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' }, kept: true },
      { error: { status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.' }, kept: false },
      { error: { status: 429, code: -1015, msg: 'Too many new orders; current limit is 100 orders per 10 SECOND.' }, kept: false },
    ];
    const requestIds: string[] = [];
    for (const { error } of answers) {
      setup.mock.rejectNextOrders(1, error);
      const response = await placeOrder(setup, twentyDollars);
      expect(response.status).toBe(error.status);
      expect(JSON.parse(response.body)).toMatchObject({ code: error.code });
      requestIds.push(requestIdOf(response)!);
    }

    // Three unknown outcomes of $20 each stay on the day; the two rejections were given back.
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('60.00');
    const lines = new Map((await auditLinesFor(setup.proxy.dataDir, requestIds)).map((line) => [line.requestId, line]));
    answers.forEach(({ error, kept }, index) => {
      expect(lines.get(requestIds[index]!)?.detail, `HTTP ${error.status} ${error.code}`).toMatchObject({
        orderValueUsd: 20,
        binanceStatus: error.status,
        reservationReleased: !kept,
        reservationVerdict: expect.stringContaining(kept ? 'execution status unknown' : 'rejected'),
      });
    });
  });
});

describe('symbols Binance lists with non-ASCII characters', () => {
  let setup: Setup;
  const LISTED = '币安人生USDT';

  beforeAll(async () => {
    const key = fakeBinanceKey('hmac', 'unicode');
    const mock = await startMockBinance({
      keys: [key.mock],
      symbols: [...DEFAULT_MOCK_BINANCE_SYMBOLS, { symbol: LISTED, baseAsset: '币安人生', quoteAsset: 'USDT', price: '0.25' }],
    });
    const proxy = await startProxyHost({ policy: binancePolicy(mock.url, CAPS), credentials: [key.credential], agents: [{ name: 'trader', scopes: ['binance:trade'] }] });
    await waitForHostEvent(proxy.host, 'binance.restrictions');
    setup = { mock, proxy, key };
  });

  afterAll(() => stopSetup(setup));

  it('prices and places an order on a listed symbol, signed over the percent-encoded bytes sent', async () => {
    const from = setup.mock.received.length;
    // 400 × the last price 0.25 = $100: the value needs the symbol's ticker, looked up by its own name.
    const response = await placeOrder(setup, `symbol=${encodeURIComponent(LISTED)}&side=BUY&type=MARKET&quantity=400`);

    expect(response.status, response.body).toBe(200);
    const [order] = orderArrivals(setup.mock, from);
    expect(order?.params.symbol).toBe(LISTED);
    expect(order?.signatureValid).toBe(true);
    expect(order?.rawQuery).toContain(`symbol=${encodeURIComponent(LISTED)}`);
    const [line] = await auditLinesFor(setup.proxy.dataDir, [requestIdOf(response)!]);
    expect(line?.detail).toMatchObject({ orderValueUsd: 100, orderValueBasis: 'quantity × last price 0.25' });
    expect(await ledgerToday(setup.proxy.dataDir)).toBe('100.00');
  });

  it('still refuses a symbol Binance does not list, before anything is sent', async () => {
    const from = setup.mock.received.length;
    const refused = agentError(await placeOrder(setup, `symbol=${encodeURIComponent('币安死USDT')}&side=BUY&type=MARKET&quoteOrderQty=10`));
    expect(refused.code).toBe('ORDER_VALUE_UNKNOWN');
    expect(orderArrivals(setup.mock, from)).toHaveLength(0);
  });
});
