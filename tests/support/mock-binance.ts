/**
 * A real HTTP server on loopback standing in for the Binance Spot REST API (api.binance.com).
 *
 * It checks SIGNED requests the way Binance documents it (developers.binance.com, Spot API,
 * "Request Security"; errors.md), and records everything that reached it:
 *
 * - The API key comes in the `X-MBX-APIKEY` header; an unknown or missing key is -2015 (HTTP 401).
 * - The signature payload is the query string concatenated, without a separator, with the request
 *   body — exactly the bytes received, minus the `signature` parameter wherever it was sent.
 * - HMAC-SHA256 keys: hex signature, case-insensitive. Ed25519 and RSA (RSASSA-PKCS1-v1_5, SHA-256)
 *   keys: base64 signature, case-sensitive, percent-encoded in the request (an unencoded `+` reads
 *   as a space and fails).
 * - Since 2026-01-15 a payload must be percent-encoded before signing: a payload that still holds
 *   characters that must be encoded (non-ASCII, space, control characters) is -1022 even when the
 *   signature matches its bytes.
 * - `timestamp` (ms, or µs) must satisfy `timestamp < serverTime + 1000` and
 *   `serverTime - timestamp <= recvWindow` (default 5000, at most 60000), else -1021.
 * - A parameter sent twice in the query (or twice in the body) is -1101; one sent in both, the
 *   query's value wins, as Binance documents.
 * - Every response carries `X-MBX-USED-WEIGHT-1M`: the weight used over the rolling minute
 *   (1 a request, 20 for exchangeInfo). Past `weightLimitPerMinute` the answer is 429 (-1003) with
 *   `Retry-After`; `failNext` forces 429/418 answers (or a 503), on every path or on one.
 * - `setOrderLatency` holds the answer to accepted order placements, so a client can die while an
 *   order is on the exchange but not yet confirmed.
 * - Errors are `{"code": -1022, "msg": "..."}` with HTTP 400 (401 for -2015).
 *
 * Node's HTTP parser itself refuses a request line holding raw non-ASCII bytes or spaces (HTTP 400
 * before any handler runs), so an unencoded payload can only reach this server through the body.
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type MockBinanceKey =
  | { apiKey: string; kind: 'hmac'; secret: string }
  | { apiKey: string; kind: 'ed25519' | 'rsa'; publicKeyPem: string };

export interface MockBinanceSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  price: string;
}

export interface MockBinanceApiRestrictions {
  enableWithdrawals: boolean;
  enableInternalTransfer: boolean;
  permitsUniversalTransfer: boolean;
  enableSpotAndMarginTrading: boolean;
  enableReading: boolean;
}

export interface MockBinanceOptions {
  keys: MockBinanceKey[];
  /** Server clock = Date.now() + offset. */
  serverTimeOffsetMs?: number;
  /** Default: BTCUSDT 60000, ETHUSDT 3000, ETHBTC 0.05, BNBUSDT 600, BTCEUR 55000 (no EURUSDT: EUR has no USDT price). */
  symbols?: MockBinanceSymbol[];
  /** exchangeInfo's REQUEST_WEIGHT per minute, enforced with 429; default 6000. */
  weightLimitPerMinute?: number;
  /** Per API key; what is not given takes Binance's defaults for a new key (reading and spot trading on, the rest off). */
  apiRestrictions?: Record<string, Partial<MockBinanceApiRestrictions>>;
}

export interface MockBinanceRequest {
  method: string;
  path: string;
  /** After `?`, exactly as received (still percent-encoded). */
  rawQuery: string;
  /** As received (decoded as UTF-8 for reading; the signature is checked over the raw bytes). */
  body: string;
  headers: IncomingHttpHeaders;
  /** The `X-MBX-APIKEY` header, or null. */
  apiKey: string | null;
  /** Query and body parameters, decoded; the query's value wins when both hold one, the first when one is repeated. */
  params: Record<string, string>;
  /** null: no `signature` parameter. false: unknown key, unencoded payload or a signature that does not verify. */
  signatureValid: boolean | null;
  /** What the signature was checked against (`rawQuery` + `body` without `signature`), or null when unsigned. */
  signedPayload: string | null;
  /** Date.now() when it arrived. */
  at: number;
}

export interface MockBinanceError {
  status: number;
  code: number;
  msg: string;
}

export interface MockBinance {
  url: string;
  /** Everything that reached the server, valid or not, in order. */
  received: MockBinanceRequest[];
  /** Accepted order placements: POST /api/v3/order, /api/v3/orderList/*, /api/v3/order/oco, /api/v3/sor/order, /api/v3/order/cancelReplace. */
  orders: MockBinanceRequest[];
  /** The next `count` order placements that pass authentication are refused (default -2010, insufficient balance). */
  rejectNextOrders(count: number, error?: MockBinanceError): void;
  /**
   * The next `count` requests, whatever they are (only those on `options.path` when given), answer
   * `status` with `Retry-After` (429/418: -1003; 503: -1001, an internal error, no Retry-After).
   */
  failNext(count: number, status: MockBinanceFailureStatus, retryAfterSeconds: number, options?: { path?: string }): void;
  /** Accepted order placements are recorded (in `received` and `orders`) at once, answered `ms` later. */
  setOrderLatency(ms: number): void;
  /** Called the instant an order placement is accepted, before it is answered (null: no listener). */
  onOrderReceived(listener: ((request: MockBinanceRequest) => void) | null): void;
  setServerTimeOffset(ms: number): void;
  close(): Promise<void>;
}

export type MockBinanceFailureStatus = 429 | 418 | 503;

export const DEFAULT_MOCK_BINANCE_SYMBOLS: readonly MockBinanceSymbol[] = Object.freeze([
  { symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT', price: '60000' },
  { symbol: 'ETHUSDT', baseAsset: 'ETH', quoteAsset: 'USDT', price: '3000' },
  { symbol: 'ETHBTC', baseAsset: 'ETH', quoteAsset: 'BTC', price: '0.05' },
  { symbol: 'BNBUSDT', baseAsset: 'BNB', quoteAsset: 'USDT', price: '600' },
  { symbol: 'BTCEUR', baseAsset: 'BTC', quoteAsset: 'EUR', price: '55000' },
]);

const DEFAULT_RESTRICTIONS: MockBinanceApiRestrictions = {
  enableReading: true,
  enableSpotAndMarginTrading: true,
  enableWithdrawals: false,
  enableInternalTransfer: false,
  permitsUniversalTransfer: false,
};

const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60_000;
const MINUTE = 60_000;

/** Public market data (security type NONE): no key, no signature. */
const PUBLIC_PATHS = new Set([
  '/api/v3/ping',
  '/api/v3/time',
  '/api/v3/exchangeInfo',
  '/api/v3/depth',
  '/api/v3/trades',
  '/api/v3/historicalTrades',
  '/api/v3/aggTrades',
  '/api/v3/klines',
  '/api/v3/uiKlines',
  '/api/v3/avgPrice',
  '/api/v3/ticker/24hr',
  '/api/v3/ticker/tradingDay',
  '/api/v3/ticker/price',
  '/api/v3/ticker/bookTicker',
  '/api/v3/ticker',
]);

/** listenKey management (USER_STREAM): an API key, no signature. */
const USER_STREAM_PATH = '/api/v3/userDataStream';

const ORDER_LIST_KINDS: Record<string, { contingencyType: string }> = {
  oco: { contingencyType: 'OCO' },
  oto: { contingencyType: 'OTO' },
  otoco: { contingencyType: 'OTO' },
  opo: { contingencyType: 'OTO' },
  opoco: { contingencyType: 'OTO' },
};

const KLINE_INTERVALS: Record<string, number> = {
  '1s': 1000,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '8h': 480 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': 1440 * MINUTE,
  '3d': 3 * 1440 * MINUTE,
  '1w': 7 * 1440 * MINUTE,
  '1M': 30 * 1440 * MINUTE,
};

class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

const errors = {
  invalidKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  outsideRecvWindow: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  aheadOfServer: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badRecvWindow: () => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  duplicate: () => new BinanceError(400, -1101, 'Duplicate values for a parameter detected.'),
  mandatory: (name: string) => new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidInterval: () => new BinanceError(400, -1120, 'Invalid interval.'),
  invalidSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  noSuchOrder: () => new BinanceError(400, -2013, 'Order does not exist.'),
  unknownOrder: () => new BinanceError(400, -2011, 'Unknown order sent.'),
};

// ---------------------------------------------------------------------------------------------
// Parameters, bytes and signatures

/** Splits raw `a=1&b=2` (a latin1 string: one char per byte) into `[name, value]`, form-decoded, empty segments skipped. */
function parseRawParams(raw: string): { pairs: Array<[string, string]>; duplicate: boolean } {
  const pairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  let duplicate = false;
  for (const segment of raw.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = formDecode(eq < 0 ? segment : segment.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(segment.slice(eq + 1));
    if (seen.has(name)) duplicate = true;
    seen.add(name);
    pairs.push([name, value]);
  }
  return { pairs, duplicate };
}

/** application/x-www-form-urlencoded decoding of a latin1 byte string: `+` is a space, bad `%` escapes stay as they are. */
function formDecode(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2b) bytes.push(0x20);
    else if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The raw parameter string without its `signature=` segments, every other byte left as it was. */
function withoutSignature(raw: string): string {
  if (raw === '') return raw;
  return raw
    .split('&')
    .filter((segment) => formDecode(segment.split('=', 1)[0] ?? '') !== 'signature')
    .join('&');
}

/** True when every byte is printable ASCII other than a space: what percent-encoding leaves. */
function isPercentEncoded(latin1: string): boolean {
  for (let i = 0; i < latin1.length; i++) {
    const c = latin1.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

type LoadedKey = { kind: 'hmac'; secret: string } | { kind: 'ed25519' | 'rsa'; publicKey: KeyObject };

function loadKey(key: MockBinanceKey): LoadedKey {
  if (key.kind === 'hmac') return { kind: 'hmac', secret: key.secret };
  const publicKey = createPublicKey(key.publicKeyPem);
  const type = publicKey.asymmetricKeyType;
  if ((key.kind === 'ed25519' && type !== 'ed25519') || (key.kind === 'rsa' && type !== 'rsa')) {
    throw new Error(`mock Binance: key ${key.apiKey} is declared ${key.kind} but its PEM holds a ${type} key`);
  }
  return { kind: key.kind, publicKey };
}

function signatureMatches(key: LoadedKey, payload: Buffer, signature: string): boolean {
  if (key.kind === 'hmac') {
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
    const expected = createHmac('sha256', key.secret).update(payload).digest();
    return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  }
  // Base64, strictly: a `+` the client forgot to percent-encode arrives as a space and fails here.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || signature.length % 4 !== 0) return false;
  const bytes = Buffer.from(signature, 'base64');
  try {
    return key.kind === 'ed25519'
      ? verifySignature(null, payload, key.publicKey, bytes)
      : verifySignature('sha256', payload, key.publicKey, bytes);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers as Binance prints them

const fmt = (value: number): string => (Number.isFinite(value) ? value : 0).toFixed(8);

function num(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

// ---------------------------------------------------------------------------------------------
// The server

interface StoredOrder {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: string;
  timeInForce: string;
  type: string;
  side: string;
  stopPrice: string;
  icebergQty: string;
  time: number;
  updateTime: number;
  isWorking: boolean;
  workingTime: number;
  origQuoteOrderQty: string;
  selfTradePreventionMode: string;
  /** Set when it filled. */
  fillPrice?: number;
  tradeId?: number;
}

interface Context {
  method: string;
  path: string;
  params: Record<string, string>;
  apiKey: string | null;
  record: MockBinanceRequest;
  now: number;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export async function startMockBinance(options: MockBinanceOptions): Promise<MockBinance> {
  const keys = new Map<string, LoadedKey>();
  for (const key of options.keys) keys.set(key.apiKey, loadKey(key));
  const symbols = new Map((options.symbols ?? DEFAULT_MOCK_BINANCE_SYMBOLS).map((s) => [s.symbol, { ...s }]));
  const weightLimit = options.weightLimitPerMinute ?? 6000;
  let serverTimeOffset = options.serverTimeOffsetMs ?? 0;
  const serverTime = () => Date.now() + serverTimeOffset;

  const received: MockBinanceRequest[] = [];
  const orders: MockBinanceRequest[] = [];
  const stored = new Map<number, StoredOrder>();
  const weightLog: Array<{ at: number; weight: number }> = [];
  const orderLog: number[] = [];
  let failures: { count: number; status: MockBinanceFailureStatus; retryAfterSeconds: number; path: string | null } = { count: 0, status: 429, retryAfterSeconds: 0, path: null };
  let orderLatencyMs = 0;
  let orderListener: ((request: MockBinanceRequest) => void) | null = null;
  let rejections: { count: number; error: MockBinanceError } = { count: 0, error: insufficientBalance() };
  let nextOrderId = 1000;
  let nextOrderListId = 100;
  let nextTradeId = 5000;
  const createTime = Date.now() - 30 * 24 * 3600 * 1000;

  function restrictionsOf(apiKey: string): MockBinanceApiRestrictions {
    return { ...DEFAULT_RESTRICTIONS, ...(options.apiRestrictions?.[apiKey] ?? {}) };
  }

  function usedWeight(now: number): number {
    while (weightLog.length > 0 && (weightLog[0]?.at ?? now) <= now - MINUTE) weightLog.shift();
    return weightLog.reduce((sum, entry) => sum + entry.weight, 0);
  }

  function secondsUntilWeightFrees(now: number): number {
    const oldest = weightLog[0]?.at ?? now;
    return Math.max(1, Math.ceil((oldest + MINUTE - now) / 1000));
  }

  function symbolOf(params: Record<string, string>): MockBinanceSymbol {
    const name = params.symbol;
    if (name === undefined || name === '') throw errors.mandatory('symbol');
    const found = symbols.get(name);
    if (!found) throw errors.invalidSymbol();
    return found;
  }

  /** `symbols=["A","B"]` (JSON, percent-encoded or not). */
  function symbolListOf(params: Record<string, string>): MockBinanceSymbol[] | null {
    if (params.symbols === undefined) return null;
    let names: unknown;
    try {
      names = JSON.parse(params.symbols);
    } catch {
      throw new BinanceError(400, -1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
    }
    if (!Array.isArray(names)) throw errors.mandatory('symbols');
    return names.map((name) => {
      const found = typeof name === 'string' ? symbols.get(name) : undefined;
      if (!found) throw errors.invalidSymbol();
      return found;
    });
  }

  // -- public market data -------------------------------------------------------------------

  function exchangeSymbol(s: MockBinanceSymbol) {
    return {
      symbol: s.symbol,
      status: 'TRADING',
      baseAsset: s.baseAsset,
      baseAssetPrecision: 8,
      quoteAsset: s.quoteAsset,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      opoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      amendAllowed: true,
      pegInstructionsAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.00000001', maxPrice: '1000000.00000000', tickSize: '0.00000001' },
        { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '9000.00000000', stepSize: '0.00000001' },
        { filterType: 'NOTIONAL', minNotional: '0.00000100', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT'],
    };
  }

  function publicAnswer(ctx: Context): unknown {
    const { path, params } = ctx;
    const now = serverTime();
    switch (path) {
      case '/api/v3/ping':
        return {};
      case '/api/v3/time':
        return { serverTime: now };
      case '/api/v3/exchangeInfo': {
        const list = params.symbol !== undefined ? [symbolOf(params)] : (symbolListOf(params) ?? [...symbols.values()]);
        return {
          timezone: 'UTC',
          serverTime: now,
          rateLimits: [
            { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimit },
            { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
            { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
            { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 300000 },
          ],
          exchangeFilters: [],
          symbols: list.map(exchangeSymbol),
        };
      }
      case '/api/v3/ticker/price': {
        const one = (s: MockBinanceSymbol) => ({ symbol: s.symbol, price: fmt(Number(s.price)) });
        if (params.symbol !== undefined) return one(symbolOf(params));
        return (symbolListOf(params) ?? [...symbols.values()]).map(one);
      }
      case '/api/v3/ticker/bookTicker': {
        const one = (s: MockBinanceSymbol) => {
          const p = Number(s.price);
          return { symbol: s.symbol, bidPrice: fmt(p * 0.9999), bidQty: '1.00000000', askPrice: fmt(p * 1.0001), askQty: '1.00000000' };
        };
        if (params.symbol !== undefined) return one(symbolOf(params));
        return (symbolListOf(params) ?? [...symbols.values()]).map(one);
      }
      case '/api/v3/ticker/24hr':
      case '/api/v3/ticker/tradingDay':
      case '/api/v3/ticker': {
        const one = (s: MockBinanceSymbol) => {
          const p = Number(s.price);
          return {
            symbol: s.symbol,
            priceChange: fmt(p * 0.01),
            priceChangePercent: '1.010',
            weightedAvgPrice: fmt(p * 0.995),
            prevClosePrice: fmt(p * 0.99),
            lastPrice: fmt(p),
            lastQty: '0.01000000',
            bidPrice: fmt(p * 0.9999),
            bidQty: '1.00000000',
            askPrice: fmt(p * 1.0001),
            askQty: '1.00000000',
            openPrice: fmt(p * 0.99),
            highPrice: fmt(p * 1.02),
            lowPrice: fmt(p * 0.98),
            volume: '1000.00000000',
            quoteVolume: fmt(p * 1000),
            openTime: now - 24 * 3600 * 1000,
            closeTime: now,
            firstId: 1,
            lastId: 1000,
            count: 1000,
          };
        };
        if (params.symbol !== undefined) return one(symbolOf(params));
        const list = symbolListOf(params);
        if (path !== '/api/v3/ticker/24hr' && list === null) throw errors.mandatory('symbol');
        return (list ?? [...symbols.values()]).map(one);
      }
      case '/api/v3/avgPrice': {
        const s = symbolOf(params);
        return { mins: 5, price: fmt(Number(s.price)), closeTime: now };
      }
      case '/api/v3/depth': {
        const p = Number(symbolOf(params).price);
        const levels = Math.min(Math.max(1, num(params.limit) ?? 100), 20);
        const side = (sign: number) => Array.from({ length: levels }, (_, i) => [fmt(p * (1 + (sign * (i + 1)) / 10_000)), fmt(0.5 + i / 10)]);
        return { lastUpdateId: 1027024, bids: side(-1), asks: side(1) };
      }
      case '/api/v3/trades':
      case '/api/v3/historicalTrades': {
        const p = Number(symbolOf(params).price);
        const count = Math.min(Math.max(1, num(params.limit) ?? 500), 10);
        return Array.from({ length: count }, (_, i) => ({
          id: 28457 + i,
          price: fmt(p),
          qty: '0.01000000',
          quoteQty: fmt(p * 0.01),
          time: now - (count - i) * 1000,
          isBuyerMaker: i % 2 === 0,
          isBestMatch: true,
        }));
      }
      case '/api/v3/aggTrades': {
        const p = Number(symbolOf(params).price);
        const count = Math.min(Math.max(1, num(params.limit) ?? 500), 10);
        return Array.from({ length: count }, (_, i) => ({ a: 26129 + i, p: fmt(p), q: '0.01000000', f: 27781 + i, l: 27781 + i, T: now - (count - i) * 1000, m: i % 2 === 0, M: true }));
      }
      case '/api/v3/klines':
      case '/api/v3/uiKlines': {
        const p = Number(symbolOf(params).price);
        const interval = params.interval;
        if (interval === undefined || interval === '') throw errors.mandatory('interval');
        const step = KLINE_INTERVALS[interval];
        if (step === undefined) throw errors.invalidInterval();
        const count = Math.min(Math.max(1, num(params.limit) ?? 500), 1000);
        const end = num(params.endTime) ?? now;
        const lastOpen = Math.floor(end / step) * step;
        return Array.from({ length: count }, (_, i) => {
          const open = lastOpen - (count - 1 - i) * step;
          return [open, fmt(p), fmt(p * 1.001), fmt(p * 0.999), fmt(p), '10.00000000', open + step - 1, fmt(p * 10), 100, '5.00000000', fmt(p * 5), '0'];
        });
      }
      default:
        return {};
    }
  }

  // -- orders -------------------------------------------------------------------------------

  /**
   * Books an order: MARKET, and a LIMIT whose price crosses the symbol's, fill at the symbol's
   * price; everything else rests as NEW. `resting` books it as NEW whatever it is (order-list legs).
   */
  function newOrder(params: Record<string, string>, now: number, orderListId = -1, resting = false): StoredOrder {
    const s = symbolOf(params);
    const side = params.side;
    if (side === undefined || side === '') throw errors.mandatory('side');
    if (side !== 'BUY' && side !== 'SELL') throw errors.invalidSide();
    const type = params.type;
    if (type === undefined || type === '') throw errors.mandatory('type');
    const market = num(s.price) ?? 0;
    const quantity = num(params.quantity);
    const quoteOrderQty = num(params.quoteOrderQty);
    const limitPrice = num(params.price);
    if (type === 'MARKET' && quantity === null && quoteOrderQty === null) {
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (type !== 'MARKET' && !resting) {
      if (quantity === null) throw errors.mandatory('quantity');
      if ((type === 'LIMIT' || type === 'LIMIT_MAKER') && limitPrice === null) throw errors.mandatory('price');
    }
    const crosses = limitPrice !== null && (side === 'BUY' ? limitPrice >= market : limitPrice <= market);
    if (type === 'LIMIT_MAKER' && crosses && !resting) throw new BinanceError(400, -2010, 'Order would immediately match and take.');

    const orderId = nextOrderId++;
    const order: StoredOrder = {
      symbol: s.symbol,
      orderId,
      orderListId,
      clientOrderId: params.newClientOrderId ?? `mock${orderId.toString(36)}${now.toString(36)}`,
      price: fmt(limitPrice ?? 0),
      origQty: fmt(quantity ?? 0),
      executedQty: fmt(0),
      cummulativeQuoteQty: fmt(0),
      status: 'NEW',
      timeInForce: params.timeInForce ?? 'GTC',
      type,
      side,
      stopPrice: fmt(num(params.stopPrice) ?? 0),
      icebergQty: fmt(num(params.icebergQty) ?? 0),
      time: now,
      updateTime: now,
      isWorking: true,
      workingTime: now,
      origQuoteOrderQty: fmt(quoteOrderQty ?? 0),
      selfTradePreventionMode: params.selfTradePreventionMode ?? 'EXPIRE_MAKER',
    };
    if (!resting && (type === 'MARKET' || (type === 'LIMIT' && crosses))) {
      // A taker fills at the book's price, which a crossing limit price is no worse than.
      const fillPrice = market;
      const filled = quantity ?? (quoteOrderQty ?? 0) / (fillPrice || 1);
      Object.assign(order, {
        origQty: fmt(filled),
        executedQty: fmt(filled),
        cummulativeQuoteQty: fmt(filled * fillPrice),
        status: 'FILLED',
        isWorking: false,
        fillPrice,
        tradeId: nextTradeId++,
      });
    }
    stored.set(orderId, order);
    orderLog.push(now);
    return order;
  }

  /** The legs of an order list, from the parameters each list type documents (prefix `working`, `pendingAbove`…). */
  function orderListLegs(kind: string, params: Record<string, string>): Array<Record<string, string | undefined>> {
    const leg = (prefix: string, fallbackType: string, fallbackSide?: string) => {
      const at = (name: string) => params[prefix === '' ? name : `${prefix}${name[0]?.toUpperCase()}${name.slice(1)}`];
      return {
        symbol: params.symbol,
        side: at('side') ?? fallbackSide ?? params.side ?? 'BUY',
        type: at('type') ?? fallbackType,
        quantity: at('quantity') ?? params.quantity ?? params.workingQuantity,
        price: at('price'),
        stopPrice: at('stopPrice'),
        timeInForce: at('timeInForce'),
        newClientOrderId: at('clientOrderId'),
      };
    };
    switch (kind) {
      case 'oco':
        return [leg('below', 'STOP_LOSS_LIMIT'), leg('above', 'LIMIT_MAKER')];
      case 'oto':
      case 'opo':
        return [leg('working', 'LIMIT'), leg('pending', 'LIMIT')];
      case 'otoco':
      case 'opoco':
        return [leg('working', 'LIMIT'), leg('pendingBelow', 'STOP_LOSS_LIMIT', params.pendingSide), leg('pendingAbove', 'LIMIT_MAKER', params.pendingSide)];
      default:
        return [leg('', 'LIMIT'), leg('', 'LIMIT')];
    }
  }

  function placementAnswer(order: StoredOrder, respType: string | undefined, extra: Record<string, unknown> = {}) {
    const ack = { symbol: order.symbol, orderId: order.orderId, orderListId: order.orderListId, clientOrderId: order.clientOrderId, transactTime: order.time, ...extra };
    if (respType === 'ACK') return ack;
    const result = {
      ...ack,
      price: order.price,
      origQty: order.origQty,
      executedQty: order.executedQty,
      origQuoteOrderQty: order.origQuoteOrderQty,
      cummulativeQuoteQty: order.cummulativeQuoteQty,
      status: order.status,
      timeInForce: order.timeInForce,
      type: order.type,
      side: order.side,
      workingTime: order.workingTime,
      selfTradePreventionMode: order.selfTradePreventionMode,
    };
    if (respType === 'RESULT') return result;
    const quoteAsset = symbols.get(order.symbol)?.quoteAsset ?? 'USDT';
    const fills =
      order.status === 'FILLED' && order.fillPrice !== undefined
        ? [{ price: fmt(order.fillPrice), qty: order.executedQty, commission: fmt(0), commissionAsset: quoteAsset, tradeId: order.tradeId }]
        : [];
    return { ...result, fills };
  }

  function queryView(order: StoredOrder) {
    const { fillPrice: _fillPrice, tradeId: _tradeId, ...view } = order;
    return view;
  }

  function findOrder(params: Record<string, string>): StoredOrder | undefined {
    const s = symbolOf(params);
    const id = num(params.orderId);
    const clientId = params.origClientOrderId;
    if (id === null && (clientId === undefined || clientId === '')) throw errors.mandatory('orderId');
    for (const order of stored.values()) {
      if (order.symbol !== s.symbol) continue;
      if (id !== null ? order.orderId === id : order.clientOrderId === clientId) return order;
    }
    return undefined;
  }

  function cancel(order: StoredOrder, now: number) {
    order.status = 'CANCELED';
    order.isWorking = false;
    order.updateTime = now;
    const { time: _t, updateTime: _u, isWorking: _w, fillPrice: _f, tradeId: _i, ...rest } = order;
    return { ...rest, origClientOrderId: order.clientOrderId, transactTime: now };
  }

  const isOpen = (order: StoredOrder) => order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';

  function isPlacement(method: string, path: string): boolean {
    if (method !== 'POST') return false;
    return (
      path === '/api/v3/order' ||
      path === '/api/v3/order/oco' ||
      path.startsWith('/api/v3/orderList/') ||
      path === '/api/v3/sor/order' ||
      path === '/api/v3/order/cancelReplace'
    );
  }

  function signedAnswer(ctx: Context): Answer {
    const { method, path, params, now } = ctx;
    const apiKey = ctx.apiKey as string;
    const restrictions = restrictionsOf(apiKey);
    const trading = isPlacement(method, path) || (method === 'DELETE' && path.startsWith('/api/v3/')) || path === '/api/v3/order/amend/keepPriority';
    if (trading && !restrictions.enableSpotAndMarginTrading) throw errors.invalidKey();
    if (isPlacement(method, path) && rejections.count > 0) {
      rejections.count--;
      const { status, code, msg } = rejections.error;
      throw new BinanceError(status, code, msg);
    }
    const ok = (body: unknown): Answer => ({ status: 200, body });

    if (path === '/sapi/v1/account/apiRestrictions' && method === 'GET') {
      return ok({
        ipRestrict: false,
        createTime,
        enableMargin: false,
        enableFutures: false,
        enableVanillaOptions: false,
        enableFixApiTrade: false,
        enableFixReadOnly: false,
        enablePortfolioMarginTrading: false,
        ...restrictions,
      });
    }
    if (path === '/api/v3/account' && method === 'GET') {
      const assets = new Set<string>();
      for (const s of symbols.values()) assets.add(s.baseAsset).add(s.quoteAsset);
      const balance = (asset: string) => ({ USDT: 10000, BTC: 1, ETH: 10, BNB: 5, EUR: 1000 })[asset] ?? 100;
      return ok({
        makerCommission: 10,
        takerCommission: 10,
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
        canTrade: restrictions.enableSpotAndMarginTrading,
        canWithdraw: restrictions.enableWithdrawals,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: now,
        accountType: 'SPOT',
        balances: [...assets].map((asset) => ({ asset, free: fmt(balance(asset)), locked: fmt(0) })),
        permissions: ['SPOT'],
        uid: 354937868,
      });
    }
    if (path === '/api/v3/order') {
      if (method === 'POST') {
        const order = newOrder(params, now);
        return { status: 200, body: placementAnswer(order, params.newOrderRespType), headers: orderCountHeaders(now) };
      }
      if (method === 'GET') {
        const order = findOrder(params);
        if (!order) throw errors.noSuchOrder();
        return ok(queryView(order));
      }
      if (method === 'DELETE') {
        const order = findOrder(params);
        if (!order || !isOpen(order)) throw errors.unknownOrder();
        return ok(cancel(order, now));
      }
    }
    if (path === '/api/v3/order/test' && method === 'POST') {
      symbolOf(params);
      if (params.computeCommissionRates === 'true') {
        return ok({
          standardCommissionForOrder: { maker: '0.00100000', taker: '0.00100000' },
          specialCommissionForOrder: { maker: '0.00000000', taker: '0.00000000' },
          taxCommissionForOrder: { maker: '0.00000000', taker: '0.00000000' },
          discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: 'BNB', discount: '0.25000000' },
        });
      }
      return ok({});
    }
    if (path === '/api/v3/sor/order' && method === 'POST') {
      const order = newOrder(params, now);
      return { status: 200, body: { ...placementAnswer(order, params.newOrderRespType), workingFloor: 'SOR', usedSor: true }, headers: orderCountHeaders(now) };
    }
    if (path === '/api/v3/order/cancelReplace' && method === 'POST') {
      const s = symbolOf(params);
      const cancelId = num(params.cancelOrderId);
      const existing = [...stored.values()].find(
        (o) => o.symbol === s.symbol && (cancelId !== null ? o.orderId === cancelId : o.clientOrderId === params.cancelOrigClientOrderId),
      );
      const cancelResponse = existing
        ? cancel(existing, now)
        : { symbol: s.symbol, origClientOrderId: params.cancelOrigClientOrderId ?? 'unknown', orderId: cancelId ?? nextOrderId++, orderListId: -1, clientOrderId: `mockcancel${now}`, transactTime: now, status: 'CANCELED' };
      const order = newOrder(params, now);
      return {
        status: 200,
        body: { cancelResult: 'SUCCESS', newOrderResult: 'SUCCESS', cancelResponse, newOrderResponse: placementAnswer(order, params.newOrderRespType) },
        headers: orderCountHeaders(now),
      };
    }
    if (method === 'POST' && (path.startsWith('/api/v3/orderList/') || path === '/api/v3/order/oco')) {
      const kindName = path === '/api/v3/order/oco' ? 'oco' : path.slice('/api/v3/orderList/'.length);
      const kind = ORDER_LIST_KINDS[kindName];
      const s = symbolOf(params);
      const orderListId = nextOrderListId++;
      const legs = orderListLegs(kindName, params).map((leg) => {
        const defined = Object.fromEntries(Object.entries(leg).filter((entry): entry is [string, string] => entry[1] !== undefined));
        return newOrder(defined, now, orderListId, true);
      });
      return {
        status: 200,
        body: {
          orderListId,
          contingencyType: kind?.contingencyType ?? 'OCO',
          listStatusType: 'EXEC_STARTED',
          listOrderStatus: 'EXECUTING',
          listClientOrderId: params.listClientOrderId ?? `mocklist${orderListId}`,
          transactionTime: now,
          symbol: s.symbol,
          orders: legs.map((o) => ({ symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId })),
          orderReports: legs.map((o) => placementAnswer(o, 'RESULT')),
        },
        headers: orderCountHeaders(now),
      };
    }
    if (path === '/api/v3/order/amend/keepPriority' && method === 'PUT') {
      const order = findOrder(params);
      if (!order) throw errors.noSuchOrder();
      const newQty = num(params.newQty);
      if (newQty === null) throw errors.mandatory('newQty');
      order.origQty = fmt(newQty);
      order.updateTime = now;
      return ok({ transactTime: now, executionId: nextTradeId++, amendedOrder: { ...queryView(order), origClientOrderId: order.clientOrderId } });
    }
    if (path === '/api/v3/openOrders') {
      const symbol = params.symbol !== undefined ? symbolOf(params).symbol : undefined;
      const open = [...stored.values()].filter((o) => isOpen(o) && (symbol === undefined || o.symbol === symbol));
      if (method === 'GET') return ok(open.map(queryView));
      if (method === 'DELETE') {
        if (symbol === undefined) throw errors.mandatory('symbol');
        if (open.length === 0) throw errors.unknownOrder();
        return ok(open.map((o) => cancel(o, now)));
      }
    }
    if (path === '/api/v3/allOrders' && method === 'GET') {
      const symbol = symbolOf(params).symbol;
      return ok([...stored.values()].filter((o) => o.symbol === symbol).map(queryView));
    }
    if (path === '/api/v3/myTrades' && method === 'GET') {
      const s = symbolOf(params);
      return ok(
        [...stored.values()]
          .filter((o) => o.symbol === s.symbol && o.tradeId !== undefined)
          .map((o) => ({
            symbol: o.symbol,
            id: o.tradeId,
            orderId: o.orderId,
            orderListId: o.orderListId,
            price: fmt(o.fillPrice ?? 0),
            qty: o.executedQty,
            quoteQty: o.cummulativeQuoteQty,
            commission: fmt(0),
            commissionAsset: s.quoteAsset,
            time: o.time,
            isBuyer: o.side === 'BUY',
            isMaker: false,
            isBestMatch: true,
          })),
      );
    }
    if (['/api/v3/openOrderList', '/api/v3/allOrderList', '/api/v3/rateLimit/order', '/api/v3/myPreventedMatches', '/api/v3/myAllocations'].includes(path)) {
      return ok([]);
    }
    // Any other signed /api/ or /sapi/ endpoint: authenticated, nothing more to say.
    return ok({});
  }

  function orderCountHeaders(now: number): Record<string, string> {
    while (orderLog.length > 0 && (orderLog[0] ?? now) <= now - 24 * 3600 * 1000) orderLog.shift();
    const last10s = orderLog.filter((at) => at > now - 10_000).length;
    return { 'X-MBX-ORDER-COUNT-10S': String(last10s), 'X-MBX-ORDER-COUNT-1D': String(orderLog.length) };
  }

  // -- authentication -----------------------------------------------------------------------

  function authenticate(ctx: Context, duplicate: boolean, requireSignature: boolean): void {
    const { apiKey, params, record } = ctx;
    if (apiKey === null || !keys.has(apiKey)) throw errors.invalidKey();
    if (duplicate) throw errors.duplicate();
    if (!requireSignature) return;

    const rawTimestamp = params.timestamp;
    if (rawTimestamp === undefined || !/^\d+$/.test(rawTimestamp)) throw errors.mandatory('timestamp');
    let recvWindow = DEFAULT_RECV_WINDOW;
    if (params.recvWindow !== undefined) {
      if (!/^\d+(\.\d{1,3})?$/.test(params.recvWindow)) throw errors.mandatory('recvWindow');
      recvWindow = Number(params.recvWindow);
      if (recvWindow > MAX_RECV_WINDOW) throw errors.badRecvWindow();
    }
    let timestamp = Number(rawTimestamp);
    if (timestamp > 1e14) timestamp /= 1000; // microseconds
    const now = serverTime();
    if (timestamp >= now + 1000) throw errors.aheadOfServer();
    if (now - timestamp > recvWindow) throw errors.outsideRecvWindow();

    if (record.signatureValid === null) throw errors.mandatory('signature');
    if (!record.signatureValid) throw errors.badSignature();
  }

  // -- the HTTP side ------------------------------------------------------------------------

  async function handle(req: IncomingMessage): Promise<{ record: MockBinanceRequest; answer: Answer }> {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyBytes = Buffer.concat(chunks);
    const bodyRaw = bodyBytes.toString('latin1');
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    // Node hands the request target over one char per byte; only ASCII gets past its parser anyway.
    const queryRaw = Buffer.from(rawQuery, 'utf8').toString('latin1');

    const query = parseRawParams(queryRaw);
    const body = parseRawParams(bodyRaw);
    const params: Record<string, string> = {};
    for (const [name, value] of [...body.pairs].reverse()) params[name] = value;
    for (const [name, value] of [...query.pairs].reverse()) params[name] = value;
    // Reversed so the first of repeated values wins; the query beats the body.

    const header = req.headers['x-mbx-apikey'];
    const apiKey = typeof header === 'string' ? header : Array.isArray(header) ? (header[0] ?? null) : null;

    let signatureValid: boolean | null = null;
    let signedPayload: string | null = null;
    if (params.signature !== undefined) {
      const payload = withoutSignature(queryRaw) + withoutSignature(bodyRaw);
      signedPayload = Buffer.from(payload, 'latin1').toString('utf8');
      const key = apiKey === null ? undefined : keys.get(apiKey);
      signatureValid = key !== undefined && isPercentEncoded(payload) && signatureMatches(key, Buffer.from(payload, 'latin1'), params.signature);
    }

    const record: MockBinanceRequest = {
      method: req.method ?? '',
      path,
      rawQuery,
      body: bodyBytes.toString('utf8'),
      headers: req.headers,
      apiKey,
      params,
      signatureValid,
      signedPayload,
      at,
    };
    received.push(record);

    const now = Date.now();
    const weight = path === '/api/v3/exchangeInfo' ? 20 : 1;
    weightLog.push({ at: now, weight });
    const used = usedWeight(now);
    const weightHeaders = { 'X-MBX-USED-WEIGHT-1M': String(used) };
    const answer = (status: number, value: unknown, headers: Record<string, string> = {}) => ({ record, answer: { status, body: value, headers: { ...weightHeaders, ...headers } } });
    const fail = (e: BinanceError, headers: Record<string, string> = {}) => answer(e.status, { code: e.code, msg: e.message }, headers);

    if (failures.count > 0 && (failures.path === null || failures.path === path)) {
      failures.count--;
      const { status, retryAfterSeconds } = failures;
      if (status === 503) return fail(new BinanceError(503, -1001, 'Internal error; unable to process your request. Please try again.'));
      const msg =
        status === 418
          ? `Way too much request weight used; IP banned until ${serverTime() + retryAfterSeconds * 1000}. Please use WebSocket Streams for live updates to avoid bans.`
          : `Too much request weight used; current limit is ${weightLimit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
      return fail(new BinanceError(status, -1003, msg), { 'Retry-After': String(retryAfterSeconds) });
    }
    if (used > weightLimit) {
      const msg = `Too much request weight used; current limit is ${weightLimit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
      return fail(new BinanceError(429, -1003, msg), { 'Retry-After': String(secondsUntilWeightFrees(now)) });
    }

    const ctx: Context = { method: record.method, path, params, apiKey, record, now: serverTime() };
    try {
      if (PUBLIC_PATHS.has(path)) {
        if (query.duplicate || body.duplicate) throw errors.duplicate();
        return answer(200, publicAnswer(ctx));
      }
      if (path === USER_STREAM_PATH) {
        authenticate(ctx, query.duplicate || body.duplicate, false);
        // Never derived from the API key: tests search responses for leaked keys.
        return answer(200, ctx.method === 'POST' ? { listenKey: randomBytes(30).toString('hex') } : {});
      }
      if (path.startsWith('/api/') || path.startsWith('/sapi/')) {
        authenticate(ctx, query.duplicate || body.duplicate, true);
        const signed = signedAnswer(ctx);
        if (isPlacement(ctx.method, path)) {
          orders.push(record);
          orderListener?.(record);
          if (orderLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, orderLatencyMs));
        }
        return answer(signed.status, signed.body, signed.headers);
      }
      return { record, answer: { status: 404, body: null, headers: weightHeaders } };
    } catch (error) {
      if (error instanceof BinanceError) return fail(error);
      throw error;
    }
  }

  function send(res: ServerResponse, { status, body, headers = {} }: Answer): void {
    if (body === null) {
      res.writeHead(status, { 'content-length': 0, ...headers });
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ({ answer }) => send(res, answer),
      (error: unknown) => {
        // A bug in the mock shows up as a 500 the test can see, not as an unhandled rejection.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`mock Binance failed: ${String(error)}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    orders,
    rejectNextOrders(count, error) {
      rejections = { count, error: error ?? insufficientBalance() };
    },
    failNext(count, status, retryAfterSeconds, failOptions) {
      failures = { count, status, retryAfterSeconds, path: failOptions?.path ?? null };
    },
    setOrderLatency(ms) {
      orderLatencyMs = ms;
    },
    onOrderReceived(listener) {
      orderListener = listener;
    },
    setServerTimeOffset(ms) {
      serverTimeOffset = ms;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function insufficientBalance(): MockBinanceError {
  return { status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.' };
}

/** One obviously fake Binance key: what the mock knows of it, and what a user would store in Keygate. */
export interface FakeBinanceKey {
  apiKey: string;
  /** For `startMockBinance({ keys })`. */
  mock: MockBinanceKey;
  /** As the vault stores it (for `startProxyHost({ credentials })`): `{"api_key","secret_key"}` or `{"api_key","private_key_pem"}`. */
  credential: { service: 'binance'; name: string; kind: 'binance_hmac' | 'binance_ed25519' | 'binance_rsa'; secret: string };
  /** Private material (HMAC secret or PEM), to search transcripts and logs for. */
  privateText: string;
}

/** 64 letters and digits, as Binance API keys and HMAC secrets are: `label` padded with `0`. */
export function fakeBinanceKeyText(label: string): string {
  if (!/^[A-Za-z0-9]{1,64}$/.test(label)) throw new Error(`fake key label must be letters and digits: ${label}`);
  return label.padEnd(64, '0');
}

/** A fresh key of `kind` (Ed25519 and RSA pairs are generated; RSA takes ~100 ms). */
export function fakeBinanceKey(kind: 'hmac' | 'ed25519' | 'rsa', label: string): FakeBinanceKey {
  const apiKey = fakeBinanceKeyText(`FAKE${kind}API${label}`);
  if (kind === 'hmac') {
    const secret = fakeBinanceKeyText(`FAKEhmacSECRET${label}`);
    const credential = { service: 'binance', name: `${kind} ${label}`, kind: 'binance_hmac', secret: JSON.stringify({ api_key: apiKey, secret_key: secret }) } as const;
    return { apiKey, mock: { apiKey, kind, secret }, credential, privateText: secret };
  }
  const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    apiKey,
    mock: { apiKey, kind, publicKeyPem },
    credential: {
      service: 'binance',
      name: `${kind} ${label}`,
      kind: kind === 'ed25519' ? 'binance_ed25519' : 'binance_rsa',
      secret: JSON.stringify({ api_key: apiKey, private_key_pem: privateKeyPem }),
    },
    privateText: privateKeyPem,
  };
}
