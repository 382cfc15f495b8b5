/**
 * One line per granted page, shared by all of its requests. Opening and closing an extension port
 * costs the browser process more than carrying a small request over one (the bridge benchmark's
 * trace: a channel opening, its acceptance and its teardown on the browser's main thread per call),
 * so a page numbers its requests on one line: the MessagePort its main world holds
 * (page-direct-line.ts), or the content script's runtime port named PAGE_PORT_NAME (page-relay.ts). Each message travels as `{rid, message}`; the background splits the port back into one
 * AgentPort per request, so every request still gets its own relay, exactly as another extension's
 * one-request port does.
 *
 * A request's line ends with its last message: `end`, `error` or `answer` from the background,
 * `cancel` from the page. Request numbers only grow, so a late message (a credit sent just as the
 * answer ended) can never open a new request; the port closing ends every request still open.
 */
import type { AgentPort } from './bridge-relay';
import type { RuntimePort } from './runtime-port-channel';

export const PAGE_PORT_NAME = 'keygate-page';
/**
 * Beside a MessagePort line (port-frame.ts): a runtime port that carries nothing, named with a token
 * the frame also carries. Chromium gives a MessagePort no `close` event when the context at its other
 * end goes away (a stopped service worker, a page that navigated), and what is posted to it is lost;
 * it does disconnect runtime ports, so this one tells each side when the line is gone (page-watches.ts).
 */
export const PAGE_WATCH_PORT_PREFIX = 'keygate-page-watch:';
export const watchPortName = (token: string): string => PAGE_WATCH_PORT_PREFIX + token;
/** The token of a watch port's name, or null for any other port. */
export const watchToken = (name: string): string | null => (name.startsWith(PAGE_WATCH_PORT_PREFIX) && name.length > PAGE_WATCH_PORT_PREFIX.length ? name.slice(PAGE_WATCH_PORT_PREFIX.length) : null);

/**
 * The background's word on a page's MessagePort line that the page's grant refused a request: the
 * page opens its next call on a new line (page-direct-line.ts), which the content script opens only
 * for a page that still holds a usable grant, and the old line closes once it is replaced or the
 * page goes. Requests already on it still get their answers.
 */
export const PAGE_LINE_RETIRED = { type: 'keygate.lineRetired' } as const;
export const isPageLineRetired = (value: unknown): boolean => (value as { type?: unknown } | null)?.type === PAGE_LINE_RETIRED.type;

/** One request's message on the shared port. */
export interface PageEnvelope {
  rid: number;
  message: unknown;
}

export function isPageEnvelope(value: unknown): value is PageEnvelope {
  const envelope = value as Partial<PageEnvelope> | null;
  return typeof envelope === 'object' && envelope !== null && Number.isSafeInteger(envelope.rid) && (envelope.rid as number) > 0 && 'message' in envelope;
}

const typeOf = (message: unknown): unknown => (message as { type?: unknown } | null)?.type;

/** The background's last message for a request. */
export const endsAnswer = (message: unknown): boolean => {
  const type = typeOf(message);
  return type === 'end' || type === 'error' || type === 'answer';
};

/** Background: one AgentPort per request on a page's shared port, handed to `serve` as each request opens. */
export function splitPagePort(port: RuntimePort, serve: (requestPort: AgentPort) => void): void {
  const open = new Map<number, { deliver: (message: unknown) => void; hangUp: () => void }>();
  let highestRid = 0;

  const requestPort = (rid: number): AgentPort & { deliver: (message: unknown) => void; hangUp: () => void } => {
    const messageListeners: Array<(message: unknown) => void> = [];
    const disconnectListeners: Array<() => void> = [];
    const close = () => open.delete(rid);
    return {
      postMessage: (message) => {
        if (!open.has(rid)) return;
        port.postMessage({ rid, message } satisfies PageEnvelope);
        if (endsAnswer(message)) close();
      },
      // The relay gives up on the request: the page's side hears the line closed.
      disconnect: () => {
        if (!open.has(rid)) return;
        close();
        port.postMessage({ rid, message: { type: 'closed' } } satisfies PageEnvelope);
      },
      onMessage: { addListener: (listener) => void messageListeners.push(listener) },
      onDisconnect: { addListener: (listener) => void disconnectListeners.push(listener) },
      deliver: (message) => {
        for (const listener of messageListeners) listener(message);
      },
      hangUp: () => {
        for (const listener of disconnectListeners) listener();
      },
    };
  };

  port.onMessage.addListener((raw) => {
    if (!isPageEnvelope(raw)) return;
    let line = open.get(raw.rid);
    if (line === undefined) {
      if (raw.rid <= highestRid || typeOf(raw.message) !== 'request') return;
      highestRid = raw.rid;
      const created = requestPort(raw.rid);
      line = created;
      open.set(raw.rid, created);
      serve(created);
    }
    line.deliver(raw.message);
    if (typeOf(raw.message) === 'cancel') open.delete(raw.rid);
  });
  port.onDisconnect.addListener(() => {
    const lines = [...open.values()];
    open.clear();
    for (const line of lines) line.hangUp();
  });
}
