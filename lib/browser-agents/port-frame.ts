/**
 * How a granted page gets a MessagePort to the background (Chromium). A runtime port's every
 * message goes through the browser process as JSON; a MessagePort between the page and the service
 * worker goes straight between them, bodies as transferred ArrayBuffers (a
 * small call's round trip ~0.3 ms against ~1.1 ms on this machine). Only an extension page can
 * reach the service worker (`navigator.serviceWorker`), so the content script inserts Keygate's own
 * frame (keygate-port.html, web-accessible at a per-session URL) for a moment:
 *
 * 1. The frame reads who embeds it from `location.ancestorOrigins` (the browser's word; no page
 *    script can change it) and sends one end of a new MessageChannel to the service worker with it.
 * 2. The background admits the port as it admits a page's runtime port (frame-port-line.ts): it
 *    came from its own frame, the frame sits directly in a top-level page, that origin holds a usable
 *    grant, and the content script's watch port (named with the token in the frame URL's fragment)
 *    comes from a tab of that same origin. It answers `admitted` on the port, or closes it and says nothing.
 * 3. Only then does the frame hand the other end to its parent, addressed to that exact origin; the
 *    content script takes it from that frame alone, removes the frame and hands the port to the
 *    page's main world, where window.keygate holds it (page-direct-line.ts).
 */

export const PORT_FRAME_FILE = 'keygate-port.html';
/** The frame's note to the service worker (with the port) and to its parent (with the other end). */
export const FRAME_PORT_NOTE = 'keygate.framePort';
/** The background's word on the port that it took it. */
export const FRAME_PORT_ADMITTED = 'keygate.framePortAdmitted';
/** A frame that has not handed over a port by then failed (refused, or blocked by the page): the runtime port serves. */
const FRAME_PATIENCE_MS = 3000;

export interface FramePortNote {
  type: typeof FRAME_PORT_NOTE;
  /** `location.ancestorOrigins` as the frame saw it, nearest first. */
  ancestors: string[];
  /** The content script's watch port token (page-watches.ts), from the frame URL's fragment. */
  token: string;
}

export function isFramePortNote(value: unknown): value is FramePortNote {
  const note = value as Partial<FramePortNote> | null;
  return (
    typeof note === 'object' &&
    note !== null &&
    note.type === FRAME_PORT_NOTE &&
    Array.isArray(note.ancestors) &&
    note.ancestors.every((origin) => typeof origin === 'string') &&
    typeof note.token === 'string' &&
    note.token.length > 0
  );
}

/** The frame's part: asks the service worker to take a port for the page it sits in; hands the other end over if it did. */
export async function handOverFramePort(win: Window, serviceWorker: Pick<ServiceWorkerContainer, 'ready'>): Promise<void> {
  const ancestors = [...win.location.ancestorOrigins];
  const token = win.location.hash.slice(1);
  // The content script runs in top-level documents only: its frame sits directly under the page.
  if (ancestors.length !== 1 || token === '') return;
  const worker = (await serviceWorker.ready).active;
  if (worker === null) return;
  const { port1, port2 } = new MessageChannel();
  const admitted = new Promise<void>((resolve) => {
    port2.onmessage = (event: MessageEvent) => {
      if ((event.data as { type?: unknown } | null)?.type === FRAME_PORT_ADMITTED) resolve();
    };
  });
  worker.postMessage({ type: FRAME_PORT_NOTE, ancestors, token } satisfies FramePortNote, [port1]);
  await admitted;
  port2.onmessage = null;
  win.parent.postMessage({ type: FRAME_PORT_NOTE, ancestors, token } satisfies FramePortNote, ancestors[0]!, [port2]);
}

/**
 * The content script's part: inserts the frame, takes the port from that frame only (the page can
 * post look-alike notes, but not as the frame's window), and removes the frame. Null if none came.
 */
export function openFramePort(win: Window, frameUrl: string, token: string, patienceMs = FRAME_PATIENCE_MS): Promise<MessagePort | null> {
  return new Promise((resolve) => {
    const frame = win.document.createElement('iframe');
    const done = (port: MessagePort | null) => {
      clearTimeout(timer);
      win.removeEventListener('message', listen);
      frame.remove();
      resolve(port);
    };
    const listen = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow || !isFramePortNote(event.data) || event.ports.length !== 1) return;
      done(event.ports[0]!);
    };
    const timer = setTimeout(() => done(null), patienceMs);
    win.addEventListener('message', listen);
    frame.src = `${frameUrl}#${token}`;
    frame.setAttribute('aria-hidden', 'true');
    frame.style.display = 'none';
    (win.document.body ?? win.document.documentElement).append(frame);
  });
}
