/**
 * The mock Binance server checks signatures the way Binance documents them. These tests sign with
 * node:crypto directly — not with Keygate's signer — so the mock is checked against the docs, not
 * against the code it will later judge. All keys are obviously fake, except the HMAC pair that
 * Binance itself publishes as its example (and which holds no account).
 */
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockBinance, type MockBinanceOptions, startMockBinance } from '../support/mock-binance';

// Binance's published example (Spot API docs, "SIGNED Endpoint Examples for POST /api/v3/order").
const DOCS_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOCS_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOCS_TIMESTAMP = 1499827319559;
const DOCS_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const DOCS_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const DOCS_MIXED_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
const DOCS_MIXED_BODY = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const DOCS_MIXED_SIGNATURE = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';
const DOCS_UNICODE_SYMBOL = '１２３４５６';
const DOCS_UNICODE_QUERY =
  'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const DOCS_UNICODE_SIGNATURE = 'e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3';

const FAKE_HMAC = { apiKey: 'fake-hmac-api-key-0000000000000000', secret: 'fake-hmac-secret-not-real-0000000000000000' };
const FAKE_ED25519_KEY = 'fake-ed25519-api-key-000000000000';
const FAKE_RSA_KEY = 'fake-rsa-api-key-00000000000000000';

const ed25519 = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const JSON_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

let mock: MockBinance | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function start(overrides: Partial<MockBinanceOptions> = {}): Promise<MockBinance> {
  mock = await startMockBinance({
    keys: [
      { apiKey: FAKE_HMAC.apiKey, kind: 'hmac', secret: FAKE_HMAC.secret },
      { apiKey: FAKE_ED25519_KEY, kind: 'ed25519', publicKeyPem: pem(ed25519.publicKey) },
      { apiKey: FAKE_RSA_KEY, kind: 'rsa', publicKeyPem: pem(rsa.publicKey) },
    ],
    ...overrides,
  });
  return mock;
}

/** A mock whose clock stands at the docs' example timestamp, knowing the docs' key and symbols. */
async function startAtDocsTime(): Promise<MockBinance> {
  return start({
    keys: [{ apiKey: DOCS_API_KEY, kind: 'hmac', secret: DOCS_SECRET }],
    serverTimeOffsetMs: DOCS_TIMESTAMP + 100 - Date.now(),
    symbols: [
      // Above the examples' BUY LIMIT at 0.1, so those orders rest as NEW.
      { symbol: 'LTCBTC', baseAsset: 'LTC', quoteAsset: 'BTC', price: '0.2' },
      { symbol: DOCS_UNICODE_SYMBOL, baseAsset: 'ONE', quoteAsset: 'BTC', price: '0.2' },
    ],
  });
}

const hmacHex = (secret: string, payload: string | Buffer) => createHmac('sha256', secret).update(payload).digest('hex');
const ed25519Signature = (payload: string) => encodeURIComponent(sign(null, Buffer.from(payload), ed25519.privateKey).toString('base64'));
const rsaBase64 = (payload: string) => sign('sha256', Buffer.from(payload), rsa.privateKey).toString('base64');

interface Sent {
  status: number;
  headers: Headers;
  json: unknown;
}

async function send(m: MockBinance, method: string, pathAndQuery: string, init: { apiKey?: string; body?: string | Uint8Array<ArrayBuffer> } = {}): Promise<Sent> {
  const headers: Record<string, string> = {};
  if (init.apiKey !== undefined) headers['X-MBX-APIKEY'] = init.apiKey;
  if (init.body !== undefined) Object.assign(headers, JSON_HEADERS);
  const response = await fetch(m.url + pathAndQuery, { method, headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? null : JSON.parse(text) };
}

/** `a=1&b=2`, values percent-encoded the way URLSearchParams does. */
const encode = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

/** Signs with the fake HMAC key over the query, the way Binance's docs do, with a fresh timestamp. */
function hmacQuery(params: Record<string, string | number>, secret = FAKE_HMAC.secret): string {
  const payload = encode({ ...params, timestamp: params.timestamp ?? Date.now() });
  return `${payload}&signature=${hmacHex(secret, payload)}`;
}

const error = (code: number) => expect.objectContaining({ code, msg: expect.any(String) });

describe('mock Binance: the docs’ own HMAC examples', () => {
  it('accepts the published signature for the example as a query string', async () => {
    const m = await startAtDocsTime();
    const res = await send(m, 'POST', `/api/v3/order?${DOCS_QUERY}&signature=${DOCS_SIGNATURE}`, { apiKey: DOCS_API_KEY });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ symbol: 'LTCBTC', status: 'NEW', side: 'BUY', type: 'LIMIT', origQty: '1.00000000', price: '0.10000000' });
    expect(m.received[0]).toMatchObject({ signatureValid: true, signedPayload: DOCS_QUERY, apiKey: DOCS_API_KEY, path: '/api/v3/order' });
    expect(m.orders).toHaveLength(1);
  });

  it('accepts it as a request body, and the mixed example concatenated without a separator', async () => {
    const m = await startAtDocsTime();
    const asBody = await send(m, 'POST', '/api/v3/order', { apiKey: DOCS_API_KEY, body: `${DOCS_QUERY}&signature=${DOCS_SIGNATURE}` });
    expect(asBody.status).toBe(200);
    const mixed = await send(m, 'POST', `/api/v3/order?${DOCS_MIXED_QUERY}`, { apiKey: DOCS_API_KEY, body: `${DOCS_MIXED_BODY}&signature=${DOCS_MIXED_SIGNATURE}` });
    expect(mixed.status).toBe(200);
    expect(m.received[1]?.signedPayload).toBe(DOCS_MIXED_QUERY + DOCS_MIXED_BODY);
    expect(m.received[1]?.params).toMatchObject({ symbol: 'LTCBTC', quantity: '1', timestamp: String(DOCS_TIMESTAMP) });
    expect(m.orders).toHaveLength(2);
  });

  it('accepts the percent-encoded non-ASCII example and decodes its symbol', async () => {
    const m = await startAtDocsTime();
    const res = await send(m, 'POST', `/api/v3/order?${DOCS_UNICODE_QUERY}&signature=${DOCS_UNICODE_SIGNATURE}`, { apiKey: DOCS_API_KEY });
    expect(res.status).toBe(200);
    expect(m.received[0]?.params.symbol).toBe(DOCS_UNICODE_SYMBOL);
    expect(m.received[0]?.signedPayload).toBe(DOCS_UNICODE_QUERY);
  });

  it('rejects a signature over the unencoded non-ASCII payload with -1022, even though it matches the bytes', async () => {
    const m = await startAtDocsTime();
    const unencoded = DOCS_UNICODE_QUERY.replace(/^symbol=[^&]+/, `symbol=${DOCS_UNICODE_SYMBOL}`);
    // Sent as raw UTF-8 bytes: Node's HTTP parser would refuse them in the request line.
    const body = new TextEncoder().encode(`${unencoded}&signature=${hmacHex(DOCS_SECRET, Buffer.from(unencoded, 'utf8'))}`);
    const res = await send(m, 'POST', '/api/v3/order', { apiKey: DOCS_API_KEY, body });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    expect(m.received[0]).toMatchObject({ signatureValid: false, signedPayload: unencoded });
    expect(m.orders).toHaveLength(0);
  });

  it('rejects an unencoded space in the body the same way', async () => {
    const m = await start();
    const payload = `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1&newClientOrderId=a b&timestamp=${Date.now()}`;
    const res = await send(m, 'POST', '/api/v3/order', { apiKey: FAKE_HMAC.apiKey, body: `${payload}&signature=${hmacHex(FAKE_HMAC.secret, payload)}` });
    expect(res.json).toEqual(error(-1022));
  });

  it('treats the hex HMAC signature as case-insensitive', async () => {
    const m = await startAtDocsTime();
    const res = await send(m, 'POST', `/api/v3/order?${DOCS_QUERY}&signature=${DOCS_SIGNATURE.toUpperCase()}`, { apiKey: DOCS_API_KEY });
    expect(res.status).toBe(200);
  });
});

describe('mock Binance: Ed25519 and RSA keys', () => {
  it('accepts an Ed25519 signature, base64 and percent-encoded, and rejects it on other parameters', async () => {
    const m = await start();
    const payload = encode({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '70000', timestamp: Date.now() });
    const good = await send(m, 'POST', `/api/v3/order?${payload}&signature=${ed25519Signature(payload)}`, { apiKey: FAKE_ED25519_KEY });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ status: 'NEW', side: 'SELL' });

    const tampered = payload.replace('quantity=1', 'quantity=2');
    const bad = await send(m, 'POST', `/api/v3/order?${tampered}&signature=${ed25519Signature(payload)}`, { apiKey: FAKE_ED25519_KEY });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(error(-1022));
    expect(m.orders).toHaveLength(1);
  });

  it('accepts an RSA (PKCS#1 v1.5, SHA-256) signature percent-encoded, not one whose "+" was left raw', async () => {
    const m = await start();
    let payload = '';
    let signature = '';
    // Find a signature holding a '+' (nearly all do), the character that breaks when left unencoded.
    for (let offset = 0; !signature.includes('+'); offset++) {
      payload = encode({ symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: '0.5', timestamp: Date.now() - offset });
      signature = rsaBase64(payload);
    }
    const good = await send(m, 'POST', `/api/v3/order?${payload}&signature=${encodeURIComponent(signature)}`, { apiKey: FAKE_RSA_KEY });
    expect(good.status).toBe(200);
    const raw = await send(m, 'POST', `/api/v3/order?${payload}&signature=${signature}`, { apiKey: FAKE_RSA_KEY });
    expect(raw.json).toEqual(error(-1022));
  });

  it('does not accept an Ed25519 signature under the RSA key', async () => {
    const m = await start();
    const payload = encode({ timestamp: Date.now() });
    const res = await send(m, 'GET', `/api/v3/account?${payload}&signature=${ed25519Signature(payload)}`, { apiKey: FAKE_RSA_KEY });
    expect(res.json).toEqual(error(-1022));
  });
});

describe('mock Binance: rejections', () => {
  it('answers a wrong signature with HTTP 400 and -1022, and records it', async () => {
    const m = await start();
    const query = hmacQuery({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' }, 'not-the-secret');
    const res = await send(m, 'POST', `/api/v3/order?${query}`, { apiKey: FAKE_HMAC.apiKey });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    expect(m.received).toHaveLength(1);
    expect(m.received[0]).toMatchObject({ method: 'POST', signatureValid: false, apiKey: FAKE_HMAC.apiKey });
    expect(m.orders).toHaveLength(0);
  });

  it('answers a stale timestamp with -1021, and one more than a second ahead too', async () => {
    const m = await start();
    const stale = await send(m, 'GET', `/api/v3/account?${hmacQuery({ timestamp: Date.now() - 6000 })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(stale.status).toBe(400);
    expect(stale.json).toEqual({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
    const ahead = await send(m, 'GET', `/api/v3/account?${hmacQuery({ timestamp: Date.now() + 5000 })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(ahead.json).toEqual(error(-1021));
  });

  it('honours recvWindow up to 60000 and refuses more', async () => {
    const m = await start();
    const wide = await send(m, 'GET', `/api/v3/account?${hmacQuery({ recvWindow: 60000, timestamp: Date.now() - 30_000 })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(wide.status).toBe(200);
    const tooWide = await send(m, 'GET', `/api/v3/account?${hmacQuery({ recvWindow: 60001 })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(tooWide.status).toBe(400);
    expect(tooWide.json).toEqual(error(-1131));
  });

  it('judges timestamps by its own clock, which setServerTimeOffset moves', async () => {
    const m = await start();
    expect((await send(m, 'GET', `/api/v3/account?${hmacQuery({})}`, { apiKey: FAKE_HMAC.apiKey })).status).toBe(200);
    m.setServerTimeOffset(10_000);
    expect((await send(m, 'GET', `/api/v3/account?${hmacQuery({})}`, { apiKey: FAKE_HMAC.apiKey })).json).toEqual(error(-1021));
    const time = (await send(m, 'GET', '/api/v3/time')).json as { serverTime: number };
    expect(time.serverTime).toBeGreaterThanOrEqual(Date.now() + 9_000);
  });

  it('answers an unknown or missing API key with HTTP 401 and -2015', async () => {
    const m = await start();
    const unknown = await send(m, 'GET', `/api/v3/account?${hmacQuery({})}`, { apiKey: 'fake-unknown-api-key' });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    const missing = await send(m, 'GET', `/api/v3/account?${hmacQuery({})}`);
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(error(-2015));
    expect(m.received.map((r) => r.apiKey)).toEqual(['fake-unknown-api-key', null]);
    expect(m.received.map((r) => r.signatureValid)).toEqual([false, false]);
  });

  it('answers a parameter sent twice with -1101, but lets the query win over the body', async () => {
    const m = await start();
    const payload = `symbol=BTCUSDT&symbol=ETHUSDT&timestamp=${Date.now()}`;
    const dup = await send(m, 'GET', `/api/v3/openOrders?${payload}&signature=${hmacHex(FAKE_HMAC.secret, payload)}`, { apiKey: FAKE_HMAC.apiKey });
    expect(dup.status).toBe(400);
    expect(dup.json).toEqual({ code: -1101, msg: 'Duplicate values for a parameter detected.' });

    const query = 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.1';
    const body = `quantity=9&timestamp=${Date.now()}`;
    const both = await send(m, 'POST', `/api/v3/order?${query}`, { apiKey: FAKE_HMAC.apiKey, body: `${body}&signature=${hmacHex(FAKE_HMAC.secret, query + body)}` });
    expect(both.status).toBe(200);
    expect(both.json).toMatchObject({ executedQty: '0.10000000' });
  });

  it('answers a missing signature or timestamp with -1102', async () => {
    const m = await start();
    const unsigned = await send(m, 'GET', `/api/v3/account?timestamp=${Date.now()}`, { apiKey: FAKE_HMAC.apiKey });
    expect(unsigned.json).toEqual(error(-1102));
    expect(m.received[0]).toMatchObject({ signatureValid: null, signedPayload: null });
    const payload = 'omitTimestamp=true';
    const noTimestamp = await send(m, 'GET', `/api/v3/account?${payload}&signature=${hmacHex(FAKE_HMAC.secret, payload)}`, { apiKey: FAKE_HMAC.apiKey });
    expect(noTimestamp.json).toEqual({ code: -1102, msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed." });
  });

  it('requires a signature on any other /api/ or /sapi/ path', async () => {
    const m = await start();
    expect((await send(m, 'POST', '/sapi/v1/capital/withdraw/apply?coin=BTC&amount=1')).json).toEqual(error(-2015));
    const signed = await send(m, 'POST', `/sapi/v1/capital/withdraw/apply?${hmacQuery({ coin: 'BTC', amount: '1' })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(signed.status).toBe(200);
    expect(m.received.map((r) => r.path)).toEqual(['/sapi/v1/capital/withdraw/apply', '/sapi/v1/capital/withdraw/apply']);
  });
});

describe('mock Binance: rate limits and forced failures', () => {
  it('failNext answers 429 (then 418) with Retry-After, then recovers', async () => {
    const m = await start();
    m.failNext(2, 429, 7);
    for (let i = 0; i < 2; i++) {
      const res = await send(m, 'GET', '/api/v3/ping');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.json).toEqual(error(-1003));
    }
    expect((await send(m, 'GET', '/api/v3/ping')).status).toBe(200);
    m.failNext(1, 418, 120);
    const banned = await send(m, 'GET', `/api/v3/account?${hmacQuery({})}`, { apiKey: FAKE_HMAC.apiKey });
    expect(banned.status).toBe(418);
    expect(banned.headers.get('retry-after')).toBe('120');
    expect(m.received).toHaveLength(4);
  });

  it('counts weight in X-MBX-USED-WEIGHT-1M: 1 a request, 20 for exchangeInfo', async () => {
    const m = await start();
    const used = async (path: string) => Number((await send(m, 'GET', path)).headers.get('x-mbx-used-weight-1m'));
    expect(await used('/api/v3/ping')).toBe(1);
    expect(await used('/api/v3/time')).toBe(2);
    expect(await used('/api/v3/exchangeInfo')).toBe(22);
    const rejected = await send(m, 'GET', `/api/v3/account?${hmacQuery({}, 'wrong')}`, { apiKey: FAKE_HMAC.apiKey });
    expect(rejected.headers.get('x-mbx-used-weight-1m')).toBe('23');
  });

  it('answers 429 with Retry-After once the minute’s weight is spent', async () => {
    const m = await start({ weightLimitPerMinute: 21 });
    const info = await send(m, 'GET', '/api/v3/exchangeInfo');
    expect((info.json as { rateLimits: unknown[] }).rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 21 });
    expect((await send(m, 'GET', '/api/v3/ping')).status).toBe(200);
    const over = await send(m, 'GET', '/api/v3/ping');
    expect(over.status).toBe(429);
    expect(over.json).toEqual(error(-1003));
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('mock Binance: orders', () => {
  it('fills a MARKET order at the symbol price and records it', async () => {
    const m = await start();
    const res = await send(m, 'POST', `/api/v3/order?${hmacQuery({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.5' })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      symbol: 'BTCUSDT',
      orderId: expect.any(Number),
      status: 'FILLED',
      executedQty: '0.50000000',
      cummulativeQuoteQty: '30000.00000000',
      fills: [expect.objectContaining({ price: '60000.00000000', qty: '0.50000000' })],
    });
    expect(res.headers.get('x-mbx-order-count-10s')).toBe('1');
    expect(m.orders).toHaveLength(1);
    expect(m.orders[0]?.params).toMatchObject({ symbol: 'BTCUSDT', quantity: '0.5' });
  });

  it('rests a LIMIT order as NEW, then finds and cancels it', async () => {
    const m = await start();
    const placed = await send(m, 'POST', `/api/v3/order?${hmacQuery({ symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '2500' })}`, { apiKey: FAKE_HMAC.apiKey });
    const { orderId } = placed.json as { orderId: number };
    expect(placed.json).toMatchObject({ status: 'NEW', executedQty: '0.00000000' });
    const open = await send(m, 'GET', `/api/v3/openOrders?${hmacQuery({ symbol: 'ETHUSDT' })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(open.json).toEqual([expect.objectContaining({ orderId, status: 'NEW' })]);
    const canceled = await send(m, 'DELETE', `/api/v3/order?${hmacQuery({ symbol: 'ETHUSDT', orderId })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(canceled.json).toMatchObject({ orderId, status: 'CANCELED' });
    const again = await send(m, 'DELETE', `/api/v3/order?${hmacQuery({ symbol: 'ETHUSDT', orderId })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(again.json).toEqual(error(-2011));
    expect(m.orders).toHaveLength(1);
  });

  it('rejectNextOrders refuses the next placements (default -2010) without recording them', async () => {
    const m = await start();
    const order = () => send(m, 'POST', `/api/v3/order?${hmacQuery({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '100' })}`, { apiKey: FAKE_HMAC.apiKey });
    m.rejectNextOrders(1);
    const refused = await order();
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
    m.rejectNextOrders(1, { status: 400, code: -1013, msg: 'Filter failure: NOTIONAL' });
    expect((await order()).json).toEqual({ code: -1013, msg: 'Filter failure: NOTIONAL' });
    expect(m.orders).toHaveLength(0);
    expect((await order()).status).toBe(200);
    expect(m.orders).toHaveLength(1);
    expect(m.received).toHaveLength(3);
  });

  it('records order lists, SOR orders and cancel-replace, but not test orders', async () => {
    const m = await start();
    const post = (path: string, params: Record<string, string>) => send(m, 'POST', `${path}?${hmacQuery(params)}`, { apiKey: FAKE_HMAC.apiKey });
    const oco = await post('/api/v3/orderList/oco', { symbol: 'BTCUSDT', side: 'SELL', quantity: '0.1', aboveType: 'LIMIT_MAKER', abovePrice: '65000', belowType: 'STOP_LOSS', belowStopPrice: '55000' });
    expect(oco.json).toMatchObject({ contingencyType: 'OCO', listOrderStatus: 'EXECUTING', orders: [expect.anything(), expect.anything()] });
    expect((await post('/api/v3/sor/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' })).json).toMatchObject({ status: 'FILLED', usedSor: true });
    const replaced = await post('/api/v3/order/cancelReplace', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '50000', cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: '1' });
    expect(replaced.json).toMatchObject({ cancelResult: 'SUCCESS', newOrderResult: 'SUCCESS', newOrderResponse: expect.objectContaining({ status: 'NEW' }) });
    expect((await post('/api/v3/order/test', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' })).json).toEqual({});
    expect(m.orders.map((o) => o.path)).toEqual(['/api/v3/orderList/oco', '/api/v3/sor/order', '/api/v3/order/cancelReplace']);
  });

  it('refuses orders from a key without spot trading, and reports its restrictions', async () => {
    const m = await start({ apiRestrictions: { [FAKE_HMAC.apiKey]: { enableSpotAndMarginTrading: false, enableWithdrawals: true } } });
    const restrictions = await send(m, 'GET', `/sapi/v1/account/apiRestrictions?${hmacQuery({})}`, { apiKey: FAKE_HMAC.apiKey });
    expect(restrictions.json).toMatchObject({ enableSpotAndMarginTrading: false, enableWithdrawals: true, enableReading: true, enableInternalTransfer: false, permitsUniversalTransfer: false, ipRestrict: false });
    const order = await send(m, 'POST', `/api/v3/order?${hmacQuery({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' })}`, { apiKey: FAKE_HMAC.apiKey });
    expect(order.status).toBe(401);
    expect(order.json).toEqual(error(-2015));
    expect(m.orders).toHaveLength(0);
  });
});

describe('mock Binance: public market data', () => {
  it('answers exchangeInfo unsigned: symbols with assets and TRADING status, and the weight limit', async () => {
    const m = await start();
    const res = await send(m, 'GET', '/api/v3/exchangeInfo');
    expect(res.status).toBe(200);
    const info = res.json as { serverTime: number; rateLimits: unknown[]; symbols: Array<Record<string, unknown>> };
    expect(info.serverTime).toEqual(expect.any(Number));
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 });
    expect(info.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'BNBUSDT', 'BTCEUR']);
    expect(info.symbols[2]).toMatchObject({ symbol: 'ETHBTC', baseAsset: 'ETH', quoteAsset: 'BTC', status: 'TRADING' });
    const one = await send(m, 'GET', '/api/v3/exchangeInfo?symbol=BNBUSDT');
    expect((one.json as typeof info).symbols).toHaveLength(1);
    expect((await send(m, 'GET', '/api/v3/exchangeInfo?symbol=NOPE')).json).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    expect(m.received[0]).toMatchObject({ apiKey: null, signatureValid: null, path: '/api/v3/exchangeInfo' });
  });

  it('answers ticker/price for one symbol, a list or all of them, with no EURUSDT', async () => {
    const m = await start();
    expect((await send(m, 'GET', '/api/v3/ticker/price?symbol=BTCUSDT')).json).toEqual({ symbol: 'BTCUSDT', price: '60000.00000000' });
    const all = (await send(m, 'GET', '/api/v3/ticker/price')).json as Array<{ symbol: string; price: string }>;
    expect(all).toContainEqual({ symbol: 'ETHBTC', price: '0.05000000' });
    expect(all).toContainEqual({ symbol: 'BTCEUR', price: '55000.00000000' });
    expect(all.map((t) => t.symbol)).not.toContain('EURUSDT');
    const list = await send(m, 'GET', `/api/v3/ticker/price?symbols=${encodeURIComponent('["BNBUSDT","ETHUSDT"]')}`);
    expect(list.json).toEqual([
      { symbol: 'BNBUSDT', price: '600.00000000' },
      { symbol: 'ETHUSDT', price: '3000.00000000' },
    ]);
    const missing = await send(m, 'GET', '/api/v3/ticker/price?symbol=EURUSDT');
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual(error(-1121));
  });

  it('answers ping, time, depth and klines', async () => {
    const m = await start();
    expect((await send(m, 'GET', '/api/v3/ping')).json).toEqual({});
    const depth = (await send(m, 'GET', '/api/v3/depth?symbol=BTCUSDT&limit=5')).json as { bids: string[][]; asks: string[][] };
    expect(depth.bids).toHaveLength(5);
    expect(Number(depth.bids[0]?.[0])).toBeLessThan(60000);
    expect(Number(depth.asks[0]?.[0])).toBeGreaterThan(60000);
    const klines = (await send(m, 'GET', '/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=3')).json as unknown[][];
    expect(klines).toHaveLength(3);
    expect(klines[0]).toHaveLength(12);
    expect((await send(m, 'GET', '/api/v3/klines?symbol=ETHUSDT&interval=7m')).json).toEqual(error(-1120));
  });
});
