import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { NATIVE_HOST_NAME } from '../../shared/identity';
import { type GatewayRuntime, portFrameUrl, serveBrowserAgents, serveFramePorts, type WorkerMessage } from '../../lib/browser-agents/agent-gateway';
import { PageWatches } from '../../lib/browser-agents/page-watches';
import { refusalReports } from '../../lib/browser-agents/refusal-reports';
import { ExtensionAsks } from '../../lib/grants/extension-asks';
import { followSiteAccess, startGrants } from '../../lib/grants/start-grants';
import { HostLink, type NativePort } from '../../lib/host-link/host-link';
import { servePageBridge } from '../../lib/page-bridge';
import { HostSync } from '../../lib/session/host-sync';
import { showToolbarBadge } from '../../lib/session/show-toolbar-badge';
import { VaultSession } from '../../lib/session/vault-session';
import { readSessionSettings, rememberKdfDuration } from '../../lib/session/settings';
import { openVaultDb } from '../../lib/vault/vault-db';

export default defineBackground(() => {
  const hostLink = new HostLink({
    connect: () => browser.runtime.connectNative(NATIVE_HOST_NAME) as NativePort,
    // Chromium reports the reason in runtime.lastError, Firefox on the port itself.
    disconnectMessage: (port) => (port as { error?: { message?: string } }).error?.message ?? browser.runtime.lastError?.message,
    extensionVersion: browser.runtime.getManifest().version,
  });
  const extensionAsks = new ExtensionAsks();
  const services = openVaultDb().then(async (db) => {
    const session = new VaultSession({ db, host: hostLink, readSettings: () => readSessionSettings(db), rememberKdfDuration });
    await session.initialize();
    showToolbarBadge(browser.action, session, hostLink);
    const hostSync = new HostSync(db, hostLink);
    const family = import.meta.env.FIREFOX ? 'firefox' : 'chromium';
    const grants = await startGrants({ db, session, hostSync, permissions: browser.permissions, scripting: browser.scripting, browser: family });
    return { db, hostLink, session, hostSync, grants, extensionAsks };
  });
  followSiteAccess(browser.permissions, services.then(({ grants }) => grants));
  servePageBridge(browser.runtime, services);
  const reportRefusal = refusalReports(hostLink);
  const gatewayServices = services.then((ready) => ({ ...ready, noteUngrantedExtension: (id: string) => extensionAsks.note(id, Date.now()), reportRefusal }));
  const pageWatches = new PageWatches();
  serveBrowserAgents(browser.runtime as unknown as GatewayRuntime, gatewayServices, pageWatches);
  if (!import.meta.env.FIREFOX) {
    const worker = self as unknown as { addEventListener(type: 'message', listener: (event: WorkerMessage) => void): void };
    serveFramePorts(worker, portFrameUrl(browser.runtime), pageWatches, gatewayServices);
  }
  hostLink.connect();
});
