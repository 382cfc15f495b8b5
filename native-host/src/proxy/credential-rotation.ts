/**
 * Which credential a request tries first, and which next when the upstream says a key is dead.
 * `round_robin` spreads requests over every key; `on_first_failed` sticks to one key until it fails.
 */
import type { RotationMode } from '../../../shared/policy/policy-types';

/** Upstream answers that mean this key is unusable, so another key may be tried. */
const DEAD_KEY_BODY_CODES = ['insufficient_quota', 'invalid_api_key', 'account_deactivated', 'billing_not_active'];

export class CredentialRotation {
  private readonly cursors = new Map<string, number>();

  /** The order to try `ids` in for one request on `service`. */
  order(service: string, ids: readonly string[], mode: RotationMode): string[] {
    if (ids.length <= 1) return [...ids];
    const cursor = this.cursors.get(service) ?? 0;
    const start = cursor % ids.length;
    if (mode === 'round_robin') this.cursors.set(service, (start + 1) % ids.length);
    return [...ids.slice(start), ...ids.slice(0, start)];
  }

  /** on_first_failed: after a key fails, later requests start at the next one. */
  markFailed(service: string, ids: readonly string[], failedId: string, mode: RotationMode): void {
    if (mode !== 'on_first_failed') return;
    const index = ids.indexOf(failedId);
    if (index >= 0) this.cursors.set(service, (index + 1) % ids.length);
  }
}

/**
 * Whether an upstream answer means the key itself is dead. 401 and 403 are the upstream refusing
 * the key before acting on the request; a 429 counts only when its body says the quota is gone
 * (a plain rate limit would be the same for every key and is passed to the agent as it is).
 */
export function isDeadKeyAnswer(status: number, body: string): boolean {
  if (status === 401 || status === 403) return true;
  if (status !== 429) return false;
  return DEAD_KEY_BODY_CODES.some((code) => body.includes(`"${code}"`));
}

/** Answers worth inspecting for a dead key; anything else streams straight to the agent. */
export function mayBeDeadKeyAnswer(status: number): boolean {
  return status === 401 || status === 403 || status === 429;
}
