/**
 * The background's side of a page's MessagePort (port-frame.ts): who may hand one over, and the
 * port as the page line's RuntimePort (page-line.ts), so each request on it goes through the same
 * relay and admission as a request on a runtime port.
 *
 * The page's main world holds the other end (page-direct-line.ts), so every message on the port is
 * the page's word, checked here, in the page line and in the relay exactly as on a runtime port.
 *
 * Who is asking: a MessagePort carries no sender, so the identity comes from the note that brought
 * it, and the note is believed only from Keygate's own frame — a window client of this service
 * worker (so an extension page of Keygate's; no web page can message it) at the frame's path,
 * nested in a page. The frame reports `location.ancestorOrigins`, which the browser sets; the page
 * must be the frame's only ancestor (a top-level document: the content script runs nowhere else),
 * so a granted page framed inside another site, or a page that frames a granted one, gets no port.
 *
 * Bytes: the relay and the host speak base64; the port carries ArrayBuffers. Answers are decoded
 * here and transferred; uploads are encoded here. Anything but an ArrayBuffer as a body is passed on
 * as invalid, so the relay refuses it (MESSAGE_INVALID) as it would on a runtime port.
 */
import type { AgentIdentity } from '../grants/grant-service';
import { isPortAgentMessage, type PortGatewayMessage } from './agent-messages';
import { decodeChunk, encodeChunk, ownBuffer } from './body-chunks';
import { bytesToTransfer } from './page-channel';
import { isPageEnvelope, type PageEnvelope } from './page-line';
import { isFramePortNote } from './port-frame';
import type { RuntimePort } from './runtime-port-channel';

/** What the service worker knows of a message's source (`ExtendableMessageEvent.source`). */
export interface FrameSource {
  url: string;
  /** `WindowClient.frameType`: 'nested' for a frame; absent for a worker. */
  frameType?: string;
}

/**
 * The page a port is for, or null unless the note came from Keygate's frame (at `frameUrl`, or the
 * per-session URL the browser serves it at: same path, an extension origin) nested directly in it.
 */
export function identifyFramePort(note: unknown, source: FrameSource | null, frameUrl: string): AgentIdentity | null {
  if (source === null || source.frameType !== 'nested' || !isFramePortNote(note) || note.ancestors.length !== 1) return null;
  let sourceUrl: URL;
  let expected: URL;
  try {
    sourceUrl = new URL(source.url);
    expected = new URL(frameUrl);
  } catch {
    return null;
  }
  if (sourceUrl.protocol !== expected.protocol || sourceUrl.pathname !== expected.pathname) return null;
  const origin = note.ancestors[0]!;
  // An opaque origin ('null', a sandboxed page) or anything but plain web origins never holds a grant.
  if (!/^https?:\/\/[^/]+$/.test(origin)) return null;
  return { kind: 'site', subject: origin };
}

const asBuffer = (data: string) => ownBuffer(decodeChunk(data));

/** The background's answer as the port carries it: body bytes decoded from base64. */
function toPortMessage(message: unknown): unknown {
  const typed = message as { type?: unknown; data?: unknown } | null;
  if ((typed?.type === 'chunk' || typed?.type === 'answer') && typeof typed.data === 'string') return { ...typed, data: asBuffer(typed.data) } as PortGatewayMessage;
  return message;
}

/** The page's message as the relay reads it: body bytes in base64; a malformed body stays malformed. */
function fromPortMessage(message: unknown): unknown {
  const typed = message as { type?: unknown; data?: unknown } | null;
  if (typed?.type !== 'body') return message;
  return isPortAgentMessage(message) && message.type === 'body' ? { ...message, data: encodeChunk(new Uint8Array(message.data)) } : { ...typed, data: null };
}

/** A page's MessagePort as the RuntimePort the page line splits; `close` (the content script is gone) is its disconnect. */
export function framePortAsRuntimePort(port: MessagePort): RuntimePort {
  const disconnectListeners: Array<() => void> = [];
  let closed = false;
  const hangUp = () => {
    if (closed) return;
    closed = true;
    port.close();
    for (const listener of disconnectListeners) listener();
  };
  port.addEventListener('close', hangUp);
  port.addEventListener('messageerror', hangUp);
  const messageListeners: Array<(message: unknown) => void> = [];
  port.addEventListener('message', (event: MessageEvent) => {
    const raw: unknown = event.data;
    const envelope = isPageEnvelope(raw) ? { rid: raw.rid, message: fromPortMessage(raw.message) } : raw;
    for (const listener of messageListeners) listener(envelope);
  });
  port.start();
  return {
    postMessage: (envelope) => {
      if (closed) return;
      const { rid, message } = envelope as PageEnvelope;
      const onWire = toPortMessage(message);
      port.postMessage({ rid, message: onWire } satisfies PageEnvelope, bytesToTransfer(onWire));
    },
    disconnect: hangUp,
    onMessage: { addListener: (listener) => void messageListeners.push(listener) },
    onDisconnect: { addListener: (listener) => void disconnectListeners.push(listener) },
  };
}
