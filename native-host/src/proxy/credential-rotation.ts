/**
 * Which credential a request tries first, and which next when the upstream says a key is dead
 * (a 401, or a dead-key code in the body; a 403 is an answer about the request, not about the key,
 * unless a custom service's policy names it).
 * `round_robin` spreads requests over every key; `on_first_failed` sticks to one key until it fails.
 * A refused key cools down: for a while it is tried only after the service's other keys, so a dead
 * key does not cost every other request an extra upstream call. Its health goes to the popup.
 */
import type { DeadKeyRule, RotationMode } from '../../../shared/policy/policy-types';
import type { CredentialHealth } from '../../../shared/proxy-messages';

/** The first cool-down after a refusal; each refusal in a row doubles it, up to the maximum. */
export const FIRST_COOLDOWN_MS = 60_000;
export const MAX_COOLDOWN_MS = 60 * 60_000;

export class CredentialRotation {
  private readonly cursors = new Map<string, number>();
  private readonly health = new Map<string, CredentialHealth>();

  /** The order to try `ids` in for one request on `service`: cooling keys last, in their turn. */
  order(service: string, ids: readonly string[], mode: RotationMode, now: number): string[] {
    if (ids.length <= 1) return [...ids];
    const cursor = this.cursors.get(service) ?? 0;
    const start = cursor % ids.length;
    if (mode === 'round_robin') this.cursors.set(service, (start + 1) % ids.length);
    const turn = [...ids.slice(start), ...ids.slice(0, start)];
    const cooling = (id: string) => (this.health.get(id)?.coolingUntil ?? 0) > now;
    return [...turn.filter((id) => !cooling(id)), ...turn.filter(cooling)];
  }

  /** The upstream refused `failedId`: it cools down, and on_first_failed moves on from it. Returns its health. */
  markFailed(service: string, ids: readonly string[], failedId: string, mode: RotationMode, reason: string, now: number): CredentialHealth {
    const failures = (this.health.get(failedId)?.failures ?? 0) + 1;
    const cooldown = Math.min(MAX_COOLDOWN_MS, FIRST_COOLDOWN_MS * 2 ** Math.min(failures - 1, 16));
    const health: CredentialHealth = { credentialId: failedId, failures, lastFailure: { at: now, reason }, coolingUntil: now + cooldown };
    this.health.set(failedId, health);
    if (mode === 'on_first_failed') {
      const index = ids.indexOf(failedId);
      if (index >= 0) this.cursors.set(service, (index + 1) % ids.length);
    }
    return health;
  }

  /** How many of `ids` are cooling down at `now` (tried only after the others). */
  coolingCount(ids: readonly string[], now: number): number {
    return ids.filter((id) => (this.health.get(id)?.coolingUntil ?? 0) > now).length;
  }

  /** The key worked: its health, when that is news (it had failed); null when nothing changed. */
  markWorked(id: string): CredentialHealth | null {
    const before = this.health.get(id);
    if (before === undefined || before.failures === 0) return null;
    const health: CredentialHealth = { ...before, failures: 0, coolingUntil: null };
    this.health.set(id, health);
    return health;
  }
}

/**
 * OpenAI's dead keys: 401 (a wrong, revoked or deactivated key), and these codes in `error.code` /
 * `error.type`: `invalid_api_key`, `account_deactivated` (401), `insufficient_quota` and
 * `billing_not_active` (429: no money left on the account).
 */
export const OPENAI_DEAD_KEY: Readonly<DeadKeyRule> = Object.freeze({
  statuses: [401],
  codes: ['invalid_api_key', 'account_deactivated', 'insufficient_quota', 'billing_not_active'],
  codeFields: ['error.code', 'error.type'],
});

/**
 * Anthropic's: `{"type": "error", "error": {"type": "authentication_error" | "billing_error", …}}`.
 * Its 403 `permission_error` is about the request, not the key.
 */
export const ANTHROPIC_DEAD_KEY: Readonly<DeadKeyRule> = Object.freeze({
  statuses: [401],
  codes: ['authentication_error', 'billing_error'],
  codeFields: ['error.type'],
});

/** A 4xx is the upstream refusing before it acts; anything else may follow an action and is never a dead key. */
function isRefusal(status: number): boolean {
  return status >= 400 && status < 500;
}

/** The status alone says the key is dead (a 401 for most APIs). A 403 is an answer about the request. */
export function isDeadKeyStatus(rule: DeadKeyRule, status: number): boolean {
  return isRefusal(status) && rule.statuses.includes(status);
}

/** Answers worth reading before the agent sees them; anything else streams straight to the agent. */
export function mayBeDeadKeyAnswer(rule: DeadKeyRule, status: number): boolean {
  return isDeadKeyStatus(rule, status) || (isRefusal(status) && rule.codes.length > 0 && rule.codeFields.length > 0);
}

/**
 * Whether an upstream answer means the key itself is dead: a dead-key status, or a 4xx whose JSON
 * body holds one of the rule's codes at one of its fields. The field is read, never searched for, so
 * a message or parameter that merely quotes a code does not count.
 */
export function isDeadKeyAnswer(rule: DeadKeyRule, status: number, body: string): boolean {
  if (isDeadKeyStatus(rule, status)) return true;
  if (!mayBeDeadKeyAnswer(rule, status)) return false;
  let document: unknown;
  try {
    document = JSON.parse(body) as unknown;
  } catch {
    return false;
  }
  return rule.codeFields.some((field) => {
    const value = valueAt(document, field);
    return typeof value === 'string' && rule.codes.includes(value);
  });
}

/** `error.code` of a parsed JSON body; own properties only, so "constructor" finds nothing. */
function valueAt(document: unknown, dottedPath: string): unknown {
  let value = document;
  for (const name of dottedPath.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}
