/**
 * Granting from one of Keygate's pages: for a site, first the browser's permission prompt (it must
 * come straight from the user's click), then the background stores the grant. A grant that fails
 * after the prompt gives the permission back, so a refused grant leaves no access behind. The same
 * prompt gives back a site access the user removed in the browser's settings.
 */
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { checkNewGrant, type NewGrantInput } from './grant-service';
import { type BrowserFamily, type PermissionsApi, releaseSiteAccess, requestSiteAccess } from './site-permission';

export interface GrantRequestDeps {
  permissions: PermissionsApi;
  browser: BrowserFamily;
  /** The grants the page shows: a subject granted already is changed there, not granted twice. */
  existing: readonly GrantRecord[];
  /** Asks the background (`grants.create`). */
  create: (input: NewGrantInput) => Promise<GrantRecord>;
  now?: () => number;
}

export async function requestGrant(input: NewGrantInput, deps: GrantRequestDeps): Promise<GrantRecord> {
  // Everything that can be refused without the background is refused before the prompt.
  const checked = checkNewGrant(input, (deps.now ?? Date.now)());
  if (deps.existing.some((grant) => grant.kind === checked.kind && grant.subject === checked.subject)) {
    throw new KeygateError('GRANT_INVALID', `${checked.subject} already has a grant; change that one.`);
  }
  if (checked.kind === 'extension') return deps.create(checked);
  await requestSiteAccess(deps.permissions, checked.subject, deps.browser);
  try {
    return await deps.create(checked);
  } catch (error) {
    await releaseSiteAccess(deps.permissions, checked.subject, deps.browser);
    throw error;
  }
}

/**
 * "Ask the browser again" for a grant whose site access was removed in the browser's settings: the
 * prompt (first thing in the click handler), then the background re-applies the grants, which
 * registers the site's page scripts again. The grant itself never changed.
 */
export async function askSiteAccessAgain(origin: string, deps: Pick<GrantRequestDeps, 'permissions' | 'browser'> & { recheck: () => Promise<unknown> }): Promise<void> {
  await requestSiteAccess(deps.permissions, origin, deps.browser);
  await deps.recheck();
}
