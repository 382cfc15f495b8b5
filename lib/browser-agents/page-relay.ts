/**
 * The isolated-world content script's work on a granted page: each `open` note from the page brings
 * a MessagePort for one request; its messages go to the background over one shared port (see
 * page-line.ts), each checked before it goes on. It is the trust boundary on the page side; the
 * background checks again by the tab's origin.
 */
import { isAgentMessage } from './agent-messages';
import { CHANNEL_CLOSED, isPageNote, postNote } from './page-channel';
import { endsAnswer, isPageEnvelope, PAGE_PORT_NAME, type PageEnvelope } from './page-line';
import type { RuntimePort } from './runtime-port-channel';

export interface PageRelayDeps {
  connect: (name: string) => RuntimePort;
  /** Whether the background holds a usable grant for this page's origin (asked once, at start). */
  siteGranted: () => Promise<boolean>;
}

/** The page's requests over one port to the background, opened with the first request and again after it broke. */
class PageLine {
  private port: RuntimePort | null = null;
  private lastRid = 0;
  private readonly open = new Map<number, MessagePort>();

  constructor(private readonly connect: PageRelayDeps['connect']) {}

  carry(pagePort: MessagePort): void {
    const port = this.port ?? this.openPort();
    const rid = ++this.lastRid;
    this.open.set(rid, pagePort);
    pagePort.onmessage = (event: MessageEvent) => {
      if (!this.open.has(rid)) return;
      const message: unknown = event.data;
      // A cancel, or anything that is not the protocol, ends the request: the background cancels upstream.
      if (!isAgentMessage(message) || message.type === 'cancel') {
        this.open.delete(rid);
        port.postMessage({ rid, message: { type: 'cancel' } } satisfies PageEnvelope);
        pagePort.close();
        return;
      }
      port.postMessage({ rid, message } satisfies PageEnvelope);
    };
  }

  private openPort(): RuntimePort {
    const port = this.connect(PAGE_PORT_NAME);
    this.port = port;
    port.onMessage.addListener((raw) => {
      if (!isPageEnvelope(raw)) return;
      const pagePort = this.open.get(raw.rid);
      if (pagePort === undefined) return;
      if (endsAnswer(raw.message) || (raw.message as { type?: unknown } | null)?.type === CHANNEL_CLOSED.type) this.open.delete(raw.rid);
      pagePort.postMessage(raw.message);
    });
    port.onDisconnect.addListener(() => {
      if (this.port === port) this.port = null;
      const broken = [...this.open.values()];
      this.open.clear();
      for (const pagePort of broken) pagePort.postMessage(CHANNEL_CLOSED);
    });
    return port;
  }
}

export async function relayPageRequests(win: Window, deps: PageRelayDeps): Promise<void> {
  if (!(await deps.siteGranted())) return;
  const line = new PageLine(deps.connect);
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || !isPageNote(event.data)) return;
    if (event.data.kind === 'page-ready') postNote(win, 'relay-ready');
    else if (event.data.kind === 'open' && event.ports.length === 1) line.carry(event.ports[0]!);
  });
  postNote(win, 'relay-ready');
}
