/**
 * The one request pipeline: check Host/Origin → canonical path → authenticate the agent → route
 * → scope → vault unlocked → endpoint rules → rate limit → credential, inject, forward, relay →
 * audit. Every refusal is a catalogue error; every request ends as one audit line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorBody, KeygateError } from '../../../shared/errors';
import { scopeAllows } from '../../../shared/agents/agent-keys';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { AuditRecord } from '../audit/audit-record';
import { presentedAgentKey } from './agent-key-header';
import { checkCanonicalPath } from './canonical-path';
import { type CompiledEndpointRules, compileEndpointRules, decideEndpoint } from './endpoint-match';
import type { EndpointRules } from '../../../shared/policy/policy-types';
import { sendError, sendJson } from './error-response';
import { forwardWithRotation, type ForwardMeter } from './forward-with-rotation';
import type { ProxyContext } from './proxy-context';
import { checkHostAndOrigin, corsHeaders } from './request-guard';
import { resolveRoute, type ServiceTarget } from './service-routes';
import { BinanceBackOff } from '../binance/binance-gateway';
import { agentStatus } from './status-endpoint';

/** A refusal the pipeline answers with; `headers` carries e.g. Retry-After. */
class Refusal extends KeygateError {
  constructor(code: ErrorCode, detail?: string, readonly headers: Record<string, string> = {}, readonly rule?: string) {
    super(code, detail);
  }
}

interface RequestState {
  requestId: string;
  /** Wall clock for the audit line, monotonic clock for the duration. */
  receivedAt: number;
  startedAt: number;
  agent: AgentKeyRecord | null;
  service: string | null;
  path: string;
  meter: ForwardMeter;
  cors: Record<string, string>;
  /** Facts for the audit line (e.g. a Binance order's value); never a secret. */
  detail: Record<string, string | number | boolean | null>;
}

/** Codes that are Keygate saying no on purpose (the audit's "blocked"), wherever they are raised. */
const POLICY_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ENDPOINT_BLOCKED',
  'SCOPE_DENIED',
  'RATE_LIMITED',
  'REQUEST_TOO_LARGE',
  'ORDER_VALUE_EXCEEDED',
  'DAILY_VOLUME_EXCEEDED',
  'ORDER_VALUE_UNKNOWN',
  'BINANCE_PARAMETER_DUPLICATE',
  'BINANCE_REQUEST_INVALID',
  'VAULT_LOCKED',
]);

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

  const method = (req.method ?? 'GET').toUpperCase();
  const decision = decideEndpoint(rulesFor(target.rules), method, target.upstreamPath);
  if (!decision.allowed) {
    const rule = decision.rule ?? (decision.reason === 'not_allowed' ? 'not in allowed_endpoints' : 'blocked');
    throw new Refusal('ENDPOINT_BLOCKED', `Rule: ${rule}.`, {}, rule);
  }
  takeRateToken(ctx, target);
  await forwardWithRotation(ctx, { req, res, target, query: canonical.query, extraHeaders, meter: state.meter });
}

/** The policy's own rate limit for the service (a token bucket shared by every agent). */
function takeRateToken(ctx: ProxyContext, target: ServiceTarget): void {
  if (target.rules.rateLimit === null) return;
  const taken = ctx.rateLimiter.take(target.scopeName, target.rules.rateLimit, ctx.now());
  if (!taken.ok) throw new Refusal('RATE_LIMITED', undefined, { 'retry-after': String(taken.retryAfterSeconds) });
}

function auditRecord(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, state: RequestState, failure: KeygateError | null): AuditRecord {
  const reason = failure === null ? null : failure instanceof Refusal && failure.rule ? `${failure.code}: ${failure.rule}` : failure.code;
  return {
    time: new Date(state.receivedAt).toISOString(),
    requestId: state.requestId,
    agent: state.agent?.id ?? null,
    agentName: state.agent?.name ?? null,
    service: state.service,
    method: req.method ?? '',
    path: state.path,
    status: res.statusCode,
    decision: failure === null ? 'allowed' : failure instanceof Refusal || POLICY_REFUSALS.has(failure.code) ? 'blocked' : 'error',
    reason,
    credentialId: state.meter.credentialId,
    durationMs: Math.round((performance.now() - state.startedAt) * 10) / 10,
    bytesIn: state.meter.bytesIn,
    bytesOut: state.meter.bytesOut,
    ...(Object.keys(state.detail).length > 0 ? { detail: state.detail } : {}),
  };
}

/**
 * Node's parser refuses some requests before any handler runs (a lower-case method, a broken
 * header). They still get a catalogue answer and an audit line: a refused attempt leaves a trace.
 */
export function answerMalformedRequest(ctx: ProxyContext, error: Error & { code?: string }, socket: Duplex): void {
  ctx.audit.append({
    time: new Date(ctx.now()).toISOString(),
    requestId: randomUUID(),
    agent: null,
    agentName: null,
    service: null,
    method: '',
    path: '(refused)',
    status: 400,
    decision: 'blocked',
    reason: `HTTP_REQUEST_MALFORMED: ${error.code ?? 'parse error'}`,
    credentialId: null,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
  });
  if (!socket.writable) return;
  const body = JSON.stringify({ error: errorBody('HTTP_REQUEST_MALFORMED') });
  socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
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
