/**
 * The Binance branch of the proxy: default-deny endpoint rules, read/trade scopes, the weight
 * guard, order-value and daily-volume caps, then signing with the real key and relaying Binance's
 * answer. Never retries an order: a request that reached Binance may have been executed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { KeygateError } from '../../../shared/errors';
import { scopeAllows } from '../../../shared/agents/agent-keys';
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import type { BinanceKeyRestrictions } from '../../../shared/proxy-messages';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { readBodyCapped } from '../proxy/body-limit';
import type { ForwardMeter } from '../proxy/forward-with-rotation';
import type { ProxyContext } from '../proxy/proxy-context';
import { relayResponse } from '../proxy/response-relay';
import { parseAgentParams, withoutAgentSigning, encodeParams, type ParamList } from './binance-params';
import { parseBinanceSecret, wipeBinanceKey } from './binance-keys';
import { buildSignedQuery } from './binance-signing';
import { BinanceClock } from './clock-offset';
import type { DailyVolumeLedger } from './daily-volume-ledger';
import { decideBinanceEndpoint } from './endpoint-policy';
import { BinanceMarketData } from './market-data';
import { computeOrderValue, isOrderPlacing, USD_STABLE_QUOTES } from './order-value';
import { LedgerCorruptError } from './ledger-file';
import { PriceCache } from './price-cache';
import { BinanceBackOff, BinanceRateGuard } from './rate-guard';

export { BinanceBackOff } from './rate-guard';


export interface BinanceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  agent: AgentKeyRecord;
  upstreamPath: string;
  query: string;
  extraHeaders: Record<string, string>;
  meter: ForwardMeter;
  /** Facts for the audit line (order value, reservation); never a secret or signature. */
  detail: Record<string, string | number | boolean | null>;
}

/** Per-base-URL state: clock offset, market data, weight budget. Rebuilt when the policy's URL changes. */
interface Exchange {
  baseUrl: string;
  clock: BinanceClock;
  market: BinanceMarketData;
  prices: PriceCache;
  guard: BinanceRateGuard;
}

export class BinanceGateway {
  private exchange: Exchange | null = null;
  private readonly restrictions = new Map<string, BinanceKeyRestrictions>();

  constructor(private readonly openLedger: () => Promise<DailyVolumeLedger>) {}

  private exchangeFor(ctx: ProxyContext, policy: BinancePolicy): Exchange {
    if (this.exchange?.baseUrl === policy.baseUrl) return this.exchange;
    const guard = new BinanceRateGuard();
    const market = new BinanceMarketData({
      upstream: ctx.upstream,
      baseUrl: policy.baseUrl,
      upstreamProxy: policy.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
      timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
      guard,
      now: ctx.now,
    });
    this.exchange = {
      baseUrl: policy.baseUrl,
      guard,
      market,
      clock: new BinanceClock(() => market.serverTime(), ctx.now),
      prices: new PriceCache((symbol) => market.lastPrice(symbol), 5000, ctx.now),
    };
    return this.exchange;
  }

  async handle(ctx: ProxyContext, request: BinanceRequest): Promise<void> {
    const policy = ctx.policy.services.binance;
    const method = (request.req.method ?? 'GET').toUpperCase();
    // No Binance REST path needs percent-encoding; an encoded one is an attempt to smuggle a name past
    // the lists (a lenient server could decode `withdraw%2Fapply`), so it is refused outright.
    if (request.upstreamPath.includes('%')) throw new KeygateError('ENDPOINT_BLOCKED', 'Binance: percent-encoded paths are never forwarded.');
    const decision = decideBinanceEndpoint(method, request.upstreamPath, policy);
    if (!decision.allowed) throw new KeygateError('ENDPOINT_BLOCKED', `Binance: ${decision.reason}.`);
    if (!scopeAllows(request.agent.scopes, 'binance', decision.access)) throw new KeygateError('SCOPE_DENIED', `Needs scope "binance:${decision.access}".`);
    if (!ctx.vault.isUnlocked) throw new KeygateError('VAULT_LOCKED');
    const exchange = this.exchangeFor(ctx, policy);
    const allowedNow = exchange.guard.check(ctx.now());
    if (!allowedNow.ok) throw new BinanceBackOff(allowedNow.retryAfterSeconds, allowedNow.reason);

    const body = await readBodyCapped(request.req, ctx.policy.proxy.maxRequestBodyBytes, (total) => (request.meter.bytesIn = total));
    const params = withoutAgentSigning(parseAgentParams(request.query, body, request.req.headers['content-type']));
    const reservation = isOrderPlacing(method, request.upstreamPath) ? await this.checkOrderCaps(ctx, exchange, policy, method, request, params) : null;

    const [credentialId] = ctx.vault.credentialIdsFor('binance');
    if (credentialId === undefined) {
      await reservation?.release();
      throw new KeygateError('CREDENTIAL_NOT_FOUND', 'No Binance credential.');
    }
    request.meter.credentialId = credentialId;
    let sentToBinance = false;
    try {
      await ctx.vault.withOpenCredential(credentialId, async (secret, record) => {
        if (record.kind === 'api_key') throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'The Binance credential holds a plain API key; add it again as key + secret or PEM key.');
        const key = parseBinanceSecret(record.kind, secret);
        try {
          const query = decision.signed ? buildSignedQuery(key, params, await exchange.clock.timestamp(), policy.recvWindowMs) : encodeParams(params);
          const base = new URL(policy.baseUrl);
          sentToBinance = true;
          const response = await ctx.upstream.send({
            origin: base.origin,
            path: `${base.pathname.replace(/\/$/, '')}${request.upstreamPath}${query ? `?${query}` : ''}`,
            method,
            headers: { 'x-mbx-apikey': key.apiKey, accept: 'application/json', 'accept-encoding': 'identity' },
            body: null,
            timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
            upstreamProxy: policy.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
          });
          ctx.onCredentialUsed(credentialId);
          exchange.guard.observe(response.statusCode, response.headers, ctx.now());
          request.detail.binanceStatus = response.statusCode;
          const relay = {
            status: response.statusCode,
            upstreamHeaders: response.headers,
            extraHeaders: request.extraHeaders,
            secrets: secretsOf(key),
            onBytes: (total: number) => (request.meter.bytesOut = total),
          };
          if (response.statusCode >= 400 && response.statusCode < 500) {
            const text = await response.body.text();
            // -1021: our clock drifted from Binance's; re-sync so the agent's retry succeeds.
            if (text.includes('"code":-1021')) void exchange.clock.resync().catch(() => undefined);
            if (reservation && !placedDespiteError(request.upstreamPath, text)) {
              // Binance refused the order: nothing was executed, so its volume is given back.
              await reservation.release();
              request.detail.reservationReleased = true;
            }
            await relayResponse(Readable.from([Buffer.from(text)]), request.res, relay);
            return;
          }
          await relayResponse(response.body, request.res, relay);
        } finally {
          wipeBinanceKey(key);
        }
      });
    } catch (error) {
      // An order that was never sent (the clock sync failed, say) cannot have executed: give its volume
      // back. Once sent, a timeout or broken connection may hide an executed order: keep the
      // reservation then (counting too much is safe).
      const mayHaveExecuted = sentToBinance && !(error instanceof KeygateError && error.code !== 'UPSTREAM_TIMEOUT' && error.code !== 'UPSTREAM_UNREACHABLE');
      if (reservation && !request.res.headersSent && !mayHaveExecuted) {
        await reservation.release();
      }
      throw error;
    }
  }

  /**
   * Asks Binance what a stored key may do. A key that can withdraw or transfer out is exactly what
   * Keygate exists to keep agents away from, so the user is warned (popup and /_keygate/status).
   */
  async checkRestrictions(ctx: ProxyContext, credentialId: string): Promise<BinanceKeyRestrictions> {
    const policy = ctx.policy.services.binance;
    const exchange = this.exchangeFor(ctx, policy);
    const checkedAt = ctx.now();
    let result: BinanceKeyRestrictions;
    try {
      const flags = await ctx.vault.withOpenCredential(credentialId, async (secret, record) => {
        if (record.kind === 'api_key') throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'The Binance credential holds a plain API key.');
        const key = parseBinanceSecret(record.kind, secret);
        try {
          const query = buildSignedQuery(key, [], await exchange.clock.timestamp(), policy.recvWindowMs);
          const base = new URL(policy.baseUrl);
          const response = await ctx.upstream.send({
            origin: base.origin,
            path: `${base.pathname.replace(/\/$/, '')}/sapi/v1/account/apiRestrictions?${query}`,
            method: 'GET',
            headers: { 'x-mbx-apikey': key.apiKey, accept: 'application/json', 'accept-encoding': 'identity' },
            body: null,
            timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
            upstreamProxy: policy.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
          });
          exchange.guard.observe(response.statusCode, response.headers, ctx.now());
          const text = await response.body.text();
          if (response.statusCode !== 200) throw new KeygateError('UPSTREAM_UNREACHABLE', `Binance answered ${response.statusCode} to apiRestrictions.`);
          return JSON.parse(text) as Record<string, unknown>;
        } finally {
          wipeBinanceKey(key);
        }
      });
      result = {
        credentialId,
        checkedAt,
        canWithdraw: flags.enableWithdrawals === true,
        canTransfer: flags.enableInternalTransfer === true || flags.permitsUniversalTransfer === true,
        error: null,
      };
    } catch (error) {
      const body = error instanceof KeygateError ? error.toBody() : new KeygateError('UPSTREAM_UNREACHABLE').toBody();
      result = { credentialId, checkedAt, canWithdraw: false, canTransfer: false, error: body };
    }
    this.restrictions.set(credentialId, result);
    return result;
  }

  /** The last check of every Binance key (for /_keygate/status); no secrets. */
  keyRestrictions(): BinanceKeyRestrictions[] {
    return [...this.restrictions.values()];
  }

  private async checkOrderCaps(ctx: ProxyContext, exchange: Exchange, policy: BinancePolicy, method: string, request: BinanceRequest, params: ParamList) {
    const paramMap = new Map(params);
    const symbol = paramMap.get('symbol') ?? '';
    const info = await exchange.market.symbolInfo(symbol);
    if (info === null) throw new KeygateError('ORDER_VALUE_UNKNOWN', `Unknown symbol "${symbol.slice(0, 20)}".`);
    const value = await computeOrderValue({
      method,
      path: request.upstreamPath,
      params: paramMap,
      quoteAsset: info.quoteAsset,
      lastPrice: () => exchange.prices.get(symbol),
      quoteUsdPrice: (asset) => (USD_STABLE_QUOTES.has(asset) ? Promise.resolve(1) : exchange.prices.get(`${asset}USDT`)),
    });
    if (!value.ok) throw new KeygateError('ORDER_VALUE_UNKNOWN', value.detail);
    request.detail.orderValueUsd = Math.round(value.valueUsd * 100) / 100;
    request.detail.orderValueBasis = value.basis;
    if (policy.maxOrderValueUsd !== null && value.valueUsd > policy.maxOrderValueUsd) {
      throw new KeygateError('ORDER_VALUE_EXCEEDED', `Order value $${value.valueUsd.toFixed(2)} is above the $${policy.maxOrderValueUsd} limit.`);
    }
    if (!value.reserve) return null;
    const ledger = await this.openLedger().catch((error: unknown) => {
      if (error instanceof LedgerCorruptError) throw new KeygateError('LEDGER_CORRUPT', error.message);
      throw error;
    });
    const reserved = await ledger.reserve(value.valueUsd, policy.dailyVolumeUsd, ctx.now());
    if (!reserved.ok) {
      throw new KeygateError('DAILY_VOLUME_EXCEEDED', `$${reserved.usedUsd.toFixed(2)} of $${policy.dailyVolumeUsd} used today (UTC); this order is $${value.valueUsd.toFixed(2)}.`);
    }
    request.detail.dailyVolumeUsedUsd = Math.round(reserved.usedUsd * 100) / 100;
    return { release: () => ledger.release(reserved.reservationId) };
  }
}

/**
 * cancelReplace with ALLOW_FAILURE answers 4xx when the cancel failed even though the new order
 * was placed; that order's volume stays counted.
 */
function placedDespiteError(path: string, body: string): boolean {
  return path === '/api/v3/order/cancelReplace' && /"newOrderResult"\s*:\s*"SUCCESS"/.test(body);
}

function secretsOf(key: ReturnType<typeof parseBinanceSecret>): Uint8Array[] {
  const apiKey = new TextEncoder().encode(key.apiKey);
  return key.kind === 'hmac' ? [apiKey, key.secret] : [apiKey];
}
