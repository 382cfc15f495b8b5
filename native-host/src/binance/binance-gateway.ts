/**
 * The Binance branch of the proxy: default-deny endpoint rules, read/trade scopes, the weight
 * guard, order-value and daily-volume caps, then signing with the real key and relaying Binance's
 * answer. Never retries an order: a request that reached Binance may have been executed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { scopeAllows } from '../../../shared/agents/agent-keys';
import { KeygateError } from '../../../shared/errors';
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import type { BinanceKeyRestrictions } from '../../../shared/proxy-messages';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { readBodyCapped } from '../proxy/body-limit';
import type { ForwardMeter } from '../proxy/forward-with-rotation';
import type { ProxyContext } from '../proxy/proxy-context';
import { AgentResponse, relayResponse } from '../proxy/response-relay';
import { type BinanceExchange, createExchange, sendWithKey } from './binance-exchange';
import { type BinanceKey, parseBinanceSecret, wipeBinanceKey } from './binance-keys';
import { encodeParams, type ParamList, parseAgentParams, withoutAgentSigning } from './binance-params';
import { buildSignedQuery } from './binance-signing';
import type { DailyVolumeLedger } from './daily-volume-ledger';
import { type BinanceEndpointDecision, decideBinanceEndpoint } from './endpoint-policy';
import { checkKeyRestrictions } from './key-restrictions';
import { checkOrderCaps, type VolumeHold } from './order-caps';
import { isOrderPlacing } from './order-value';
import { BinanceBackOff } from './rate-guard';
import { binanceErrorCode, judgeOrderAnswer, mayHaveExecutedWithoutAnswer, parseAnswerBody, settleReservation } from './reservation-release';

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

type Allowed = Extract<BinanceEndpointDecision, { allowed: true }>;

export class BinanceGateway {
  private exchange: BinanceExchange | null = null;
  private readonly restrictions = new Map<string, BinanceKeyRestrictions>();

  constructor(private readonly openLedger: () => Promise<DailyVolumeLedger>) {}

  /** State is per base URL: a policy pointing elsewhere starts a fresh clock, price cache and budget. */
  private exchangeFor(ctx: ProxyContext, policy: BinancePolicy): BinanceExchange {
    if (this.exchange?.baseUrl !== policy.baseUrl) this.exchange = createExchange(ctx, policy);
    return this.exchange;
  }

  async handle(ctx: ProxyContext, request: BinanceRequest): Promise<void> {
    const policy = ctx.policy.services.binance;
    const method = (request.req.method ?? 'GET').toUpperCase();
    const decision = this.admit(ctx, request, method, policy);
    const exchange = this.exchangeFor(ctx, policy);
    const allowedNow = exchange.guard.check(ctx.now());
    if (!allowedNow.ok) throw new BinanceBackOff(allowedNow.retryAfterSeconds, allowedNow.reason);

    const body = await readBodyCapped(request.req, ctx.policy.proxy.maxRequestBodyBytes, (total) => (request.meter.bytesIn = total));
    const params = withoutAgentSigning(parseAgentParams(request.query, body, request.req.headers['content-type']));
    const hold: VolumeHold = isOrderPlacing(method, request.upstreamPath)
      ? await checkOrderCaps({ exchange, policy, method, path: request.upstreamPath, params, now: ctx.now(), openLedger: this.openLedger, detail: request.detail })
      : null;

    const [credentialId] = ctx.vault.credentialIdsFor('binance');
    if (credentialId === undefined) {
      await hold?.release();
      throw ctx.vault.noUsableCredential('binance');
    }
    request.meter.credentialId = credentialId;
    const progress = { sent: false };
    try {
      await ctx.vault.withOpenCredential(credentialId, async (secret, record) => {
        if (record.kind === 'api_key') throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'The Binance credential holds a plain API key; add it again as key + secret or PEM key.');
        const key = parseBinanceSecret(record.kind, secret);
        try {
          await this.forwardSigned(ctx, exchange, policy, { request, method, decision, params, key, hold, progress });
          ctx.onCredentialUsed(credentialId);
        } finally {
          wipeBinanceKey(key);
        }
      });
    } catch (error) {
      if (hold && !request.res.headersSent && !mayHaveExecutedWithoutAnswer(progress.sent, error)) await hold.release();
      throw error;
    }
  }

  /** What Binance says of a stored key; kept for /_keygate/status and returned for the extension. */
  async checkRestrictions(ctx: ProxyContext, credentialId: string): Promise<BinanceKeyRestrictions> {
    const result = await checkKeyRestrictions(ctx, this.exchangeFor(ctx, ctx.policy.services.binance), credentialId);
    this.restrictions.set(credentialId, result);
    return result;
  }

  /** The last check of every Binance key (for /_keygate/status); no secrets. */
  keyRestrictions(): BinanceKeyRestrictions[] {
    return [...this.restrictions.values()];
  }

  /** Endpoint lists, then the scope the endpoint's class needs, then the vault. */
  private admit(ctx: ProxyContext, request: BinanceRequest, method: string, policy: BinancePolicy): Allowed {
    // No Binance REST path needs percent-encoding; an encoded one is an attempt to smuggle a name past
    // the lists (a lenient server could decode `withdraw%2Fapply`), so it is refused outright.
    if (request.upstreamPath.includes('%')) throw new KeygateError('ENDPOINT_BLOCKED', 'Binance: percent-encoded paths are never forwarded.');
    const decision = decideBinanceEndpoint(method, request.upstreamPath, policy);
    if (!decision.allowed) throw new KeygateError('ENDPOINT_BLOCKED', `Binance: ${decision.reason}.`);
    if (!scopeAllows(request.agent.scopes, 'binance', decision.access)) throw new KeygateError('SCOPE_DENIED', `Needs scope "binance:${decision.access}".`);
    if (!ctx.vault.isUnlocked) throw new KeygateError('VAULT_LOCKED');
    return decision;
  }

  private async forwardSigned(
    ctx: ProxyContext,
    exchange: BinanceExchange,
    policy: BinancePolicy,
    call: { request: BinanceRequest; method: string; decision: Allowed; params: ParamList; key: BinanceKey; hold: VolumeHold; progress: { sent: boolean } },
  ): Promise<void> {
    const { request, key, hold } = call;
    const query = call.decision.signed ? buildSignedQuery(key, call.params, await exchange.clock.timestamp(), policy.recvWindowMs) : encodeParams(call.params);
    call.progress.sent = true;
    const response = await sendWithKey(ctx, exchange, policy, { method: call.method, path: request.upstreamPath, query, apiKey: key.apiKey });
    request.detail.binanceStatus = response.statusCode;
    const relay = { extraHeaders: request.extraHeaders, secrets: secretsOf(key), onBytes: (total: number) => (request.meter.bytesOut = total) };
    if (response.statusCode < 400 || response.statusCode >= 500) {
      await settleReservation(hold, judgeOrderAnswer(request.upstreamPath, response.statusCode, null), request.detail);
      await relayResponse(response.body, request.res, response.statusCode, response.headers, relay);
      return;
    }
    const body = Buffer.from(await response.body.arrayBuffer());
    const answer = parseAnswerBody(body.toString('utf8'));
    // -1021: our clock drifted from Binance's; re-sync so the agent's retry succeeds.
    if (binanceErrorCode(answer) === -1021) void exchange.clock.resync().catch(() => undefined);
    await settleReservation(hold, judgeOrderAnswer(request.upstreamPath, response.statusCode, answer), request.detail);
    await new AgentResponse(request.res, relay).sendWhole(response.statusCode, response.headers, body);
  }
}

function secretsOf(key: BinanceKey): Uint8Array[] {
  const apiKey = new TextEncoder().encode(key.apiKey);
  return key.kind === 'hmac' ? [apiKey, key.secret] : [apiKey];
}
