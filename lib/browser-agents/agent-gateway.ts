/**
 * The browser agents' front door in the background: one line per granted page (in Chromium a
 * MessagePort through Keygate's frame, held by the page itself, frame-port-line.ts; else the content
 * script's `runtime.onConnect` port; all of the page's requests on it), one port per request named
 * `keygate` from other extensions (`runtime.onConnectExternal`), and other extensions' one-message
 * calls (`runtime.onMessageExternal`, one-message-relay.ts).
 * Who is asking is what the browser says about the sender (`sender.origin` of a tab, `sender.id` of
 * an extension, `ancestorOrigins` as Keygate's frame read it), never anything the agent sends; that
 * identity must hold a usable grant.
 */
import { type ErrorCode, KeygateError } from '../../shared/errors';
import type { AgentIdentity, GrantService } from '../grants/grant-service';
import type { HostLink } from '../host-link/host-link';
import type { VaultSession } from '../session/vault-session';
import { AGENT_PORT_NAME, SITE_GRANT_QUERY } from './agent-messages';
import { type Admission, type AdmissionCall, type AgentPort, type RelayDeps, relayAgentRequest } from './bridge-relay';
import type { FetchBulk } from './bulk-download';
import { type FrameSource, framePortAsRuntimePort, identifyFramePort } from './frame-port-line';
import { relayOneMessageCall } from './one-message-relay';
import { PAGE_LINE_RETIRED, PAGE_PORT_NAME, splitPagePort, watchToken } from './page-line';
import type { PageWatches } from './page-watches';
import { FRAME_PORT_ADMITTED, isFramePortNote, PORT_FRAME_FILE } from './port-frame';
import type { ReportRefusal } from './refusal-reports';

/** What the browser tells about a port's opener (`runtime.MessageSender`). */
export interface PortSender {
  id?: string;
  url?: string;
  /** Chromium sets it; Firefox may not, and then the frame's URL says the same. */
  origin?: string;
  tab?: unknown;
}

export interface GatewayPort extends AgentPort {
  name: string;
  sender?: PortSender;
}

interface PortEvent {
  addListener(listener: (port: GatewayPort) => void): void;
}

export interface GatewayRuntime {
  id: string;
  getURL(path: string): string;
  onConnect: PortEvent;
  onConnectExternal: PortEvent;
  onMessage: { addListener(listener: (message: unknown, sender: PortSender) => Promise<boolean> | undefined): void };
  onMessageExternal: { addListener(listener: (message: unknown, sender: PortSender) => Promise<unknown> | undefined): void };
}

export interface GatewayServices {
  grants: Pick<GrantService, 'authorize' | 'recordUse'>;
  hostLink: Pick<HostLink, 'request' | 'post' | 'onBridgeEvents' | 'currentState'>;
  session: Pick<VaultSession, 'currentState'>;
  /** An extension without a grant knocked: the popup offers to grant it. */
  noteUngrantedExtension: (extensionId: string) => void;
  /** A call refused here (grant, vault) gets its audit line on the host (refusal-reports.ts). */
  reportRefusal: ReportRefusal;
}

/**
 * A web page's content script: a port from this extension's own content script in a tab, whose
 * frame is not one of the extension's pages. Its identity is the frame's origin.
 */
export function identifyPage(sender: PortSender | undefined, ownId: string, ownOrigin: string): AgentIdentity | null {
  if (sender === undefined || sender.id !== ownId || sender.tab === undefined || sender.url === undefined) return null;
  if (sender.url.startsWith(ownOrigin)) return null;
  let origin = sender.origin;
  if (origin === undefined) {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      return null;
    }
  }
  return { kind: 'site', subject: origin };
}

/** Another extension: its id as the browser reports it. */
export function identifyExtension(sender: PortSender | undefined, ownId: string): AgentIdentity | null {
  return sender?.id === undefined || sender.id === ownId ? null : { kind: 'extension', subject: sender.id };
}

/** The checks in the order an agent would want to fix them: its grant, then the vault, then the host. */
async function admit(identity: AgentIdentity, services: GatewayServices, call: AdmissionCall): Promise<Admission> {
  try {
    const grant = await services.grants.authorize(identity);
    if (services.session.currentState.status !== 'unlocked') throw new KeygateError('VAULT_LOCKED');
    if (services.hostLink.currentState.status !== 'connected') throw new KeygateError('HOST_NOT_CONNECTED');
    void services.grants.recordUse(grant.id).catch(() => undefined);
    return { grant, host: services.hostLink };
  } catch (error) {
    if (identity.kind === 'extension' && error instanceof KeygateError && error.code === 'GRANT_MISSING') services.noteUngrantedExtension(identity.subject);
    services.reportRefusal(identity, call, error);
    throw error;
  }
}

/** A bulk-lane URL fetched by the background: loopback, no cookies, never from a cache. */
const fetchBulk: FetchBulk = (url, signal) => fetch(url, { signal, cache: 'no-store', credentials: 'omit', redirect: 'error' });

const depsWith = (servicesReady: Promise<GatewayServices>) => (identity: AgentIdentity): RelayDeps => ({ admit: async (call) => admit(identity, await servicesReady, call), fetchBulk });

const relayWith = (servicesReady: Promise<GatewayServices>) => {
  const deps = depsWith(servicesReady);
  // Listeners go on the port now (its first message may already be on the way); the checks wait for the services.
  return (port: AgentPort, identity: AgentIdentity) => relayAgentRequest(port, deps(identity));
};

/** What `GrantService.authorize` refuses with: the page's grant is gone or unusable. */
const GRANT_REFUSALS: ReadonlySet<ErrorCode> = new Set(['GRANT_MISSING', 'GRANT_DISABLED', 'GRANT_EXPIRED', 'GRANT_PERMISSION_DENIED']);

/** Calls `retire` when a request is refused for its grant (revoked, disabled, expired, site access removed). */
function retiringOnGrantRefusal(deps: RelayDeps, retire: () => void): RelayDeps {
  return {
    ...deps,
    admit: (call) =>
      deps.admit(call).catch((error: unknown) => {
        if (error instanceof KeygateError && GRANT_REFUSALS.has(error.code)) retire();
        throw error;
      }),
  };
}

/** A message to the service worker (`ExtendableMessageEvent`), as far as the gateway reads it. */
export interface WorkerMessage {
  data: unknown;
  source: FrameSource | null;
  ports: readonly MessagePort[];
}

/**
 * Chromium: a granted page's MessagePort, handed over by Keygate's frame (port-frame.ts). A port from
 * anyone else, or for an origin without a usable grant, is closed unanswered: the frame then hands
 * nothing to the page it sits in. A port whose page's grant later refuses a request is retired
 * (PAGE_LINE_RETIRED): the page moves its calls off it, and it closes when the page replaces it.
 */
export function serveFramePorts(
  worker: { addEventListener(type: 'message', listener: (event: WorkerMessage) => void): void },
  frameUrl: string,
  watches: Pick<PageWatches, 'follow'>,
  servicesReady: Promise<GatewayServices>,
): void {
  const deps = depsWith(servicesReady);
  worker.addEventListener('message', (event) => {
    const port = event.ports[0];
    if (port === undefined) return;
    const note = event.data;
    const identity = identifyFramePort(note, event.source, frameUrl);
    if (identity === null || !isFramePortNote(note)) {
      port.close();
      return;
    }
    void servicesReady
      .then(({ grants }) => grants.authorize(identity))
      .then(
        () => {
          const line = framePortAsRuntimePort(port);
          // The page's content script watches from a tab of the same origin; when that goes, so does the line.
          if (!watches.follow(note.token, identity.subject, () => line.disconnect())) {
            line.disconnect();
            return;
          }
          const retire = () => port.postMessage(PAGE_LINE_RETIRED);
          splitPagePort(line, (requestPort) => relayAgentRequest(requestPort, retiringOnGrantRefusal(deps(identity), retire)));
          port.postMessage({ type: FRAME_PORT_ADMITTED });
        },
        () => port.close(),
      );
  });
}

/** Where the frame is served from (web-accessible in the Chromium build). */
export const portFrameUrl = (runtime: Pick<GatewayRuntime, 'getURL'>): string => runtime.getURL(`/${PORT_FRAME_FILE}`);

export function serveBrowserAgents(runtime: GatewayRuntime, servicesReady: Promise<GatewayServices>, watches?: Pick<PageWatches, 'add'>): void {
  const ownOrigin = runtime.getURL('/');
  const relay = relayWith(servicesReady);
  const deps = depsWith(servicesReady);
  // A granted page: one port for all its requests, from Keygate's content script in that tab.
  runtime.onConnect.addListener((port) => {
    // A page's watch port beside its MessagePort line (page-watches.ts): it carries nothing.
    const token = watchToken(port.name);
    if (token !== null && watches !== undefined) {
      const page = identifyPage(port.sender, runtime.id, ownOrigin);
      if (page === null) port.disconnect();
      else watches.add(token, page, port);
      return;
    }
    if (port.name !== PAGE_PORT_NAME) return;
    const identity = identifyPage(port.sender, runtime.id, ownOrigin);
    if (identity === null) port.disconnect();
    else splitPagePort(port, (requestPort) => relay(requestPort, identity));
  });
  // Asked by the relay before it offers `window.keygate`: in Firefox its registration covers every
  // port of the host (match patterns there cannot name one), so the origin is checked here exactly.
  runtime.onMessage.addListener((message, sender) => {
    if ((message as { type?: unknown } | null)?.type !== SITE_GRANT_QUERY) return undefined;
    const identity = identifyPage(sender, runtime.id, ownOrigin);
    if (identity === null) return Promise.resolve(false);
    return servicesReady.then(({ grants }) => grants.authorize(identity)).then(() => true, () => false);
  });
  // Another extension: one port per request.
  runtime.onConnectExternal.addListener((port) => {
    if (port.name !== AGENT_PORT_NAME) return;
    const identity = identifyExtension(port.sender, runtime.id);
    if (identity === null) port.disconnect();
    else relay(port, identity);
  });
  // Only extensions reach this: the manifest's externally_connectable names no web page (`matches`).
  runtime.onMessageExternal.addListener((message, sender) => {
    const identity = identifyExtension(sender, runtime.id);
    return identity === null ? undefined : relayOneMessageCall(message, deps(identity));
  });
}
