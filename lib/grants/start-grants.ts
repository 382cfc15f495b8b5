/**
 * Wires the grant service into the running background: each change re-registers the page scripts
 * and goes to the host (`grants.sync`), as does every unlock; at start the registrations are
 * brought in line with the stored grants (one may have expired while the browser was closed).
 */
import type { HostSync } from '../session/host-sync';
import type { VaultSession } from '../session/vault-session';
import type { VaultDb } from '../vault/vault-db';
import { GrantService } from './grant-service';
import { PageScripts, type ScriptingApi } from './page-scripts';
import type { BrowserFamily, PermissionsApi } from './site-permission';

export interface GrantRuntimeDeps {
  db: VaultDb;
  session: VaultSession;
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
    onChange: async (all) => {
      await pageScripts.sync(all, Date.now());
      await hostSync.syncGrants();
    },
  });
  session.onStateChange((state) => {
    if (state.status === 'unlocked') void hostSync.syncGrants();
  });
  await grants.refresh().catch((error: unknown) => console.warn('[keygate] could not apply the stored grants', error));
  return grants;
}
