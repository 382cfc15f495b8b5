/**
 * The key-injection service handler (OpenAI, Anthropic, custom services): the policy's endpoint
 * rules, then the request sent upstream with a real credential, trying the service's other
 * credentials when the upstream says a key is dead (never after it may have acted on the request).
 */
import { KeygateError } from '../../../shared/errors';
import type { DeadKeyRule, EndpointRules } from '../../../shared/policy/policy-types';
import { announcesSmallBody, declaredLengthExceeds, hasBodyToSend, limitBody, readBodyCapped } from '../upstream/request-body';
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
import type { ServiceTarget } from './service-routes';
import type { VaultKeeper } from '../vault/vault-keeper';

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

/**
 * Whether the rules would judge another method differently and an upstream could read a `_method`
 * from this body (checked synchronously: every request asks). The rules first: without rules that
 * name a method (the default) that is one length check, where the body's Content-Type readings make
 * a few arrays and strings per request.
 */
function mayCarryMethodOverride({ request, target }: ForwardCall<null>): boolean {
  return decisionVariesByMethod(rulesFor(target.rules), 'POST', target.upstreamPath) && bodyMayOverrideMethod(request.method, request.headers);
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

  /**
   * Not an `async` frame, nor is anything it calls on the usual way (one credential, no body or a
   * small one): the request's promises are its body read, the relay's outcome and the two reactions
   * on it (the credential's bookkeeping, the zeroing of the opened secret), instead of an async
   * function and its awaits at every step.
   */
  forward(call: ForwardCall<null>): Promise<void> {
    const { request, target, record } = call;
    const services = this.services;
    const { meter } = record;
    const maxBytes = services.policy.proxy.maxRequestBodyBytes;
    if (declaredLengthExceeds(request.headers, maxBytes)) throw new KeygateError('REQUEST_TOO_LARGE', `The limit is ${maxBytes} bytes.`);
    const countIn = (total: number) => (meter.bytesIn = total);
    // A body already read for its _method check is sent as read, to every key tried.
    if (mayCarryMethodOverride(call)) return this.readBodyWithoutOverride(call, maxBytes, countIn).then((checked) => this.tryInOrder(call, this.credentialOrder(target), checked));
    const order = this.credentialOrder(target);
    if (!hasBodyToSend(request.method, request.headers)) return this.tryInOrder(call, order, null);
    if (order.ids.length > 1) return this.forwardHeld(call, order, limitBody(request.body, maxBytes, countIn));
    // Sent once: streamed, unless it announced a small body: read whole, it leaves with the
    // request's head in one write instead of one per chunk.
    if (!announcesSmallBody(request.headers)) return this.tryInOrder(call, order, limitBody(request.body, maxBytes, countIn));
    return readBodyCapped(request.body, maxBytes, countIn).then((body) => this.tryInOrder(call, order, body));
  }

  /** The service's usable credentials, and the order to try them in (rotation). */
  private credentialOrder(target: ServiceTarget): CredentialOrder {
    const services = this.services;
    const all = services.vault.credentialIdsFor(target.service);
    if (all.length === 0) throw services.vault.noUsableCredential(target.service);
    return { all, ids: services.rotation.order(target.service, all, target.rotation, services.now()) };
  }

  /**
   * Only a request that may be sent twice is held in memory, while the host-wide budget lasts; one
   * past the budget streams and is sent with its first key only.
   */
  private async forwardHeld(call: ForwardCall<null>, order: CredentialOrder, capped: AsyncIterable<Buffer>): Promise<void> {
    const held = await this.services.retryBuffers.hold(capped);
    try {
      if (held.kind === 'held') await this.tryInOrder(call, order, held.bytes);
      else await this.tryInOrder(call, { all: order.all, ids: order.ids.slice(0, 1) }, held.body);
    } finally {
      held.release();
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

  /** Sends with each credential in turn until one is not dead (never after the upstream may have acted). */
  private tryInOrder(call: ForwardCall<null>, order: CredentialOrder, body: AsyncIterable<Buffer> | Buffer | null, tried = 0, failures: string[] = []): Promise<void> {
    const id = order.ids[tried]!;
    return this.sendWith(call, order, id, body).then((dead) => {
      if (dead === null) return;
      const { services } = this;
      const { target } = call;
      failures.push(`credential ${id}: ${dead}`);
      services.onCredentialHealth(services.rotation.markFailed(target.service, order.all, id, target.rotation, dead, services.now()));
      if (tried + 1 < order.ids.length) return this.tryInOrder(call, order, body, tried + 1, failures);
      throw new KeygateError('ALL_CREDENTIALS_FAILED', `${failures.join('; ')}.`);
    });
  }

  /** One try: the credential opened for it, the answer relayed (or dropped as a dead key's: what it said). */
  private sendWith({ request, reply, target, query, record }: ForwardCall<null>, order: CredentialOrder, id: string, body: AsyncIterable<Buffer> | Buffer | null): Promise<string | null> {
    const services = this.services;
    record.meter.credentialId = id;
    // With another key to try, an answer that may mean "dead key" is read before the agent sees it.
    const inspection = order.ids.length > 1 ? deadKeyCheck(target.deadKey) : null;
    const { origin, path } = locateUpstream(target.baseUrl, target.upstreamPath, query);
    return services.vault.withOpenCredential(id, (secret) => withOthersOpen(services.vault, order.all.length > 1 ? order.all.filter((other) => other !== id) : [], [secret, ...services.vault.derivedFromSecret(id, secret, spellingsOf)], (patterns) => {
      const scrub = { patterns, owned: [] };
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
      return services.upstream.relay(call, { sink: new ScrubbingReply(reply, scrub, target.allowRanges), signal: request.signal, inspection }).then((outcome) => {
        services.onCredentialUsed(id);
        if (outcome.kind === 'dropped') return `HTTP ${outcome.status}`;
        // With no other key to try the answer went to the agent as it was; a dead-key status still counts.
        const health = isDeadKeyStatus(target.deadKey, outcome.status) ? services.rotation.markFailed(target.service, order.all, id, target.rotation, `HTTP ${outcome.status}`, services.now()) : services.rotation.markWorked(id);
        if (health !== null) services.onCredentialHealth(health);
        return null;
      });
    }));
  }
}

/**
 * The service's other credentials, open (and their spellings added to `patterns`) while `use` runs:
 * an upstream that shows what it received before (a request inspector, a debug endpoint) may echo a
 * key sent on another request, and only the answer's scrubber stands between it and the agent. One
 * that cannot be opened (tampered) is left out rather than failing a request it plays no part in.
 */
function withOthersOpen<T>(vault: VaultKeeper, ids: readonly string[], patterns: Uint8Array[], use: (patterns: Uint8Array[]) => Promise<T>): Promise<T> {
  if (ids.length === 0) return use(patterns);
  const [first, ...rest] = ids as [string, ...string[]];
  let opened = false;
  return vault
    .withOpenCredential(first, (secret) => {
      opened = true;
      return withOthersOpen(vault, rest, [...patterns, secret, ...vault.derivedFromSecret(first, secret, spellingsOf)], use);
    })
    .catch((error: unknown) => {
      if (opened) throw error;
      return withOthersOpen(vault, rest, patterns, use);
    });
}

/** A service's usable credential ids (`all`, as the rotation state knows them) and the ones to try, in order. */
interface CredentialOrder {
  all: readonly string[];
  ids: readonly string[];
}

