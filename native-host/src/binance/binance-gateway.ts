/**
 * The Binance service handler: default-deny endpoint rules and the read/trade scope they imply,
 * the weight guard, order-value and daily-volume caps, then signing with the real key and relaying
 * Binance's answer through the one upstream relay. Never retries an order: a request that reached
 * Binance may have been executed.
 */
import { scopeAllows } from '../../../shared/agents/agent-keys';
import { KeygateError } from '../../../shared/errors';
import type { BinancePolicy } from '../../../shared/policy/policy-types';
import type { BinanceKeyRestrictions } from '../../../shared/proxy-messages';
import { isContentCoded } from '../upstream/content-coding';
import { readBodyCapped, type RequestBody } from '../upstream/request-body';
import type { StopSignal } from '../upstream/stop-signal';
import type { AnswerSink } from '../upstream/upstream-relay';
import { type BinanceExchange, createExchange, keyedCall } from './binance-exchange';
import { type BinanceKey, parseBinanceSecret, wipeBinanceKey } from './binance-keys';
import { encodeParams, type ParamList, parseAgentParams, withoutAgentSigning } from './binance-params';
import type { BinanceServices } from './binance-services';
import { buildSignedQuery } from './binance-signing';
import { type BinanceEndpointDecision, decideBinanceEndpoint } from './endpoint-policy';
import { checkKeyRestrictions } from './key-restrictions';
import { checkOrderCaps, type VolumeHold } from './order-caps';
import { isOrderPlacing } from './order-value';
import { BinanceBackOff } from './rate-guard';
import { binanceErrorCode, judgeOrderAnswer, judgeUnreadableOrderAnswer, mayHaveExecutedWithoutAnswer, parseAnswerBody, settleReservation } from './reservation-release';

export { BinanceBackOff } from './rate-guard';

export type BinanceAdmission = Extract<BinanceEndpointDecision, { allowed: true }>;

/** One admitted agent request, as the pipeline hands it over. */
export interface BinanceAgentCall {
  method: string;
  upstreamPath: string;
  query: string;
  contentType: string | undefined;
  body: RequestBody;
  /** The agent went away: stop, and abort the call to Binance. */
  signal: StopSignal;
  /** The agent's reply, scrubbing these secrets from everything it is sent. */
  scrubbedReply: (secrets: Uint8Array[]) => AnswerSink;
  meter: { credentialId: string | null; bytesIn: number };
  /** Facts for the audit line (order value, reservation, whether it reached Binance); never a secret. */
  detail: Record<string, string | number | boolean | null>;
}

/** How far an order got: never sent (cannot have executed), sent, or answered by Binance. */
type OrderProgress = { sent: boolean; answered: boolean };

export class BinanceGateway {
  private exchange: BinanceExchange | null = null;
  private readonly restrictions = new Map<string, BinanceKeyRestrictions>();

  constructor(private readonly services: BinanceServices) {}

  /** State is per base URL: a policy pointing elsewhere starts a fresh clock, price cache and budget. */
  private exchangeFor(policy: BinancePolicy): BinanceExchange {
    if (this.exchange?.baseUrl !== policy.baseUrl) this.exchange = createExchange(this.services, policy);
    return this.exchange;
  }

  /** The endpoint-rules step: the lists, then the scope the endpoint's class needs (read or trade). */
  admit(scopes: readonly string[], method: string, upstreamPath: string): BinanceAdmission {
    // No Binance REST path needs percent-encoding; an encoded one is an attempt to smuggle a name past
    // the lists (a lenient server could decode `withdraw%2Fapply`), so it is refused outright.
    if (upstreamPath.includes('%')) throw new KeygateError('ENDPOINT_BLOCKED', 'Binance: percent-encoded paths are never forwarded.');
    const decision = decideBinanceEndpoint(method, upstreamPath, this.services.policy().services.binance);
    if (!decision.allowed) throw new KeygateError('ENDPOINT_BLOCKED', `Binance: ${decision.reason}.`);
    if (!scopeAllows(scopes, 'binance', decision.access)) throw new KeygateError('SCOPE_DENIED', `Needs scope "binance:${decision.access}".`);
    return decision;
  }

  async forward(call: BinanceAgentCall, admission: BinanceAdmission): Promise<void> {
    const { services } = this;
    const policy = services.policy().services.binance;
    const exchange = this.exchangeFor(policy);
    const allowedNow = exchange.guard.check(services.now());
    if (!allowedNow.ok) throw new BinanceBackOff(allowedNow.retryAfterSeconds, allowedNow.reason);

    const body = await readBodyCapped(call.body, services.policy().proxy.maxRequestBodyBytes, (total) => (call.meter.bytesIn = total));
    const params = withoutAgentSigning(parseAgentParams(call.query, body, call.contentType));
    const order = isOrderPlacing(call.method, call.upstreamPath);
    const hold: VolumeHold = order
      ? await checkOrderCaps({ exchange, policy, method: call.method, path: call.upstreamPath, params, now: services.now(), openLedger: services.openLedger, detail: call.detail })
      : null;

    const [credentialId] = services.vault.credentialIdsFor('binance');
    if (credentialId === undefined) {
      await hold?.release();
      throw services.vault.noUsableCredential('binance');
    }
    call.meter.credentialId = credentialId;
    const progress: OrderProgress = { sent: false, answered: false };
    try {
      await services.vault.withOpenCredential(credentialId, async (secret, record) => {
        if (record.kind === 'api_key') throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'The Binance credential holds a plain API key; add it again as key + secret or PEM key.');
        const key = parseBinanceSecret(record.kind, secret);
        try {
          await this.forwardSigned(exchange, policy, { call, admission, params, key, hold, progress });
          services.onCredentialUsed(credentialId);
        } finally {
          wipeBinanceKey(key);
        }
      });
    } catch (error) {
      // An order that was never sent (the clock sync failed, the agent left first) cannot have
      // executed: give its volume back. Once sent, a timeout, a broken connection or the agent
      // hanging up may hide an executed order: keep the reservation then (counting too much is safe).
      // A reservation Binance's answer already decided stays decided (see reservation-release.ts).
      if (hold && !mayHaveExecutedWithoutAnswer(progress.sent, error)) await hold.release();
      if (order) call.detail.reachedBinance = progress.answered ? true : progress.sent ? 'unknown' : false;
      throw error;
    }
  }

  /** What Binance says of a stored key; kept for /_keygate/status and returned for the extension. */
  async checkRestrictions(credentialId: string): Promise<BinanceKeyRestrictions> {
    const result = await checkKeyRestrictions(this.services, this.exchangeFor(this.services.policy().services.binance), credentialId);
    this.restrictions.set(credentialId, result);
    return result;
  }

  /** The last check of every Binance key (for /_keygate/status); no secrets. */
  keyRestrictions(): BinanceKeyRestrictions[] {
    return [...this.restrictions.values()];
  }

  private async forwardSigned(
    exchange: BinanceExchange,
    policy: BinancePolicy,
    signed: { call: BinanceAgentCall; admission: BinanceAdmission; params: ParamList; key: BinanceKey; hold: VolumeHold; progress: OrderProgress },
  ): Promise<void> {
    const { call, key, hold, progress } = signed;
    const { services } = this;
    const query = signed.admission.signed ? buildSignedQuery(key, signed.params, await exchange.clock.timestamp(), policy.recvWindowMs) : encodeParams(signed.params);
    if (call.signal.aborted) throw new KeygateError('CLIENT_DISCONNECTED');
    progress.sent = true;
    let settled: Promise<void> | null = null;
    let coded = false;
    await services.upstream.relay(keyedCall(services, policy, { method: call.method, path: call.upstreamPath, query, apiKey: key.apiKey }), {
      sink: call.scrubbedReply(secretsOf(key)),
      signal: call.signal,
      onHead: (status, headers) => {
        progress.answered = true;
        exchange.guard.observe(status, headers, services.now());
        call.detail.binanceStatus = status;
        coded = isContentCoded(headers);
        // A 2xx or 5xx keeps the order's volume (accepted, or status unknown); a 4xx is judged below.
        if (!isClientError(status)) settled = settleReservation(hold, judgeOrderAnswer(call.upstreamPath, status, null), call.detail);
      },
      // A 4xx is read before the agent sees it: it may release the order's volume or need a clock re-sync.
      inspection: {
        inspects: isClientError,
        verdict: async (status, bodyStart): Promise<'relay'> => {
          // A compressed body is refused to the agent unread; its code (maybe -1007) is unknown here too.
          if (coded) {
            await settleReservation(hold, judgeUnreadableOrderAnswer(status), call.detail);
            return 'relay';
          }
          const answer = parseAnswerBody(bodyStart.toString('utf8'));
          // -1021: our clock drifted from Binance's; re-sync so the agent's retry succeeds.
          if (binanceErrorCode(answer) === -1021) void exchange.clock.resync().catch(() => undefined);
          await settleReservation(hold, judgeOrderAnswer(call.upstreamPath, status, answer), call.detail);
          return 'relay';
        },
      },
    });
    await settled;
  }
}

function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}

function secretsOf(key: BinanceKey): Uint8Array[] {
  const apiKey = new TextEncoder().encode(key.apiKey);
  return key.kind === 'hmac' ? [apiKey, key.secret] : [apiKey];
}
