/**
 * Keygate's state for one Binance base URL (clock offset, market data, price cache, weight budget)
 * and the one place a request is sent there with a key: the base URL and egress come from policy,
 * the API key travels as X-MBX-APIKEY, and every answer feeds the weight guard.
 */
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import { locateUpstream } from '../upstream/upstream-location';
import type { UpstreamCall, UpstreamResponse } from '../upstream/upstream-pool';
import type { BinanceServices } from './binance-services';
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

export function createExchange(services: BinanceServices, policy: BinancePolicy): BinanceExchange {
  const guard = new BinanceRateGuard();
  const proxy = services.policy().proxy;
  const market = new BinanceMarketData({
    upstream: services.upstream,
    baseUrl: policy.baseUrl,
    upstreamProxy: policy.upstreamProxy ?? proxy.upstreamProxy,
    timeoutMs: proxy.upstreamTimeoutSeconds * 1000,
    guard,
    now: services.now,
  });
  return {
    baseUrl: policy.baseUrl,
    guard,
    market,
    clock: new BinanceClock(() => market.serverTime(), services.now),
    prices: new PriceCache((symbol) => market.lastPrice(symbol), PRICE_TTL_MS, services.now),
  };
}

/** One call in the body-less, all-in-the-query form Keygate signs; the API key travels as X-MBX-APIKEY. */
export function keyedCall(services: BinanceServices, policy: BinancePolicy, call: { method: string; path: string; query: string; apiKey: string }): UpstreamCall {
  const { origin, path } = locateUpstream(policy.baseUrl, call.path, call.query);
  const proxy = services.policy().proxy;
  return {
    origin,
    path,
    method: call.method,
    headers: { 'x-mbx-apikey': call.apiKey, accept: 'application/json', 'accept-encoding': 'identity' },
    body: null,
    timeoutMs: proxy.upstreamTimeoutSeconds * 1000,
    upstreamProxy: policy.upstreamProxy ?? proxy.upstreamProxy,
  };
}

/** Sends one keyed request and returns the answer (Keygate's own calls, not an agent's). */
export async function sendWithKey(
  services: BinanceServices,
  exchange: BinanceExchange,
  policy: BinancePolicy,
  call: { method: string; path: string; query: string; apiKey: string },
): Promise<UpstreamResponse> {
  const response = await services.upstream.send(keyedCall(services, policy, call));
  exchange.guard.observe(response.statusCode, response.headers, services.now());
  return response;
}
