/**
 * Wires the grant service into the running background: each change re-registers the page scripts
 * and goes to the host (`grants.sync`), as does every unlock; at start the registrations are
 * brought in line with the stored grants and the permissions the browser holds (a grant may have
 * expired, or its site access been removed, while the browser was closed), and again whenever the
 * browser says a permission was added or removed.
 */
import type { HostSync } from '../session/host-sync';
import type { VaultSession } from '../session/vault-session';
import type { VaultDb } from '../vault/vault-db';
import { GrantService } from './grant-service';
import { PageScripts, type ScriptingApi } from './page-scripts';
import type { BrowserFamily, PermissionEvents, PermissionsApi } from './site-permission';

export interface GrantRuntimeDeps {
  db: VaultDb;
  session: Pick<VaultSession, 'requireUnlocked' | 'onStateChange'>;
  hostSync: Pick<HostSync, 'syncGrants'>;
  permissions: PermissionsApi;
  scripting: ScriptingApi;
  browser: BrowserFamily;
}

export async function startGrants({ db, session, hostSync, permissions, scripting, browser }: GrantRuntimeDeps): Promise<GrantService> {
  const pageScripts = new PageScripts(scripting, browser);
  const grants = new GrantService({
    db,
    permissions,
    browser,
    requireUnlocked: () => session.requireUnlocked(),
    onChange: async (all, withoutSiteAccess) => {
      await pageScripts.sync(all.filter((grant) => !withoutSiteAccess.has(grant.id)), Date.now());
      await hostSync.syncGrants();
    },
  });
  session.onStateChange((state) => {
    if (state.status === 'unlocked') void hostSync.syncGrants();
  });
  await grants.refresh().catch((error: unknown) => console.warn('[keygate] could not apply the stored grants', error));
  return grants;
}

/**
 * Follows the browser's permission changes: a site access removed in its settings unregisters that
 * grant's page scripts at once, and access given again (Keygate's "Ask the browser again", or the
 * settings) brings them back. Registered when the worker starts, before the grants are ready, so
 * the browser wakes the worker for the event.
 */
export function followSiteAccess(events: PermissionEvents, grantsReady: Promise<Pick<GrantService, 'refresh'>>): void {
  const recheck = () => void grantsReady.then((grants) => grants.refresh()).catch((error: unknown) => console.warn('[keygate] could not recheck site access', error));
  events.onRemoved.addListener(recheck);
  events.onAdded.addListener(recheck);
}
