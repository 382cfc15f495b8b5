/**
 * The isolated-world content script's work on a granted page: each `open` note from the page brings
 * a MessagePort for one request; its messages go to the background over one shared line (see
 * page-line.ts), each checked before it goes on. It is the trust boundary on the page side; the
 * background checks again by the tab's origin.
 *
 * The line is a MessagePort to the background where Keygate's frame can hand one over (Chromium,
 * port-frame.ts: bodies cross as transferred ArrayBuffers, without base64 and without the browser
 * process's extension messaging), else a `runtime.connect` port (Firefox, or a frame that could not
 * be set up), where bodies go as base64.
 */
import { isPortAgentMessage, type PortAgentMessage } from './agent-messages';
import { encodeChunk } from './body-chunks';
import { bytesToTransfer, CHANNEL_CLOSED, isPageNote, postNote } from './page-channel';
import { endsAnswer, isPageEnvelope, PAGE_PORT_NAME, type PageEnvelope, watchPortName } from './page-line';
import type { RuntimePort } from './runtime-port-channel';

export interface PageRelayDeps {
  connect: (name: string) => RuntimePort;
  /** Whether the background holds a usable grant for this page's origin (asked once, at start). */
  siteGranted: () => Promise<boolean>;
  /** A MessagePort to the background through Keygate's frame, paired with the watch port named with `token`; null where there is none (Firefox) or it failed. */
  openFramePort?: (token: string) => Promise<MessagePort | null>;
  newToken?: () => string;
}

/** One line to the background, whichever kind it is. */
export interface BackgroundLine {
  send(rid: number, message: PortAgentMessage): void;
  onMessage(listener: (raw: unknown) => void): void;
  /** The line broke: the background went away (a stopped service worker, a reloaded extension). */
  onClose(listener: () => void): void;
}

/** Extension messaging is JSON: body bytes go as base64, answers come as base64 (the page takes both). */
export function runtimeLine(port: RuntimePort): BackgroundLine {
  return {
    send: (rid, message) =>
      port.postMessage({ rid, message: message.type === 'body' ? { ...message, data: encodeChunk(new Uint8Array(message.data)) } : message } satisfies PageEnvelope),
    onMessage: (listener) => port.onMessage.addListener(listener),
    onClose: (listener) => port.onDisconnect.addListener(listener),
  };
}

/**
 * A MessagePort to the background, watched by a runtime port to the same worker (watchPortName):
 * when Chromium stops the service worker, the watch is disconnected and the line ends, its open
 * requests failing as on a broken runtime port. A `close` event or an unreadable message ends it too.
 */
export function framePortLine(port: MessagePort, watch: RuntimePort): BackgroundLine {
  const closeListeners: Array<() => void> = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    port.close();
    watch.disconnect();
    for (const listener of closeListeners) listener();
  };
  watch.onDisconnect.addListener(close);
  port.addEventListener('close', close);
  port.addEventListener('messageerror', close);
  port.start();
  return {
    send: (rid, message) => port.postMessage({ rid, message } satisfies PageEnvelope, bytesToTransfer(message)),
    onMessage: (listener) => port.addEventListener('message', (event: MessageEvent) => listener(event.data)),
    onClose: (listener) => void closeListeners.push(listener),
  };
}

/** The page's requests over one line to the background, opened with the first request and again after it broke. */
class PageLine {
  private line: BackgroundLine | null = null;
  private opening: Promise<BackgroundLine> | null = null;
  private lastRid = 0;
  private readonly open = new Map<number, MessagePort>();

  constructor(private readonly deps: PageRelayDeps) {}

  carry(pagePort: MessagePort): void {
    const rid = ++this.lastRid;
    this.open.set(rid, pagePort);
    const current = this.line;
    // Until the line is there, messages wait in order behind its opening.
    const opened = current === null ? (this.opening ??= this.openLine()) : null;
    const send = (message: PortAgentMessage) => (current !== null ? current.send(rid, message) : void opened!.then((line) => line.send(rid, message)));
    pagePort.onmessage = (event: MessageEvent) => {
      if (!this.open.has(rid)) return;
      const message: unknown = event.data;
      // A cancel, or anything that is not the protocol, ends the request: the background cancels upstream.
      if (!isPortAgentMessage(message) || message.type === 'cancel') {
        this.open.delete(rid);
        send({ type: 'cancel' });
        pagePort.close();
        return;
      }
      send(message);
    };
  }

  /** The watch port goes first: the background pairs the frame's port with it by the token. */
  private async frameLine(): Promise<BackgroundLine | null> {
    if (this.deps.openFramePort === undefined) return null;
    const token = (this.deps.newToken ?? (() => crypto.randomUUID()))();
    const watch = this.deps.connect(watchPortName(token));
    const framePort = await this.deps.openFramePort(token);
    if (framePort !== null) return framePortLine(framePort, watch);
    watch.disconnect();
    return null;
  }

  private async openLine(): Promise<BackgroundLine> {
    const line = (await this.frameLine()) ?? runtimeLine(this.deps.connect(PAGE_PORT_NAME));
    line.onMessage((raw) => {
      if (!isPageEnvelope(raw)) return;
      const pagePort = this.open.get(raw.rid);
      if (pagePort === undefined) return;
      if (endsAnswer(raw.message) || (raw.message as { type?: unknown } | null)?.type === CHANNEL_CLOSED.type) this.open.delete(raw.rid);
      pagePort.postMessage(raw.message, bytesToTransfer(raw.message));
    });
    line.onClose(() => {
      if (this.line === line) this.line = null;
      const broken = [...this.open.values()];
      this.open.clear();
      for (const pagePort of broken) pagePort.postMessage(CHANNEL_CLOSED);
    });
    this.line = line;
    this.opening = null;
    return line;
  }
}

export async function relayPageRequests(win: Window, deps: PageRelayDeps): Promise<void> {
  if (!(await deps.siteGranted())) return;
  const line = new PageLine(deps);
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || !isPageNote(event.data)) return;
    if (event.data.kind === 'page-ready') postNote(win, 'relay-ready');
    else if (event.data.kind === 'open' && event.ports.length === 1) line.carry(event.ports[0]!);
  });
  postNote(win, 'relay-ready');
}
