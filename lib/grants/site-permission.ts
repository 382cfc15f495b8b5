/**
 * The browser host permission a site grant needs, and asking for it. Chromium match patterns may
 * name a port; Firefox's may not (bug 1362809), so there a grant for `http://localhost:3000` asks
 * for all of `http://localhost` and the background's check of the sender's full origin is what
 * keeps `:3001` out. The user can take a permission away outside Keygate (the browser's extension
 * settings, "site access"): `sitesWithoutAccess` says which grants lost theirs.
 */
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';

export type BrowserFamily = 'chromium' | 'firefox';

export interface PermissionsApi {
  request(permissions: { origins: string[] }): Promise<boolean>;
  contains(permissions: { origins: string[] }): Promise<boolean>;
  remove(permissions: { origins: string[] }): Promise<boolean>;
}

/** `permissions.onAdded` / `onRemoved`: the browser's word that access changed, Keygate's doing or the user's. */
export interface PermissionEvents {
  onAdded: { addListener(listener: (permissions: { origins?: string[] }) => void): void };
  onRemoved: { addListener(listener: (permissions: { origins?: string[] }) => void): void };
}

/** The match pattern for one normalised origin (`https://app.example` → `https://app.example/*`). */
export function siteMatchPattern(origin: string, browser: BrowserFamily): string {
  if (browser === 'chromium') return `${origin}/*`;
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/**
 * Asks the browser for access to the origin: its own prompt, which needs the user's click, so an
 * extension page calls this first thing in the click handler (no await before it). One already held
 * (a loopback origin the manifest declares) resolves at once without a prompt.
 */
export async function requestSiteAccess(permissions: PermissionsApi, origin: string, browser: BrowserFamily): Promise<void> {
  if (!(await permissions.request({ origins: [siteMatchPattern(origin, browser)] }))) throw new KeygateError('GRANT_PERMISSION_DENIED');
}

/** Whether the browser lets Keygate run on the origin now (the user may have withdrawn it since). */
export function holdsSiteAccess(permissions: PermissionsApi, origin: string, browser: BrowserFamily): Promise<boolean> {
  return permissions.contains({ origins: [siteMatchPattern(origin, browser)] });
}

/** Gives the site's permission back; one the manifest requires (loopback) cannot be and stays. */
export async function releaseSiteAccess(permissions: PermissionsApi, origin: string, browser: BrowserFamily): Promise<void> {
  await permissions.remove({ origins: [siteMatchPattern(origin, browser)] }).catch(() => false);
}

/**
 * The site grants the browser no longer lets Keygate run on, by id. Asked of the browser itself
 * (`permissions.contains`) rather than matched against `permissions.getAll()` here: it knows that a
 * declared `http://localhost/*` covers `http://localhost:3000`, and which permissions the user has
 * withheld, so a loopback grant is never reported removed while the manifest's permission holds.
 */
export async function sitesWithoutAccess(permissions: PermissionsApi, grants: readonly GrantRecord[], browser: BrowserFamily): Promise<Set<string>> {
  const sites = grants.filter((grant) => grant.kind === 'site');
  const held = await Promise.all(sites.map((grant) => holdsSiteAccess(permissions, grant.subject, browser)));
  return new Set(sites.filter((_, index) => !held[index]).map((grant) => grant.id));
}
