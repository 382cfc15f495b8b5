/**
 * The background's side of one browser-agent request: admits it (grant, vault, host), forwards it to
 * the host as `proxy.request` / `proxy.body`, and relays the host's head, chunks and end back to the
 * agent's port. It never reads bodies (a deflated chunk goes on deflated; the agent inflates it).
 * Flow control stays end to end: the agent's `credit` messages
 * go to the host as `proxy.credit`, so a page that stops reading stops the host; the agent's port
 * closing (page aborted, tab closed) cancels the upstream call.
 *
 * A large answer may move to the bulk lane (`proxy.bulk`, bulk-download.ts): its chunks then come
 * from the background's own loopback fetch, after those that came over the native port. The agent's
 * credits go to the host for the native chunks and to the download for the rest; the agent's end
 * waits for both the download's end and the host's `proxy.end`, and a `proxy.error` or cancel stops
 * the download too.
 */
import { BRIDGE_BODY_WINDOW, BRIDGE_CHUNK_BYTES } from '../../shared/bridge-messages';
import { ERRORS, type ErrorBody, errorBody, KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { newRecordId } from '../../shared/vault/format';
import type { BridgeEvent, HostLink } from '../host-link/host-link';
import { type AgentMessage, type GatewayMessage, isAgentMessage } from './agent-messages';
import { encodeChunk } from './body-chunks';
import { BulkDownload, type FetchBulk } from './bulk-download';

/** The part of `runtime.Port` the relay uses. */
export interface AgentPort {
  postMessage(message: GatewayMessage): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export type RelayHost = Pick<HostLink, 'request' | 'post' | 'onBridgeEvents'>;

/** The call being admitted, as its audit line names it should it be refused. */
export interface AdmissionCall {
  method: string;
  path: string;
}

/** An admitted request: the grant it runs under and the host link that carries it. */
export interface Admission {
  grant: GrantRecord;
  host: RelayHost;
}

export interface RelayDeps {
  /** Throws the catalogue refusal (GRANT_*, VAULT_LOCKED, HOST_NOT_CONNECTED) when the agent may not make this call now. */
  admit: (call: AdmissionCall) => Promise<Admission>;
  newRequestId?: () => string;
  /** Given, the host may send a large answer's rest over the loopback bulk lane, fetched with this. */
  fetchBulk?: FetchBulk;
}

/**
 * A host slow to take a body piece is still working; only a host that is gone should fail the
 * call, and that fails it at once (HostLink).
 */
const HOST_PATIENCE_MS = 120_000;

/** The answer the HTTP proxy gives for a refusal, as bridge messages: status, JSON error, end. */
export function refusalMessages(error: ErrorBody): GatewayMessage[] {
  const body = new TextEncoder().encode(JSON.stringify({ error }));
  const headers: [string, string][] = [
    ['content-type', 'application/json; charset=utf-8'],
    ['cache-control', 'no-store'],
  ];
  return [{ type: 'head', status: ERRORS[error.code].status, headers }, { type: 'chunk', data: encodeChunk(body.subarray(0, BRIDGE_CHUNK_BYTES)) }, { type: 'end' }];
}

const bodyOf = (error: unknown): ErrorBody => (error instanceof KeygateError ? error.toBody() : errorBody('INTERNAL_ERROR'));

export function relayAgentRequest(port: AgentPort, deps: RelayDeps): void {
  let requestId: string | null = null;
  let host: RelayHost | null = null;
  let headSent = false;
  let finished = false;
  let stopEvents: () => void = () => undefined;
  /** Agent messages are handled in order (request, then body pieces); credits and cancel need not wait. */
  let queue: Promise<void> = Promise.resolve();
  /**
   * Chunks from the native port the agent has not credited yet: its next credits are the host's, and
   * no more than these go to it (the host has nothing else to credit), so a page posting credits in
   * a loop puts no frame on the native port that all agents share.
   */
  let nativeUncredited = 0;
  /** Body pieces sent to the host and not yet acknowledged to the agent; the end once seen. */
  let bodyUnacknowledged = 0;
  let bodyEnded = false;
  let bulk: BulkDownload | null = null;
  let bulkDone = false;
  let bulkBroken = false;
  let hostEnded = false;

  const send = (message: GatewayMessage) => {
    if (finished) return;
    try {
      port.postMessage(message);
    } catch {
      // The agent went away; its onDisconnect cancels the request.
    }
  };
  const finish = () => {
    finished = true;
    bulk?.cancel();
    stopEvents();
  };
  const fail = (error: ErrorBody) => {
    if (finished) return;
    if (headSent) send({ type: 'error', error });
    else for (const message of refusalMessages(error)) send(message);
    finish();
  };
  /** Tells the host to stop (and abort the upstream call) if a request is open there. */
  const cancelOnHost = () => {
    if (host !== null && requestId !== null && !finished) void host.request('proxy.cancel', { requestId }).catch(() => undefined);
  };
  const cancelUpstream = () => {
    cancelOnHost();
    finish();
  };
  /** Once the request is open, a cancel goes at once; before, it waits for the opening to finish. */
  const cancelSoon = () => {
    if (requestId !== null) cancelUpstream();
    else queue = queue.then(cancelUpstream);
  };

  const onHostEvent = (event: BridgeEvent) => {
    switch (event.event) {
      case 'proxy.head':
        if (headSent) return;
        headSent = true;
        send({ type: 'head', status: event.status, headers: event.headers });
        return;
      case 'proxy.chunk':
        if (!headSent) return;
        nativeUncredited += 1;
        send(event.coding === undefined ? { type: 'chunk', data: event.data } : { type: 'chunk', data: event.data, coding: event.coding });
        return;
      case 'proxy.end':
        hostEnded = true;
        endOnceComplete();
        return;
      case 'proxy.bulk':
        if (!headSent || bulk !== null || deps.fetchBulk === undefined) {
          cancelOnHost();
          fail(errorBody('MESSAGE_INVALID', 'proxy.bulk out of place.'));
          return;
        }
        bulk = new BulkDownload(event.url, deps.fetchBulk, {
          chunk: (data) => send({ type: 'chunk', data }),
          done: () => {
            bulkDone = true;
            endOnceComplete();
          },
          broke: onBulkBroke,
        });
        return;
      case 'proxy.error':
        fail(event.error);
        return;
      case 'proxy.answer':
        if (headSent) return;
        headSent = true;
        send({ type: 'answer', status: event.status, headers: event.headers, data: event.data, ...(event.coding === undefined ? {} : { coding: event.coding }) });
        finish();
    }
  };

  /** The agent's end: after the host's, and after the bulk stream's when there is one. */
  const endOnceComplete = () => {
    if (hostEnded && bulkBroken) {
      fail(errorBody('BULK_LANE_BROKEN'));
      return;
    }
    if (!hostEnded || (bulk !== null && !bulkDone)) return;
    send({ type: 'end' });
    finish();
  };
  /**
   * A stream the host never began (refused, not there) is cancelled here; one that broke mid-way is
   * the host's to explain (it sends `proxy.error` when it fails, or when it sees the socket close).
   */
  const onBulkBroke = (opened: boolean) => {
    bulkBroken = true;
    if (!opened || hostEnded) {
      cancelOnHost();
      fail(errorBody('BULK_LANE_BROKEN'));
    }
  };
  /** The agent's credits pay for the native chunks first (the host's window), then for the bulk stream's. */
  const credit = (chunks: number) => {
    if (host === null || requestId === null) return;
    const forHost = Math.min(chunks, nativeUncredited);
    nativeUncredited -= forHost;
    if (forHost > 0) host.post('proxy.credit', { requestId, chunks: forHost });
    if (chunks > forHost) bulk?.credit(chunks - forHost);
  };

  const open = async (message: Extract<AgentMessage, { type: 'request' }>) => {
    let admission: Admission;
    try {
      admission = await deps.admit({ method: message.method, path: message.path });
    } catch (error) {
      fail(bodyOf(error));
      return;
    }
    if (finished) return;
    const { grant } = admission;
    const id = (deps.newRequestId ?? newRecordId)();
    host = admission.host;
    requestId = id;
    stopEvents = host.onBridgeEvents(id, onHostEvent);
    // Its refusal, if any, comes back as a proxy.error event.
    const request = { requestId: id, grantId: grant.id, method: message.method, path: message.path, headers: message.headers, hasBody: message.hasBody };
    host.post('proxy.request', deps.fetchBulk === undefined ? request : { ...request, bulk: true });
  };

  /**
   * Sent on at once, in order, without waiting for the host's reply to the piece before (the window
   * bounds how many are out); the agent hears `body-ack` for each as the host takes it.
   */
  const forwardBody = (message: Extract<AgentMessage, { type: 'body' }>) => {
    if (host === null || requestId === null || finished) return;
    host.request('proxy.body', { requestId, data: message.data, end: message.end }, HOST_PATIENCE_MS).then(
      () => {
        bodyUnacknowledged -= 1;
        send({ type: 'body-ack' });
      },
      (error: unknown) => {
        // The host stopped reading (it answered already, or it failed): stop the upstream, say so once.
        cancelOnHost();
        fail(bodyOf(error));
      },
    );
  };

  /**
   * Pieces past the window would pile up in the worker and the host without bound: the agent keeps
   * at most BRIDGE_BODY_WINDOW unacknowledged (the end, empty, may follow the last piece at once),
   * and sends nothing after the end.
   */
  const bodyOutOfTurn = (message: Extract<AgentMessage, { type: 'body' }>) =>
    bodyEnded || bodyUnacknowledged >= BRIDGE_BODY_WINDOW + (message.end && message.data === '' ? 1 : 0);

  let started = false;
  port.onMessage.addListener((raw) => {
    if (finished) return;
    if (!isAgentMessage(raw) || (raw.type === 'request') === started) {
      cancelOnHost();
      fail(errorBody('MESSAGE_INVALID', 'Expected one request message, then body, credit or cancel messages.'));
      return;
    }
    switch (raw.type) {
      case 'request':
        started = true;
        queue = queue.then(() => open(raw));
        return;
      case 'body':
        if (bodyOutOfTurn(raw)) {
          cancelOnHost();
          fail(errorBody('MESSAGE_INVALID', `Keep at most ${BRIDGE_BODY_WINDOW} body pieces unacknowledged (a body-ack for each), and send nothing after the end.`));
          return;
        }
        bodyUnacknowledged += 1;
        bodyEnded = raw.end;
        queue = queue.then(() => forwardBody(raw));
        return;
      case 'credit':
        credit(raw.chunks);
        return;
      case 'cancel':
        cancelSoon();
    }
  });
  port.onDisconnect.addListener(cancelSoon);
}
