/**
 * The browser host permission a site grant needs, and asking for it. Chromium match patterns may
 * name a port; Firefox's may not (bug 1362809), so there a grant for `http://localhost:3000` asks
 * for all of `http://localhost` and the background's check of the sender's full origin is what
 * keeps `:3001` out.
 */
import { KeygateError } from '../../shared/errors';

export type BrowserFamily = 'chromium' | 'firefox';

export interface PermissionsApi {
  request(permissions: { origins: string[] }): Promise<boolean>;
  contains(permissions: { origins: string[] }): Promise<boolean>;
  remove(permissions: { origins: string[] }): Promise<boolean>;
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
