/**
 * The isolated-world content script's work on a granted page. It gives the page's main world its own
 * line to the background where Keygate's frame can hand one over (Chromium, port-frame.ts): a
 * MessagePort to the service worker, bodies as transferred ArrayBuffers, requests and answers no
 * longer passing through here (page-direct-line.ts). What stays here is what only a content script
 * can do: insert the frame, hold the watch runtime port that tells when the line is gone (the page
 * hears `line-closed`), and carry the requests itself over a `runtime.connect` port where there is no
 * frame port (Firefox, or a frame that could not be set up; bodies as base64): each `open` note then
 * brings a MessagePort for one request, its messages checked and sent on over one shared line
 * (page-line.ts). The background checks everything again on either line, by the tab's origin.
 */
import { isPortAgentMessage, type PortAgentMessage } from './agent-messages';
import { encodeChunk } from './body-chunks';
import { CHANNEL_CLOSED, isChannelClosed, isPageNote, postNote } from './page-channel';
import { endsAnswer, isPageEnvelope, PAGE_PORT_NAME, type PageEnvelope, watchPortName } from './page-line';
import type { RuntimePort } from './runtime-port-channel';

export interface PageRelayDeps {
  connect: (name: string) => RuntimePort;
  /** Whether the background holds a usable grant for this page's origin (asked at start, and before each direct line but the first). */
  siteGranted: () => Promise<boolean>;
  /** A MessagePort to the background through Keygate's frame, paired with the watch port named with `token`; null where there is none (Firefox) or it failed. */
  openFramePort?: (token: string) => Promise<MessagePort | null>;
  newToken?: () => string;
}

/** Extension messaging is JSON: body bytes go as base64, answers come as base64 (the page takes both). */
function sendOnRuntimePort(port: RuntimePort, rid: number, message: PortAgentMessage): void {
  port.postMessage({ rid, message: message.type === 'body' ? { ...message, data: encodeChunk(new Uint8Array(message.data)) } : message } satisfies PageEnvelope);
}

/** The page's requests over one runtime port to the background, opened with the first request and again after it broke. */
class RuntimeLine {
  private port: RuntimePort | null = null;
  private lastRid = 0;
  private readonly open = new Map<number, MessagePort>();

  constructor(private readonly connect: PageRelayDeps['connect']) {}

  carry(pagePort: MessagePort): void {
    const rid = ++this.lastRid;
    this.open.set(rid, pagePort);
    const port = (this.port ??= this.openPort());
    pagePort.onmessage = (event: MessageEvent) => {
      if (!this.open.has(rid)) return;
      const message: unknown = event.data;
      // A cancel, or anything that is not the protocol, ends the request: the background cancels upstream.
      if (!isPortAgentMessage(message) || message.type === 'cancel') {
        this.open.delete(rid);
        sendOnRuntimePort(port, rid, { type: 'cancel' });
        pagePort.close();
        return;
      }
      sendOnRuntimePort(port, rid, message);
    };
  }

  private openPort(): RuntimePort {
    const port = this.connect(PAGE_PORT_NAME);
    port.onMessage.addListener((raw) => {
      if (!isPageEnvelope(raw)) return;
      const pagePort = this.open.get(raw.rid);
      if (pagePort === undefined) return;
      if (endsAnswer(raw.message) || isChannelClosed(raw.message)) this.open.delete(raw.rid);
      pagePort.postMessage(raw.message);
    });
    // The background went away (a stopped service worker, a reloaded extension).
    port.onDisconnect.addListener(() => {
      if (this.port === port) this.port = null;
      const broken = [...this.open.values()];
      this.open.clear();
      for (const pagePort of broken) pagePort.postMessage(CHANNEL_CLOSED);
    });
    return port;
  }
}

/** No direct line while the site has no grant (revoked, expired, disabled); one may come with the next ask. */
const NOT_GRANTED = 'not-granted';

/**
 * The page's direct lines (Chromium): one at a time, each a frame port handed to the main world with
 * its watch port kept here. A new ask replaces the line there was (its watch goes, so the background
 * ends it), which bounds what page scripts asking again and again can open.
 */
class DirectLines {
  private current: { name: string; watch: RuntimePort } | null = null;
  private opening: Promise<void> | null = null;
  private opened = 0;

  constructor(
    private readonly win: Window,
    private readonly deps: PageRelayDeps,
  ) {}

  handOver(): void {
    this.opening ??= this.open().finally(() => (this.opening = null));
  }

  private end(line: { name: string; watch: RuntimePort }): void {
    if (this.current !== line) return;
    this.current = null;
    postNote(this.win, 'line-closed', [], line.name);
  }

  private async open(): Promise<void> {
    if (this.current !== null) {
      const replaced = this.current;
      replaced.watch.disconnect();
      this.end(replaced);
    }
    const line = await this.openFrameLine();
    // Without a direct line the page sends its requests through this script: for good where there is
    // no frame, for this call only where the grant is gone (given again, the next call gets a line).
    if (line === NOT_GRANTED) postNote(this.win, 'line-later');
    else if (line === null) postNote(this.win, 'line');
    else postNote(this.win, 'line', [line.port], line.name);
  }

  /**
   * The watch port goes first: the background pairs the frame's port with it by the token, the line's
   * name. The grant was checked as this script started; a later line (after a worker restart, or a
   * line the background retired because the grant refused a call) asks again, so a page whose grant
   * is gone gets its refusals at once over the runtime port instead of waiting out a refused frame.
   */
  private async openFrameLine(): Promise<{ name: string; port: MessagePort } | typeof NOT_GRANTED | null> {
    const { openFramePort } = this.deps;
    if (openFramePort === undefined) return null;
    if (this.opened++ > 0 && !(await this.deps.siteGranted())) return NOT_GRANTED;
    const name = (this.deps.newToken ?? (() => crypto.randomUUID()))();
    const watch = this.deps.connect(watchPortName(name));
    const port = await openFramePort(name);
    if (port === null) {
      watch.disconnect();
      return null;
    }
    const line = { name, watch };
    this.current = line;
    // The worker stopped, the page is going, or the background ended the line: its calls fail, the next asks again.
    watch.onDisconnect.addListener(() => this.end(line));
    return { name, port };
  }
}

export async function relayPageRequests(win: Window, deps: PageRelayDeps): Promise<void> {
  if (!(await deps.siteGranted())) return;
  const runtimeLine = new RuntimeLine(deps.connect);
  const directLines = new DirectLines(win, deps);
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || !isPageNote(event.data)) return;
    if (event.data.kind === 'page-ready') postNote(win, 'relay-ready');
    else if (event.data.kind === 'line-wanted') directLines.handOver();
    else if (event.data.kind === 'open' && event.ports.length === 1) runtimeLine.carry(event.ports[0]!);
  });
  postNote(win, 'relay-ready');
}
