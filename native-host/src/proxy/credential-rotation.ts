/**
 * Which credential a request tries first, and which next when the upstream says a key is dead.
 * `round_robin` spreads requests over every key; `on_first_failed` sticks to one key until it fails.
 * A refused key cools down: for a while it is tried only after the service's other keys, so a dead
 * key does not cost every other request an extra upstream call. Its health goes to the popup.
 */
import type { RotationMode } from '../../../shared/policy/policy-types';
import type { CredentialHealth } from '../../../shared/proxy-messages';

/** Upstream answers that mean this key is unusable, so another key may be tried. */
const DEAD_KEY_BODY_CODES = ['insufficient_quota', 'invalid_api_key', 'account_deactivated', 'billing_not_active'];

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

/** 401 and 403: the upstream refuses the key itself, before acting on the request. */
export function refusesKey(status: number): boolean {
  return status === 401 || status === 403;
}

/**
 * Whether an upstream answer means the key itself is dead. 401 and 403 are the upstream refusing
 * the key before acting on the request; a 429 counts only when its body says the quota is gone
 * (a plain rate limit would be the same for every key and is passed to the agent as it is).
 */
export function isDeadKeyAnswer(status: number, body: string): boolean {
  if (refusesKey(status)) return true;
  if (status !== 429) return false;
  return DEAD_KEY_BODY_CODES.some((code) => body.includes(`"${code}"`));
}

/** Answers worth inspecting for a dead key; anything else streams straight to the agent. */
export function mayBeDeadKeyAnswer(status: number): boolean {
  return refusesKey(status) || status === 429;
}
