/**
 * Keygate's own calls to Binance's public endpoints: server time (for the clock offset), symbol
 * info (which asset an order is priced in) and last prices (to value market orders). Every answer
 * also feeds the shared weight guard.
 */
import { KeygateError } from '../../../shared/errors';
import { locateUpstream } from '../proxy/service-routes';
import type { UpstreamClient } from '../proxy/upstream-client';
import { encodeParams } from './binance-params';
import { ListedSymbols, type SymbolInfo } from './listed-symbols';
import { BinanceBackOff, type BinanceRateGuard } from './rate-guard';

export type { SymbolInfo } from './listed-symbols';

export interface MarketDataOptions {
  upstream: UpstreamClient;
  baseUrl: string;
  upstreamProxy: string | null;
  timeoutMs: number;
  guard: BinanceRateGuard;
  now: () => number;
}

export class BinanceMarketData {
  private readonly symbols: ListedSymbols;

  constructor(private readonly options: MarketDataOptions) {
    this.symbols = new ListedSymbols((symbol) => this.fetchSymbolInfo(symbol), options.now);
  }

  async serverTime(): Promise<number> {
    const body = (await this.getJson('/api/v3/time')) as { serverTime?: unknown };
    if (typeof body.serverTime !== 'number') throw new KeygateError('UPSTREAM_UNREACHABLE', 'Binance sent no server time.');
    return body.serverTime;
  }

  /** Base and quote asset of a symbol Binance lists (see listed-symbols.ts); null when it lists no such symbol. */
  symbolInfo(symbol: string): Promise<SymbolInfo | null> {
    return this.symbols.get(symbol);
  }

  /** Asked only for listed symbols (and `${quoteAsset}USDT`), so any name Binance uses is priced. */
  async lastPrice(symbol: string): Promise<number | null> {
    const body = (await this.getJson(`/api/v3/ticker/price?${encodeParams([['symbol', symbol]])}`, true)) as { price?: unknown } | null;
    const price = Number(body?.price);
    return Number.isFinite(price) && price > 0 ? price : null;
  }

  private async fetchSymbolInfo(symbol: string): Promise<SymbolInfo | null> {
    const body = (await this.getJson(`/api/v3/exchangeInfo?${encodeParams([['symbol', symbol]])}`, true)) as {
      symbols?: Array<{ symbol?: string; baseAsset?: string; quoteAsset?: string }>;
      rateLimits?: Array<{ rateLimitType?: string; interval?: string; intervalNum?: number; limit?: number }>;
    } | null;
    const weight = body?.rateLimits?.find((limit) => limit.rateLimitType === 'REQUEST_WEIGHT' && limit.interval === 'MINUTE' && limit.intervalNum === 1);
    if (weight?.limit !== undefined) this.options.guard.setLimit(weight.limit);
    const entry = body?.symbols?.find((candidate) => candidate.symbol === symbol);
    return entry?.baseAsset && entry.quoteAsset ? { baseAsset: entry.baseAsset, quoteAsset: entry.quoteAsset } : null;
  }

  /** `allowMissing`: a 4xx (unknown symbol) answers null instead of failing. */
  private async getJson(pathAndQuery: string, allowMissing = false): Promise<unknown> {
    const { upstream, baseUrl, upstreamProxy, timeoutMs, guard, now } = this.options;
    const before = guard.check(now());
    if (!before.ok) throw new BinanceBackOff(before.retryAfterSeconds, before.reason);
    const { origin, path } = locateUpstream(baseUrl, pathAndQuery);
    const response = await upstream.send({ origin, path, method: 'GET', headers: { accept: 'application/json' }, body: null, timeoutMs, upstreamProxy });
    guard.observe(response.statusCode, response.headers, now());
    const text = await response.body.text();
    // A 429/418 says "back off", not "no such symbol" (which symbolInfo would cache for good).
    if (response.statusCode === 429 || response.statusCode === 418) {
      const backOff = guard.check(now());
      throw new BinanceBackOff(backOff.ok ? 1 : backOff.retryAfterSeconds, `Binance answered ${response.statusCode} to ${pathAndQuery.split('?')[0]}`);
    }
    if (response.statusCode >= 400 && response.statusCode < 500 && allowMissing) return null;
    if (response.statusCode !== 200) throw new KeygateError('UPSTREAM_UNREACHABLE', `Binance answered ${response.statusCode} to ${pathAndQuery.split('?')[0]}.`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new KeygateError('UPSTREAM_UNREACHABLE', 'Binance sent a body that is not JSON.');
    }
  }
}
