import type { WxtBrowser } from 'wxt/browser';
import { errorBody, KeygateError } from '../shared/errors';
import { validateRequest } from '../shared/protocol';
import { type HostStateMessage, isPageMessage, type PageMessage, type PageReply, POPUP_PORT_NAME } from './extension-messages';
import type { HostLink } from './host-link/host-link';

type Runtime = WxtBrowser['runtime'];

/** Serves the extension's pages: pushes host state to open popups and answers their requests. */
export function servePageBridge(runtime: Runtime, hostLink: HostLink): void {
  runtime.onConnect.addListener((port) => {
    if (port.name !== POPUP_PORT_NAME) return;
    const push = () => port.postMessage({ type: 'host.state', state: hostLink.currentState } satisfies HostStateMessage);
    const stop = hostLink.onStateChange(push);
    port.onDisconnect.addListener(stop);
    push();
  });

  const extensionOrigin = runtime.getURL('/');
  runtime.onMessage.addListener((message: unknown, sender) => {
    // Pages of this extension only (a content script's sender URL is the web page's).
    const fromOwnPage = sender.id === runtime.id && sender.url?.startsWith(extensionOrigin) === true;
    if (!fromOwnPage || !isPageMessage(message)) return undefined;
    return answerPageMessage(message, hostLink);
  });
}

async function answerPageMessage(message: PageMessage, hostLink: HostLink): Promise<PageReply> {
  switch (message.type) {
    case 'host.retry':
      hostLink.connect();
      return { ok: true, result: hostLink.currentState };
    case 'host.getState':
      return { ok: true, result: hostLink.currentState };
    case 'host.request': {
      const check = validateRequest({ ...message.params, id: 0, type: message.request });
      if (!check.ok) return { ok: false, error: errorBody(check.code, check.detail) };
      try {
        return { ok: true, result: await hostLink.request(message.request, message.params as never) };
      } catch (error) {
        return { ok: false, error: error instanceof KeygateError ? error.toBody() : errorBody('INTERNAL_ERROR') };
      }
    }
  }
}
