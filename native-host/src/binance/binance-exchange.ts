/**
 * Keygate's state for one Binance base URL (clock offset, market data, price cache, weight budget)
 * and the one place a request is sent there with a key: the base URL and egress come from policy,
 * the API key travels as X-MBX-APIKEY, and every answer feeds the weight guard.
 */
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import type { ProxyContext } from '../proxy/proxy-context';
import { locateUpstream } from '../proxy/service-routes';
import type { UpstreamResponse } from '../proxy/upstream-client';
import { BinanceClock } from './clock-offset';
import { BinanceMarketData } from './market-data';
import { PriceCache } from './price-cache';
import { BinanceRateGuard } from './rate-guard';

export interface BinanceExchange {
  baseUrl: string;
  clock: BinanceClock;
  market: BinanceMarketData;
  prices: PriceCache;
  guard: BinanceRateGuard;
}

const PRICE_TTL_MS = 5000;

export function createExchange(ctx: ProxyContext, policy: BinancePolicy): BinanceExchange {
  const guard = new BinanceRateGuard();
  const market = new BinanceMarketData({
    upstream: ctx.upstream,
    baseUrl: policy.baseUrl,
    upstreamProxy: policy.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
    timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
    guard,
    now: ctx.now,
  });
  return {
    baseUrl: policy.baseUrl,
    guard,
    market,
    clock: new BinanceClock(() => market.serverTime(), ctx.now),
    prices: new PriceCache((symbol) => market.lastPrice(symbol), PRICE_TTL_MS, ctx.now),
  };
}

/** Sends one request with the body-less, all-in-the-query form Keygate signs. */
export async function sendWithKey(
  ctx: ProxyContext,
  exchange: BinanceExchange,
  policy: BinancePolicy,
  call: { method: string; path: string; query: string; apiKey: string },
): Promise<UpstreamResponse> {
  const { origin, path } = locateUpstream(policy.baseUrl, call.path, call.query);
  const response = await ctx.upstream.send({
    origin,
    path,
    method: call.method,
    headers: { 'x-mbx-apikey': call.apiKey, accept: 'application/json', 'accept-encoding': 'identity' },
    body: null,
    timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
    upstreamProxy: policy.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
  });
  exchange.guard.observe(response.statusCode, response.headers, ctx.now());
  return response;
}
