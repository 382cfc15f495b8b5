/**
 * The isolated-world content script's work on a granted page: for each `open` note from the page,
 * one `runtime.connect` port to the background, with every page message checked before it goes on.
 * It is the trust boundary on the page side; the background checks again by the tab's origin.
 */
import { AGENT_PORT_NAME, isAgentMessage } from './agent-messages';
import { CHANNEL_CLOSED, isPageNote, postNote } from './page-channel';
import type { RuntimePort } from './runtime-port-channel';

export interface PageRelayDeps {
  connect: (name: string) => RuntimePort;
  /** Whether the background holds a usable grant for this page's origin (asked once, at start). */
  siteGranted: () => Promise<boolean>;
}

function pipe(pagePort: MessagePort, background: RuntimePort): void {
  let open = true;
  // The page's side closes its port when it is done; closing ours right after a post could race it.
  const hangUp = () => {
    open = false;
    background.disconnect();
  };
  pagePort.onmessage = (event: MessageEvent) => {
    if (!open) return;
    const message: unknown = event.data;
    // A cancel, or anything that is not the protocol, ends the request: the background cancels upstream.
    if (!isAgentMessage(message) || message.type === 'cancel') {
      hangUp();
      pagePort.close();
      return;
    }
    background.postMessage(message);
  };
  background.onMessage.addListener((message) => {
    if (!open) return;
    pagePort.postMessage(message);
    const type = (message as { type?: unknown }).type;
    if (type === 'end' || type === 'error' || type === 'answer') hangUp();
  });
  background.onDisconnect.addListener(() => {
    if (!open) return;
    open = false;
    pagePort.postMessage(CHANNEL_CLOSED);
  });
}

export async function relayPageRequests(win: Window, deps: PageRelayDeps): Promise<void> {
  if (!(await deps.siteGranted())) return;
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || !isPageNote(event.data)) return;
    if (event.data.kind === 'page-ready') postNote(win, 'relay-ready');
    else if (event.data.kind === 'open' && event.ports.length === 1) pipe(event.ports[0]!, deps.connect(AGENT_PORT_NAME));
  });
  postNote(win, 'relay-ready');
}
