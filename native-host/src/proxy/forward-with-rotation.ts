/**
 * The key-injection service handler (OpenAI, Anthropic, custom services): the policy's endpoint
 * rules, then the request sent upstream with a real credential, trying the service's other
 * credentials when the upstream says a key is dead (never after it may have acted on the request).
 */
import { KeygateError } from '../../../shared/errors';
import type { DeadKeyRule, EndpointRules } from '../../../shared/policy/policy-types';
import { announcesSmallBody, declaredLengthExceeds, limitBody, readBodyCapped } from '../upstream/request-body';
import type { AnswerInspection } from '../upstream/upstream-relay';
import { locateUpstream } from '../upstream/upstream-location';
import { isDeadKeyAnswer, isDeadKeyStatus, mayBeDeadKeyAnswer } from './credential-rotation';
import { type CompiledEndpointRules, compileEndpointRules, decideEndpoint, decisionVariesByMethod } from '../../../shared/policy/endpoint-match';
import { bodyMayOverrideMethod, bodyMethodOverrideProblem } from './body-method-override';
import { buildUpstreamHeaders } from './forward-headers';
import { methodOverrideProblem } from './method-override';
import type { ProxyServices } from './proxy-services';
import { Refusal } from './refusal';
import { encodedSecretForms } from './encoded-secret-forms';
import { ScrubbingReply } from './response-relay';
import type { AdmissionCall, ForwardCall, ServiceHandler } from './service-handler';

const utf8 = new TextDecoder();

/** Patterns compile once per rule, like endpoint rules: the answer a service's dead key gets. */
const deadKeyChecks = new WeakMap<DeadKeyRule, AnswerInspection>();

function deadKeyCheck(rule: DeadKeyRule): AnswerInspection {
  let check = deadKeyChecks.get(rule);
  if (check === undefined) {
    check = { inspects: (status) => mayBeDeadKeyAnswer(rule, status), verdict: (status, bodyStart) => (isDeadKeyAnswer(rule, status, utf8.decode(bodyStart)) ? 'drop' : 'relay') };
    deadKeyChecks.set(rule, check);
  }
  return check;
}

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

/** One derivation for every credential, so the vault's kept spellings are found again by identity. */
const spellingsOf = (secret: Uint8Array) => encodedSecretForms([secret]);

/** Whether an upstream could read a `_method` from this body and the rules would judge that method differently (checked synchronously: every POST asks). */
function mayCarryMethodOverride({ request, target }: ForwardCall<null>): boolean {
  return bodyMayOverrideMethod(request.method, request.headers) && decisionVariesByMethod(rulesFor(target.rules), 'POST', target.upstreamPath);
}

export class KeyInjectionHandler implements ServiceHandler<null> {
  readonly entryAccess = 'use';

  constructor(private readonly services: ProxyServices) {}

  admit({ method, headers, query, target }: AdmissionCall): null {
    // Endpoint rules judge the method the request names; one that asks the upstream for another is refused first.
    const override = methodOverrideProblem(headers, query);
    if (override !== null) throw new Refusal('METHOD_OVERRIDE_REFUSED', override);
    const decision = decideEndpoint(rulesFor(target.rules), method, target.upstreamPath);
    if (!decision.allowed) {
      const rule = decision.rule ?? (decision.reason === 'not_allowed' ? 'not in allowed_endpoints' : 'blocked');
      throw new Refusal('ENDPOINT_BLOCKED', `Rule: ${rule}.`, {}, rule);
    }
    return null;
  }

  async forward(call: ForwardCall<null>): Promise<void> {
    const { request, target, record } = call;
    const services = this.services;
    const { meter } = record;
    const maxBytes = services.policy.proxy.maxRequestBodyBytes;
    if (declaredLengthExceeds(request.headers, maxBytes)) throw new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
    const countIn = (total: number) => (meter.bytesIn = total);
    const checked = mayCarryMethodOverride(call) ? await this.readBodyWithoutOverride(call, maxBytes, countIn) : null;
    const ids = services.vault.credentialIdsFor(target.service);
    if (ids.length === 0) throw services.vault.noUsableCredential(target.service);
    const hasBody = checked === null && request.method !== 'GET' && request.method !== 'HEAD';
    let order = services.rotation.order(target.service, ids, target.rotation, services.now());
    // Only a request that may be sent twice is held in memory, while the host-wide budget lasts; a
    // single-key request, or one past the budget, streams and is sent once, unless it announced a
    // small body: read whole, it leaves with the request's head in one write instead of one per chunk.
    // A body already read for its _method check is sent as read, to every key tried.
    const oneWrite = hasBody && order.length === 1 && announcesSmallBody(request.headers);
    const capped = hasBody && !oneWrite ? limitBody(request.body, maxBytes, countIn) : null;
    const held = capped !== null && order.length > 1 ? await services.retryBuffers.hold(capped) : null;
    if (held?.kind === 'streaming') order = order.slice(0, 1);
    const body = checked ?? (oneWrite ? await readBodyCapped(request.body, maxBytes, countIn) : held !== null ? (held.kind === 'held' ? held.bytes : held.body) : capped);
    try {
      await this.tryInOrder(call, order, ids, body);
    } finally {
      held?.release();
    }
  }

  /**
   * A POST body an upstream framework could read a `_method` field from is read whole (capped like
   * any body) and checked before anything is sent, but only where the rules judge the path
   * differently for another method: elsewhere an override changes nothing Keygate judges, and large
   * uploads keep streaming (`mayCarryMethodOverride` decides). The bytes are forwarded exactly as received.
   */
  private async readBodyWithoutOverride({ request }: ForwardCall<null>, maxBytes: number, countIn: (total: number) => void): Promise<Buffer> {
    const body = await readBodyCapped(request.body, maxBytes, countIn);
    const problem = bodyMethodOverrideProblem(request.headers, body);
    if (problem !== null) throw new Refusal('METHOD_OVERRIDE_REFUSED', problem);
    return body;
  }

  private async tryInOrder({ request, reply, target, query, record }: ForwardCall<null>, order: readonly string[], ids: readonly string[], body: AsyncIterable<Buffer> | Buffer | null): Promise<void> {
    const services = this.services;
    const { meter } = record;
    const { origin, path } = locateUpstream(target.baseUrl, target.upstreamPath, query);
    // With another key to try, an answer that may mean "dead key" is read before the agent sees it.
    const inspection = order.length > 1 ? deadKeyCheck(target.deadKey) : null;
    const failures: string[] = [];

    for (const id of order) {
      meter.credentialId = id;
      const dead = await services.vault.withOpenCredential(id, async (secret) => {
        const scrub = { patterns: [secret, ...services.vault.derivedFromSecret(id, secret, spellingsOf)], owned: [] };
        const headers = buildUpstreamHeaders(request.headers, { name: target.auth.header, value: `${target.auth.prefix}${utf8.decode(secret)}` }, target.allowRanges);
        const call = {
          origin,
          path,
          method: request.method,
          headers,
          body,
          timeoutMs: services.policy.proxy.upstreamTimeoutSeconds * 1000,
          upstreamProxy: target.upstreamProxy ?? services.policy.proxy.upstreamProxy,
        };
        const outcome = await services.upstream.relay(call, { sink: new ScrubbingReply(reply, scrub, target.allowRanges), signal: request.signal, inspection });
        services.onCredentialUsed(id);
        if (outcome.kind === 'dropped') return `HTTP ${outcome.status}`;
        // With no other key to try the answer went to the agent as it was; a dead-key status still counts.
        const health = isDeadKeyStatus(target.deadKey, outcome.status) ? services.rotation.markFailed(target.service, ids, id, target.rotation, `HTTP ${outcome.status}`, services.now()) : services.rotation.markWorked(id);
        if (health !== null) services.onCredentialHealth(health);
        return null;
      });
      if (dead === null) return;
      failures.push(`credential ${id}: ${dead}`);
      services.onCredentialHealth(services.rotation.markFailed(target.service, ids, id, target.rotation, dead, services.now()));
    }
    throw new KeygateError('ALL_CREDENTIALS_FAILED', `${failures.join('; ')}.`);
  }
}
