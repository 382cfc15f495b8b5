/**
 * The page's own line to the background (Chromium): `window.keygate` holds the MessagePort that
 * Keygate's frame handed over (port-frame.ts) and numbers its requests on it (page-line.ts), so a
 * request and its answer go main world ↔ service worker directly. Through the content script they
 * took two more hops and its work each way (~0.25 ms of a ~2.9 ms call, and much of the p99, in
 * alternating A/B runs: docs/browser-agents.md).
 *
 * The content script keeps what only it can do: it inserts the frame, holds the watch runtime port
 * that ends the line when the page goes or the worker stops (it then posts `line-closed`), and
 * carries the requests itself where there is no frame port (Firefox, or a frame that failed): its
 * `line` note then comes without a port, and each request goes as an `open` note (page-channel.ts).
 * A line the background retired (its grant refused a call: page-line.ts) takes no new calls; the
 * next one asks for a new line. While the grant is gone each call asks, and goes through the content
 * script (where the background refuses it); once the grant is given back, the next call gets a line.
 *
 * Why the page may hold the port: the frame posts it to this window, where every world's `message`
 * listener sees it, so a page script could always take it; any script on a granted origin may use
 * the grant by design; and the background checks every envelope and message on the port (the same
 * checks as on a runtime port: page-line.ts, frame-port-line.ts, bridge-relay.ts), trusting nothing
 * the page says. A page that hands the port to another origin gives it only what the page itself
 * could do for it, and only while the page is there (its watch ends the line).
 */
import { type IncomingGatewayMessage, isGatewayMessage, type OutgoingAgentMessage } from './agent-messages';
import type { AgentChannel, OpenAgentChannel } from './keygate-fetch';
import { bytesToTransfer, isChannelClosed, isPageNote, postNote, toPortAgentMessage } from './page-channel';
import { endsAnswer, isPageEnvelope, isPageLineRetired, type PageEnvelope } from './page-line';

/** One open request on the direct line: its answers go to its channel's listeners. */
interface OpenRequest {
  deliver(message: IncomingGatewayMessage): void;
  broke(): void;
}

/** The frame's MessagePort, held by the page: all its requests on it, numbered. */
class DirectLine {
  private lastRid = 0;
  private readonly open = new Map<number, OpenRequest>();
  closed = false;
  /** The background retired the line (the grant refused a call): new calls go on another. */
  retired = false;

  constructor(
    readonly name: string,
    private readonly port: MessagePort,
  ) {
    port.onmessage = (event: MessageEvent) => this.take(event.data);
    // Where the browser tells (a `close` event), the line ends at once; the watch tells in any case.
    port.addEventListener('close', () => this.close());
    port.onmessageerror = () => this.close();
  }

  private take(raw: unknown): void {
    if (isPageLineRetired(raw)) this.retired = true;
    if (!isPageEnvelope(raw)) return;
    const request = this.open.get(raw.rid);
    if (request === undefined) return;
    if (isChannelClosed(raw.message)) {
      this.open.delete(raw.rid);
      request.broke();
    } else if (isGatewayMessage(raw.message)) {
      if (endsAnswer(raw.message)) this.open.delete(raw.rid);
      request.deliver(raw.message);
    }
  }

  channel(): AgentChannel {
    const rid = ++this.lastRid;
    const messageListeners: Array<(message: IncomingGatewayMessage) => void> = [];
    const closeListeners: Array<() => void> = [];
    this.open.set(rid, {
      deliver: (message) => messageListeners.forEach((listener) => listener(message)),
      broke: () => closeListeners.forEach((listener) => listener()),
    });
    return {
      send: (message: OutgoingAgentMessage) => {
        const onWire = toPortAgentMessage(message);
        this.port.postMessage({ rid, message: onWire } satisfies PageEnvelope, bytesToTransfer(onWire));
      },
      onMessage: (listener) => void messageListeners.push(listener),
      onClose: (listener) => void closeListeners.push(listener),
      // The background forgets the request with its last message (or the cancel keygate.fetch sent).
      close: () => void this.open.delete(rid),
    };
  }

  /** The line is gone: its open requests fail as on a broken runtime port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    const broken = [...this.open.values()];
    this.open.clear();
    for (const request of broken) request.broke();
  }
}

/** Hands over the channel once `ready` gives it, with everything asked of it meanwhile, in order. */
function channelWhen(ready: Promise<AgentChannel>): AgentChannel {
  let channel: AgentChannel | null = null;
  const waiting: Array<(channel: AgentChannel) => void> = [];
  void ready.then((opened) => {
    channel = opened;
    for (const step of waiting.splice(0)) step(opened);
  });
  const use = (step: (channel: AgentChannel) => void) => (channel !== null ? step(channel) : void waiting.push(step));
  return {
    send: (message) => use((opened) => opened.send(message)),
    onMessage: (listener) => use((opened) => opened.onMessage(listener)),
    onClose: (listener) => use((opened) => opened.onClose(listener)),
    close: () => use((opened) => opened.close()),
  };
}

/** The relay's answer: the direct line, or none (then the relay carries each request). */
type PageLine = DirectLine | 'relay';

/**
 * Main world: opens each request on the page's direct line, asking the relay for one with the first
 * request and again after a line closed; `openThroughRelay` opens one the relay carries.
 */
export function directLineOpener(win: Window, openThroughRelay: OpenAgentChannel): OpenAgentChannel {
  let line: PageLine | null = null;
  let asking: Promise<PageLine> | null = null;

  /** Direct lines not closed yet: the current one, and retired ones whose last calls may still be answered. */
  const directLines = new Map<string, DirectLine>();
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || !isPageNote(event.data) || event.data.kind !== 'line-closed' || event.data.line === undefined) return;
    directLines.get(event.data.line)?.close();
    directLines.delete(event.data.line);
  });

  const askForLine = () =>
    new Promise<PageLine>((resolve) => {
      const listen = (event: MessageEvent) => {
        if (event.source !== win || !isPageNote(event.data) || (event.data.kind !== 'line' && event.data.kind !== 'line-later')) return;
        win.removeEventListener('message', listen);
        asking = null;
        // For this call only: the next one asks again (the site's grant may be given back meanwhile).
        if (event.data.kind === 'line-later') return resolve('relay');
        const port = event.ports[0];
        line = port !== undefined && event.data.line !== undefined ? new DirectLine(event.data.line, port) : 'relay';
        if (line instanceof DirectLine) directLines.set(line.name, line);
        resolve(line);
      };
      win.addEventListener('message', listen);
      postNote(win, 'line-wanted');
    });

  const openOn = (current: PageLine): AgentChannel => {
    if (current instanceof DirectLine) {
      if (!current.closed && !current.retired) return current.channel();
      if (line === current) line = null;
      return open();
    }
    const channel = openThroughRelay();
    // The relay's line broke (a stopped worker): the next call asks for a direct line again.
    channel.onClose(() => {
      if (line === current) line = null;
    });
    return channel;
  };
  const open = (): AgentChannel => (line !== null ? openOn(line) : channelWhen((asking ??= askForLine()).then(openOn)));
  return open;
}
