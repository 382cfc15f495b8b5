/**
 * Granting from one of Keygate's pages: for a site, first the browser's permission prompt (it must
 * come straight from the user's click), then the background stores the grant. A grant that fails
 * after the prompt gives the permission back, so a refused grant leaves no access behind.
 */
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { grantSubject, type NewGrantInput } from './grant-service';
import { type BrowserFamily, type PermissionsApi, releaseSiteAccess, requestSiteAccess } from './site-permission';

export interface GrantRequestDeps {
  permissions: PermissionsApi;
  browser: BrowserFamily;
  /** The grants the page shows: a subject granted already is changed there, not granted twice. */
  existing: readonly GrantRecord[];
  /** Asks the background (`grants.create`). */
  create: (input: NewGrantInput) => Promise<GrantRecord>;
}

export async function requestGrant(input: NewGrantInput, deps: GrantRequestDeps): Promise<GrantRecord> {
  const subject = grantSubject(input.kind, input.subject);
  if (deps.existing.some((grant) => grant.kind === input.kind && grant.subject === subject)) {
    throw new KeygateError('GRANT_INVALID', `${subject} already has a grant; change that one.`);
  }
  if (input.kind === 'extension') return deps.create({ ...input, subject });
  await requestSiteAccess(deps.permissions, subject, deps.browser);
  try {
    return await deps.create({ ...input, subject });
  } catch (error) {
    await releaseSiteAccess(deps.permissions, subject, deps.browser);
    throw error;
  }
}
