/**
 * Sends one agent request upstream with a real credential, trying the service's other credentials
 * when the upstream says a key is dead (never after it may have acted on the request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { KeygateError } from '../../../shared/errors';
import type { DeadKeyRule } from '../../../shared/policy/policy-types';
import { isDeadKeyAnswer, isDeadKeyStatus, mayBeDeadKeyAnswer } from './credential-rotation';
import { buildUpstreamHeaders } from './forward-headers';
import { declaredLengthExceeds, limitBody, readBodyCapped } from './body-limit';
import type { ProxyContext } from './proxy-context';
import { AgentResponse } from './response-relay';
import type { DeadKeyCheck } from './upstream-relay';
import { locateUpstream, type ServiceTarget } from './service-routes';

const utf8 = new TextDecoder();

function deadKeyCheck(rule: DeadKeyRule): DeadKeyCheck {
  return { inspects: (status) => mayBeDeadKeyAnswer(rule, status), isDead: (status, bodyStart) => isDeadKeyAnswer(rule, status, utf8.decode(bodyStart)) };
}

export interface ForwardMeter {
  credentialId: string | null;
  bytesIn: number;
  bytesOut: number;
}

export interface ForwardInput {
  req: IncomingMessage;
  res: ServerResponse;
  target: ServiceTarget;
  query: string;
  extraHeaders: Record<string, string>;
  meter: ForwardMeter;
}

export async function forwardWithRotation(ctx: ProxyContext, input: ForwardInput): Promise<void> {
  const { req, res, target, meter } = input;
  const maxBytes = ctx.policy.proxy.maxRequestBodyBytes;
  if (declaredLengthExceeds(req, maxBytes)) throw new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
  const ids = ctx.vault.credentialIdsFor(target.service);
  if (ids.length === 0) throw ctx.vault.noUsableCredential(target.service);
  const order = ctx.rotation.order(target.service, ids, target.rotation, ctx.now());
  const countIn = (total: number) => (meter.bytesIn = total);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // Only a request that may be sent twice is held in memory; a single-key request streams.
  const body: Buffer | Readable | null = !hasBody ? null : order.length > 1 ? await readBodyCapped(req, maxBytes, countIn) : req.pipe(limitBody(maxBytes, countIn));
  const { origin, path } = locateUpstream(target.baseUrl, target.upstreamPath, input.query);
  // With another key to try, an answer that may mean "dead key" is read before the agent sees it.
  const deadKey = order.length > 1 ? deadKeyCheck(target.deadKey) : null;
  const failures: string[] = [];

  for (const id of order) {
    meter.credentialId = id;
    const dead = await ctx.vault.withOpenCredential(id, async (secret) => {
      const headers = buildUpstreamHeaders(req.headers, { name: target.auth.header, value: `${target.auth.prefix}${utf8.decode(secret)}` }, target.allowRanges);
      const agent = new AgentResponse(res, { extraHeaders: input.extraHeaders, secrets: [secret], allowRanges: target.allowRanges, onBytes: (total) => (meter.bytesOut = total) });
      const call = {
        origin,
        path,
        method: req.method ?? 'GET',
        headers,
        body,
        timeoutMs: ctx.policy.proxy.upstreamTimeoutSeconds * 1000,
        upstreamProxy: target.upstreamProxy ?? ctx.policy.proxy.upstreamProxy,
      };
      const outcome = await ctx.upstream.relay(call, { agent, deadKey });
      ctx.onCredentialUsed(id);
      if (outcome.kind === 'dead') return `HTTP ${outcome.status}`;
      // With no other key to try the answer went to the agent as it was; a dead-key status still counts.
      const health = isDeadKeyStatus(target.deadKey, outcome.status) ? ctx.rotation.markFailed(target.service, ids, id, target.rotation, `HTTP ${outcome.status}`, ctx.now()) : ctx.rotation.markWorked(id);
      if (health !== null) ctx.onCredentialHealth(health);
      await agent.settled;
      return null;
    });
    if (dead === null) return;
    failures.push(`credential ${id}: ${dead}`);
    ctx.onCredentialHealth(ctx.rotation.markFailed(target.service, ids, id, target.rotation, dead, ctx.now()));
  }
  throw new KeygateError('ALL_CREDENTIALS_FAILED', `${failures.join('; ')}.`);
}
