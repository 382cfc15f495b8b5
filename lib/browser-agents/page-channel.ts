/**
 * The notes between the page's main-world script (`window.keygate`) and Keygate's isolated-world
 * relay on the same page, as `window.postMessage` on the `keygate/v1` channel. They find each other
 * (`page-ready`, `relay-ready`); the page asks for a line of its own to the background
 * (`line-wanted`), and the relay answers `line` with Keygate's frame's MessagePort (page-direct-line.ts)
 * or, where there is none, without a port: then each request gets its own MessageChannel, whose
 * second port travels with an `open` note, and the relay carries it. `line-later` is that answer for
 * now only (the site's grant is gone, and may come back): the relay carries this call, the page asks
 * again with its next. `line-closed` says the line named in it is gone (its watch port
 * disconnected). Any script on the page can post such notes too: the background checks every
 * message on either line and decides by the tab's origin and its grant, never by what is said here.
 */
import { type IncomingGatewayMessage, isGatewayMessage, type OutgoingAgentMessage, type PortAgentMessage } from './agent-messages';
import { ownBuffer } from './body-chunks';
import type { AgentChannel, OpenAgentChannel } from './keygate-fetch';

export const PAGE_CHANNEL = 'keygate/v1';

const NOTE_KINDS = ['relay-ready', 'page-ready', 'open', 'line-wanted', 'line', 'line-later', 'line-closed'] as const;

/** `line` names the MessagePort line a `line` (with the port) or `line-closed` note is about. */
export type PageNote = { channel: typeof PAGE_CHANNEL; kind: (typeof NOTE_KINDS)[number]; line?: string };

/** The ArrayBuffer a message carries as its body bytes, to transfer rather than copy. */
export function bytesToTransfer(message: unknown): ArrayBuffer[] {
  const data = (message as { data?: unknown } | null)?.data;
  return data instanceof ArrayBuffer ? [data] : [];
}

/** What the relay posts on a request's port when the background's port closed without an end. */
export const CHANNEL_CLOSED = { type: 'closed' } as const;

export function isPageNote(value: unknown): value is PageNote {
  const note = value as Partial<PageNote> | null;
  return (
    typeof note === 'object' &&
    note !== null &&
    note.channel === PAGE_CHANNEL &&
    (NOTE_KINDS as readonly unknown[]).includes(note.kind) &&
    (note.line === undefined || typeof note.line === 'string')
  );
}

/** Posts a note to this same window only ('/' = the sender's own origin). */
export function postNote(win: Window, kind: PageNote['kind'], transfer: Transferable[] = [], line?: string): void {
  win.postMessage({ channel: PAGE_CHANNEL, kind, ...(line === undefined ? {} : { line }) } satisfies PageNote, '/', transfer);
}

/** A message of keygate.fetch as a MessagePort carries it: body bytes in an ArrayBuffer of their own, to transfer. */
export function toPortAgentMessage(message: OutgoingAgentMessage): PortAgentMessage {
  return message.type === 'body' ? { ...message, data: ownBuffer(message.data) } : message;
}

/** What the relay posts on a request's port, or the background on a page line, when it gave the request up without an end. */
export const isChannelClosed = (message: unknown): boolean => (message as { type?: unknown } | null)?.type === CHANNEL_CLOSED.type;

/** The main world's end of one request's MessageChannel: body bytes go as transferred ArrayBuffers. */
export function messagePortChannel(port: MessagePort): AgentChannel {
  const messageListeners: Array<(message: IncomingGatewayMessage) => void> = [];
  const closeListeners: Array<() => void> = [];
  port.onmessage = (event: MessageEvent) => {
    if (isGatewayMessage(event.data)) for (const listener of messageListeners) listener(event.data);
    else if (isChannelClosed(event.data)) for (const listener of closeListeners) listener();
  };
  return {
    send: (message) => {
      const onWire = toPortAgentMessage(message);
      port.postMessage(onWire, bytesToTransfer(onWire));
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onClose: (listener) => void closeListeners.push(listener),
    close: () => port.close(),
  };
}

/**
 * Main world: resolves once the relay has said it is there (it answers `page-ready`, and announces
 * itself when it starts, whichever of the two scripts ran first). The relay only announces itself
 * on a page whose origin holds a usable grant.
 */
export function whenRelayReady(win: Window): Promise<OpenAgentChannel> {
  return new Promise((resolve) => {
    const listen = (event: MessageEvent) => {
      if (event.source !== win || !isPageNote(event.data) || event.data.kind !== 'relay-ready') return;
      win.removeEventListener('message', listen);
      resolve(() => {
        const { port1, port2 } = new MessageChannel();
        postNote(win, 'open', [port2]);
        return messagePortChannel(port1);
      });
    };
    win.addEventListener('message', listen);
    postNote(win, 'page-ready');
  });
}
