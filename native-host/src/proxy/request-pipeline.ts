/**
 * The one request pipeline, behind both front doors: canonical path → who is calling → route →
 * scope → vault unlocked → endpoint rules → rate limit → the service handler (credential, inject or
 * sign, forward, relay, scrub) → audit. It takes an AgentRequest and answers through an AgentReply,
 * never a socket. Every refusal is a catalogue error; every request ends as exactly one audit line,
 * including one whose agent went away at any moment (status 499).
 *
 * The pipeline also keeps the requests it is running, so Keygate can end them itself when what
 * admitted them is withdrawn (the vault locked, an agent key disabled or removed): the upstream call
 * is aborted, the agent gets the refusal (or, after the head, a broken-off answer), and the audit line
 * says why.
 */
import { containsAgentKey, scopeAllows } from '../../../shared/agents/agent-keys';
import { ERRORS, KeygateError } from '../../../shared/errors';
import { BinanceBackOff } from '../binance/binance-gateway';
import { RequestStop } from '../upstream/stop-signal';
import type { AgentReply, AgentRequest } from './agent-exchange';
import { callerBehindRefusal } from './audit-attribution';
import { BinanceHandler } from './binance-handler';
import { type Caller, grantCaller, identifyCaller } from './caller-identity';
import { checkCanonicalPath } from './canonical-path';
import { replyError, replyJson } from './error-response';
import { KeyInjectionHandler } from './forward-with-rotation';
import type { ProxyServices } from './proxy-services';
import { RecordingReply } from './recording-reply';
import { newRequestId } from './request-id';
import { Refusal } from './refusal';
import { auditRecord, type RequestRecord } from './request-audit';
import type { ServiceHandler } from './service-handler';
import { resolveRoute, type ServiceTarget } from './service-routes';
import { agentStatus } from './status-endpoint';

/** The status an audit line shows for a request whose agent went away before it had the answer. */
const CLIENT_CLOSED_STATUS = 499;

/**
 * A request being run, as the pipeline keeps it to end it early: the stop its steps watch (fired by
 * its agent leaving or by Keygate ending it), and why Keygate ended it, if it did.
 */
class InFlight extends RequestStop {
  endedBy: KeygateError | null = null;

  constructor(readonly request: AgentRequest) {
    super();
  }

  end(reason: KeygateError): void {
    if (this.aborted) return;
    this.endedBy = reason;
    this.abort(reason);
  }
}

export class RequestPipeline {
  private readonly keyInjection: KeyInjectionHandler;
  private readonly binance: BinanceHandler;
  private readonly inFlight = new Set<InFlight>();

  constructor(private readonly services: ProxyServices) {
    this.keyInjection = new KeyInjectionHandler(services);
    this.binance = new BinanceHandler(services.binance);
  }

  /** Runs one request to its end: answered (or the agent gone), and audited once. */
  handle(request: AgentRequest, reply: AgentReply): Promise<void> {
    return this.conclude(request, reply, (running, record, recording) => this.run(running, recording, record));
  }

  /** Ends every request being run that `which` picks, with `reason` as its answer and audit line. */
  endInFlight(which: (request: AgentRequest) => boolean, reason: KeygateError): void {
    for (const running of [...this.inFlight]) if (which(running.request)) running.end(reason);
  }

  /**
   * A request its front door refused and answered itself, before it could be run (a bridge frame
   * refused with an error reply): it leaves its audit line all the same.
   */
  auditRefused(request: AgentRequest, refusal: KeygateError): void {
    const record = this.newRecord(request.method);
    record.status = ERRORS[refusal.code].status;
    record.caller = callerBehindRefusal(this.services, request);
    this.services.audit.append(auditRecord(record, refusal));
  }

  /**
   * A browser agent's call the extension's background refused before sending it here (`agent` as the
   * browser vouched for it): audited as a refusal here would be, under its grant when the host has
   * one by that name (a disabled or expired one too); else as an unauthenticated refusal (sampled),
   * with the name in its detail.
   */
  auditBrowserRefusal(method: string, path: string, agent: string, refusal: KeygateError): void {
    const record = this.newRecord(method);
    const canonical = checkCanonicalPath(path);
    if (canonical.ok) record.path = canonical.path;
    record.status = ERRORS[refusal.code].status;
    const grant = this.services.grants.named(agent);
    if (grant === undefined) record.detail = { browserAgent: agent };
    else record.caller = grantCaller(grant);
    this.services.audit.append(auditRecord(record, refusal));
  }

  /** A request its front door refused before the pipeline (e.g. a foreign Host): answered and audited alike. */
  refuse(request: AgentRequest, reply: AgentReply, refusal: KeygateError): Promise<void> {
    return this.conclude(request, reply, () => Promise.reject(refusal));
  }

  private newRecord(method: string): RequestRecord {
    return {
      requestId: newRequestId(),
      receivedAt: this.services.now(),
      startedAt: performance.now(),
      method,
      caller: null,
      service: null,
      // Until the path is known canonical, the audit line names none of it.
      path: '(refused)',
      status: 0,
      meter: { credentialId: null, bytesIn: 0, bytesOut: 0 },
      detail: null,
    };
  }

  private async conclude(request: AgentRequest, reply: AgentReply, run: (request: AgentRequest, record: RequestRecord, reply: AgentReply) => Promise<void>): Promise<void> {
    const record = this.newRecord(request.method);
    const recording = new RecordingReply(reply, record);
    // Keygate ending the request stops every step as the agent leaving would, but the agent is still there to be told.
    const running = new InFlight(request);
    const agentLeft = () => running.abort(request.signal.reason);
    if (request.signal.aborted) agentLeft();
    else request.signal.addEventListener('abort', agentLeft, { once: true });
    this.inFlight.add(running);
    let failure: KeygateError | null = null;
    try {
      // Spelled out rather than spread (V8 copies a spread with a changed field the slow way).
      const { method, target, headers, body, caller } = request;
      await run({ method, target, headers, body, signal: running, caller }, record, recording);
    } catch (error) {
      failure = error instanceof KeygateError ? error : new KeygateError('INTERNAL_ERROR');
      if (!(error instanceof KeygateError)) console.error(`keygate-host: request ${record.requestId} failed:`, error);
      if (request.signal.aborted) {
        // Nobody is left to answer; a refusal the agent never saw still shows in the audit line, and
        // so does why a front door cut the agent off (a revoked grant), when it says.
        if (!(failure instanceof Refusal)) failure = request.signal.reason instanceof KeygateError ? request.signal.reason : new KeygateError('CLIENT_DISCONNECTED', failure.code === 'CLIENT_DISCONNECTED' ? failure.detail : undefined);
        record.status = CLIENT_CLOSED_STATUS;
      } else {
        if (running.endedBy !== null) failure = running.endedBy;
        await replyError(recording, this.services.hintMode, failure.code, failure.detail, errorHeaders(failure)).catch(() => {
          record.status = CLIENT_CLOSED_STATUS;
        });
      }
    } finally {
      this.inFlight.delete(running);
      request.signal.removeEventListener('abort', agentLeft);
      if (failure !== null && record.caller === null) record.caller = callerBehindRefusal(this.services, request);
      this.services.audit.append(auditRecord(record, failure));
    }
  }

  /** Synchronous up to the forward (a refusal throws here, into `conclude`): one promise per request, not one per step. */
  private run(request: AgentRequest, reply: AgentReply, record: RequestRecord): Promise<void> {
    const canonical = checkCanonicalPath(request.target);
    if (!canonical.ok) throw new Refusal('NON_CANONICAL_PATH', canonical.reason);
    record.path = canonical.path;
    const caller = identifyCaller(this.services, request.caller, request.headers);
    record.caller = caller;
    // Headers holding an agent key are never forwarded; a query is forwarded as it is, so one holding a key is refused.
    if (canonical.query !== '' && queryHoldsAgentKey(canonical.query)) throw new Refusal('AGENT_KEY_IN_QUERY');
    const route = resolveRoute(canonical.path, this.services.policy);
    if (route.kind === 'unknown') throw new Refusal('SERVICE_UNKNOWN');
    if (route.kind === 'status') return replyJson(reply, 200, agentStatus(this.services, caller));
    record.service = route.target.service;
    const handler = route.target.kind === 'binance' ? this.binance : this.keyInjection;
    return this.admitAndForward(handler, { request, reply, record, caller, target: route.target, query: canonical.query });
  }

  /** The one admission order for every route: scope → vault → endpoint rules → rate limit, then forward. */
  private admitAndForward<Admitted>(
    handler: ServiceHandler<Admitted>,
    call: { request: AgentRequest; reply: AgentReply; record: RequestRecord; caller: Caller; target: ServiceTarget; query: string },
  ): Promise<void> {
    const { caller, target } = call;
    if (!scopeAllows(caller.scopes, target.scopeName, handler.entryAccess)) throw new Refusal('SCOPE_DENIED', `Needs scope "${scopeLabel(target, handler)}".`);
    if (!this.services.vault.isUnlocked) throw new Refusal('VAULT_LOCKED');
    const admitted = handler.admit({ caller, method: call.request.method.toUpperCase(), headers: call.request.headers, query: call.query, target });
    this.takeRateToken(target);
    // Spelled out: a spread with one field added took V8's slow object-copy path, ~1 % of a request.
    return handler.forward({ request: call.request, reply: call.reply, record: call.record, target, query: call.query, admitted });
  }

  /** The policy's own rate limit for the service (a token bucket shared by every caller). */
  private takeRateToken(target: ServiceTarget): void {
    if (target.rules.rateLimit === null) return;
    const taken = this.services.rateLimiter.take(target.scopeName, target.rules.rateLimit, this.services.now());
    if (!taken.ok) throw new Refusal('RATE_LIMITED', undefined, { 'retry-after': String(taken.retryAfterSeconds) });
  }
}

function scopeLabel(target: ServiceTarget, handler: ServiceHandler<unknown>): string {
  return handler.entryAccess === 'use' ? target.scopeName : `${target.scopeName}:${handler.entryAccess}`;
}

function errorHeaders(failure: KeygateError): Record<string, string> {
  if (failure instanceof BinanceBackOff) return { 'retry-after': String(failure.retryAfterSeconds) };
  return failure instanceof Refusal ? failure.headers : {};
}

/** A `pk_` key in the query, as sent or percent-decoded (`pk%5F…`, or the whole key encoded). */
function queryHoldsAgentKey(query: string): boolean {
  if (containsAgentKey(query)) return true;
  if (!query.includes('%')) return false;
  try {
    return containsAgentKey(decodeURIComponent(query));
  } catch {
    return false;
  }
}
