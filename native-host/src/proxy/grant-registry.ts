/**
 * The browser agents the user allowed (grants for a site or another extension), as last synced from
 * the extension. The extension has already established which grant is calling (the page's origin or
 * the sender's id, which the browser vouches for); the host only checks that the grant exists and
 * may be used now, so a revoke or an expiry takes effect on the very next request.
 */
import { grantIdentity, grantUsable, type GrantRecord } from '../../../shared/grants/grant-record';

export type GrantLookup = { ok: true; grant: GrantRecord } | { ok: false; code: 'GRANT_MISSING' | 'GRANT_DISABLED' | 'GRANT_EXPIRED' };

export class GrantRegistry {
  #grants = new Map<string, GrantRecord>();

  /**
   * Swaps in the vault's current grants (on unlock and on every change from Keygate's pages). Returns
   * the ids of grants that lost something (removed, disabled, another subject, a scope taken away):
   * their requests still open must end, since a revoke takes effect at once.
   */
  replace(grants: readonly GrantRecord[]): Set<string> {
    const next = new Map(grants.map((grant) => [grant.id, grant]));
    const withdrawn = new Set<string>();
    for (const [id, before] of this.#grants) {
      const after = next.get(id);
      if (after === undefined || !after.enabled || after.subject !== before.subject || before.scopes.some((scope) => !after.scopes.includes(scope))) withdrawn.add(id);
    }
    this.#grants = next;
    return withdrawn;
  }

  /** The grant whose identity (`site:ORIGIN`, `extension:ID`) this is, usable or not. */
  named(identity: string): GrantRecord | undefined {
    for (const grant of this.#grants.values()) if (grantIdentity(grant) === identity) return grant;
    return undefined;
  }

  /** `now` is milliseconds since the epoch, like `expiresAt`. */
  lookup(grantId: string, now: number): GrantLookup {
    const grant = this.#grants.get(grantId);
    if (grant === undefined) return { ok: false, code: 'GRANT_MISSING' };
    const usable = grantUsable(grant, now);
    if (usable === 'disabled') return { ok: false, code: 'GRANT_DISABLED' };
    if (usable === 'expired') return { ok: false, code: 'GRANT_EXPIRED' };
    return { ok: true, grant };
  }
}
