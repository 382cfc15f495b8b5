/**
 * The one request pipeline: check Host/Origin → canonical path → authenticate the agent → route
 * → scope → vault unlocked → endpoint rules → rate limit → credential, inject, forward, relay →
 * audit. Every refusal is a catalogue error; every request ends as one audit line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeygateError } from '../../../shared/errors';
import { scopeAllows } from '../../../shared/agents/agent-keys';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { presentedAgentKey } from './agent-key-header';
import { checkCanonicalPath } from './canonical-path';
import { type CompiledEndpointRules, compileEndpointRules, decideEndpoint } from '../../../shared/policy/endpoint-match';
import { methodOverrideProblem } from './method-override';
import type { EndpointRules } from '../../../shared/policy/policy-types';
import { sendError, sendJson } from './error-response';
import { forwardWithRotation } from './forward-with-rotation';
import type { ProxyContext } from './proxy-context';
import { checkHostAndOrigin, corsHeaders } from './request-guard';
import { resolveRoute, type ServiceTarget } from './service-routes';
import { BinanceBackOff } from '../binance/binance-gateway';
import { agentStatus } from './status-endpoint';
import { Refusal } from './refusal';
import { auditRecord, type RequestState } from './request-audit';

/** Patterns compile once per policy: a new policy brings new rule objects, so identity is the key. */
const compiledRules = new WeakMap<EndpointRules, CompiledEndpointRules>();

function rulesFor(rules: EndpointRules): CompiledEndpointRules {
  let compiled = compiledRules.get(rules);
  if (compiled === undefined) {
    compiled = compileEndpointRules(rules);
    compiledRules.set(rules, compiled);
  }
  return compiled;
}

function authenticate(ctx: ProxyContext, req: IncomingMessage): AgentKeyRecord {
  const presented = presentedAgentKey(req);
  if (!presented.ok) throw new Refusal(presented.code);
  const result = ctx.agents.authenticate(presented.key, ctx.now());
  if (!result.ok) throw new Refusal(result.code, result.reason === 'unknown' || result.reason === 'malformed' ? undefined : `The key is ${result.reason}.`);
  return result.agent;
}

async function runPipeline(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, state: RequestState): Promise<void> {
  const guard = checkHostAndOrigin(req, ctx.hosts, ctx.policy.proxy.allowedOrigins);
  if (!guard.ok) throw new Refusal(guard.code, guard.detail);
  state.cors = corsHeaders(guard.corsOrigin);
  if (req.method === 'OPTIONS' && guard.corsOrigin !== null) {
    res.writeHead(204, state.cors).end();
    return;
  }
  const canonical = checkCanonicalPath(req.url ?? '');
  if (!canonical.ok) throw new Refusal('NON_CANONICAL_PATH', canonical.reason);
  state.path = canonical.path;
  if (asksForWebSocket(req)) throw new Refusal('WEBSOCKET_NOT_SUPPORTED');

  const agent = authenticate(ctx, req);
  state.agent = agent;
  const route = resolveRoute(canonical.path, ctx.policy);
  if (route.kind === 'unknown') throw new Refusal('SERVICE_UNKNOWN');
  if (route.kind === 'status') {
    sendJson(res, 200, agentStatus(ctx, agent), state.cors);
    return;
  }
  const { target } = route;
  state.service = target.service;
  const extraHeaders = { ...state.cors, 'x-keygate-request-id': state.requestId };
  if (target.kind === 'binance') {
    // The endpoint decides the scope (binance:read or binance:trade), so the gateway checks both.
    takeRateToken(ctx, target);
    await ctx.binance.handle(ctx, { req, res, agent, upstreamPath: target.upstreamPath, query: canonical.query, extraHeaders, meter: state.meter, detail: state.detail });
    return;
  }
  if (!scopeAllows(agent.scopes, target.scopeName, 'use')) throw new Refusal('SCOPE_DENIED', `Needs scope "${target.scopeName}".`);
  if (!ctx.vault.isUnlocked) throw new Refusal('VAULT_LOCKED');

  const override = methodOverrideProblem(req.headers, canonical.query);
  if (override !== null) throw new Refusal('METHOD_OVERRIDE_REFUSED', override);
  const method = (req.method ?? 'GET').toUpperCase();
  const decision = decideEndpoint(rulesFor(target.rules), method, target.upstreamPath);
  if (!decision.allowed) {
    const rule = decision.rule ?? (decision.reason === 'not_allowed' ? 'not in allowed_endpoints' : 'blocked');
    throw new Refusal('ENDPOINT_BLOCKED', `Rule: ${rule}.`, {}, rule);
  }
  takeRateToken(ctx, target);
  await forwardWithRotation(ctx, { req, res, target, query: canonical.query, extraHeaders, meter: state.meter });
}

/**
 * A WebSocket handshake (Connection: upgrade + Upgrade: websocket). Node hands it to the request
 * handler when nobody listens for 'upgrade' (and clears `req.upgrade`); forwarded, it would reach the
 * upstream as a plain GET carrying the real key. An `h2c` offer is simply declined: HTTP/1.1 answers.
 */
function asksForWebSocket(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  // Almost no request carries Upgrade: one property read is all the usual request pays.
  if (upgrade === undefined) return false;
  return /\bwebsocket\b/i.test(upgrade) && /(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.connection ?? '');
}

/** The policy's own rate limit for the service (a token bucket shared by every agent). */
function takeRateToken(ctx: ProxyContext, target: ServiceTarget): void {
  if (target.rules.rateLimit === null) return;
  const taken = ctx.rateLimiter.take(target.scopeName, target.rules.rateLimit, ctx.now());
  if (!taken.ok) throw new Refusal('RATE_LIMITED', undefined, { 'retry-after': String(taken.retryAfterSeconds) });
}

export async function handleProxyRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const state: RequestState = {
    requestId: randomUUID(),
    receivedAt: ctx.now(),
    startedAt: performance.now(),
    agent: null,
    service: null,
    // Until the path is known canonical, the audit line names none of it.
    path: '(refused)',
    meter: { credentialId: null, bytesIn: 0, bytesOut: 0 },
    cors: {},
    detail: {},
  };
  let failure: KeygateError | null = null;
  try {
    await runPipeline(ctx, req, res, state);
  } catch (error) {
    failure = error instanceof KeygateError ? error : new KeygateError('INTERNAL_ERROR');
    if (!(error instanceof KeygateError)) console.error(`keygate-host: request ${state.requestId} failed:`, error);
    const retryAfter: Record<string, string> = failure instanceof BinanceBackOff ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
    const headers = { ...state.cors, ...(failure instanceof Refusal ? failure.headers : {}), ...retryAfter, 'x-keygate-request-id': state.requestId };
    sendError(res, failure.code, failure.detail, headers);
  } finally {
    ctx.audit.append(auditRecord(ctx, req, res, state, failure));
  }
}
