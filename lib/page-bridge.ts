import type { WxtBrowser } from 'wxt/browser';
import { errorBody, KeygateError } from '../shared/errors';
import { type AppState, type AppStateMessage, isPageMessage, type PageReply, STATE_PORT_NAME } from './extension-messages';
import type { ExtensionAsks } from './grants/extension-asks';
import type { GrantService } from './grants/grant-service';
import type { HostLink } from './host-link/host-link';
import { answerPageMessage } from './page-handlers';
import type { HostSync } from './session/host-sync';
import type { VaultSession } from './session/vault-session';
import type { VaultDb } from './vault/vault-db';

type Runtime = WxtBrowser['runtime'];

export interface BackgroundServices {
  db: VaultDb;
  hostLink: HostLink;
  session: VaultSession;
  hostSync: HostSync;
  grants: GrantService;
  extensionAsks: ExtensionAsks;
}

export function appState({ hostLink, session, hostSync }: BackgroundServices): AppState {
  return { host: hostLink.currentState, vault: session.currentState, proxy: hostSync.proxyStatus, binanceKeys: hostSync.binanceKeyRestrictions, credentialHealth: hostSync.credentialHealth, lastCredentialUseAt: hostSync.lastCredentialUseAt };
}

/**
 * Serves the extension's pages: pushes host and vault state to open pages and answers their
 * requests. Listeners are registered at once (MV3 wakes the worker only for listeners added
 * synchronously); they wait for the services, whose vault database opens asynchronously.
 */
export function servePageBridge(runtime: Runtime, servicesReady: Promise<BackgroundServices>): void {
  const extensionOrigin = runtime.getURL('/');
  /** Pages of this extension only: a content script's sender URL is the web page's, and its renderer is the page's. */
  const fromOwnPage = (sender: { id?: string; url?: string } | undefined) => sender?.id === runtime.id && sender.url?.startsWith(extensionOrigin) === true;

  runtime.onConnect.addListener(async (port) => {
    if (port.name !== STATE_PORT_NAME) return;
    // The state names credentials, their health and the vault's; a granted page gets `status()` only.
    if (!fromOwnPage(port.sender)) {
      port.disconnect();
      return;
    }
    const services = await servicesReady;
    const push = () => port.postMessage({ type: 'state', state: appState(services) } satisfies AppStateMessage);
    const stops = [services.hostLink.onStateChange(push), services.session.onStateChange(push), services.hostSync.onChange(push)];
    port.onDisconnect.addListener(() => stops.forEach((stop) => stop()));
    push();
  });

  runtime.onMessage.addListener((message: unknown, sender) => {
    if (!fromOwnPage(sender)) return undefined;
    if (!isPageMessage(message)) return Promise.resolve({ ok: false, error: errorBody('MESSAGE_INVALID') } satisfies PageReply);
    return answerSafely(async () => answerPageMessage(message, await servicesReady));
  });
}

async function answerSafely(answer: () => Promise<unknown>): Promise<PageReply> {
  try {
    return { ok: true, result: (await answer()) ?? null };
  } catch (error) {
    if (error instanceof KeygateError) return { ok: false, error: error.toBody() };
    console.error('[keygate] page request failed', error);
    return { ok: false, error: errorBody('INTERNAL_ERROR') };
  }
}
