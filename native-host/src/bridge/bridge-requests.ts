/**
 * The native bridge, the pipeline's second front door: a browser agent's request arrives over the
 * native port (`proxy.request`, `proxy.body` frames), runs through the same pipeline as the HTTP
 * proxy with the grant as its caller, and its answer goes back as events (see BridgeReply). A
 * `proxy.cancel`, or the port closing, aborts the request and its upstream call.
 */
import { maxHeaderSize, METHODS, validateHeaderName, validateHeaderValue } from 'node:http';
import { BRIDGE_MAX_OPEN_PER_GRANT, BRIDGE_MAX_OPEN_REQUESTS, BRIDGE_MAX_PATH_CHARS, type BridgeRequestMap, type HeaderList } from '../../../shared/bridge-messages';
import { KeygateError } from '../../../shared/errors';
import type { AgentHeaders, AgentRequest } from '../proxy/agent-exchange';
import { Refusal } from '../proxy/refusal';
import { bodyByDeadline } from '../proxy/request-deadline';
import type { RequestPipeline } from '../proxy/request-pipeline';
import { BridgeBody } from './bridge-body';
import { BridgeReply, type SendBridgeEvent } from './bridge-reply';
import type { BulkLaneAccess } from './bulk-lane';

type Params<T extends keyof BridgeRequestMap> = BridgeRequestMap[T]['params'];

interface OpenRequest {
  grantId: string;
  reply: BridgeReply;
  body: BridgeBody | null;
  agentGone: AbortController;
}

const METHOD = /^[A-Z]{1,16}$/;
/**
 * What the HTTP proxy's parser takes (node:http METHODS), less CONNECT: over HTTP a CONNECT never
 * reaches the pipeline (Node closes the socket), while forwarded it went upstream with the key
 * injected, and an upstream answering 2xx opened a tunnel the request never came back from: no
 * answer, no audit line, deaf to cancel, its slot (of the grant's and the port's) held for good.
 */
const FORWARDED_METHODS: ReadonlySet<string> = new Set(METHODS.filter((method) => method !== 'CONNECT'));

/** Lower-case names; a repeated name becomes a list, as Node gives them for HTTP. */
function agentHeaders(list: HeaderList): AgentHeaders {
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [rawName, value] of list) {
    const name = rawName.toLowerCase();
    const earlier = headers[name];
    headers[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return headers;
}

/**
 * Why these headers could not have reached the HTTP proxy (Node's parser refuses them there), or
 * null: a page gets no more room than a CLI agent, and a header undici would refuse to send is the
 * page's error, not an upstream failure.
 */
function headerRefusal(list: HeaderList): Refusal | null {
  let bytes = 0;
  for (const [name, value] of list) {
    // An HTTP/1.1 request line per header: `name: value` and CRLF.
    bytes += name.length + value.length + 4;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      return new Refusal('HTTP_REQUEST_MALFORMED', 'A header name or value is not valid HTTP.');
    }
  }
  return bytes > maxHeaderSize ? new Refusal('REQUEST_HEADERS_TOO_LARGE') : null;
}

async function* noBody(): AsyncGenerator<Uint8Array> {}

export class BridgeRequests {
  private readonly open = new Map<string, OpenRequest>();

  constructor(
    private readonly pipeline: RequestPipeline,
    private readonly send: SendBridgeEvent,
    /** As on the HTTP proxy: a page must send its whole body within the policy's request timeout. */
    private readonly deadline: { requestTimeoutMs: () => number; agentStallMs: () => number; now: () => number },
    /** The loopback bulk lane (browser mode only); a request that asks for it (`bulk: true`) may get its large answer there. */
    private readonly bulkLane: BulkLaneAccess | null = null,
  ) {}

  /** Starts the request; its answer arrives as events. */
  start(params: Params<'proxy.request'>): Record<string, never> {
    const refused = this.frameRefusal(params);
    if (refused !== null) {
      // Refused with the frame's error reply, not an answer; like any refused request it leaves an audit line.
      const method = METHOD.test(params.method) ? params.method : '';
      this.pipeline.auditRefused({ method, target: '', headers: {}, body: noBody(), signal: new AbortController().signal, caller: { kind: 'grant', grantId: params.grantId } }, refused);
      throw refused;
    }
    const stallMs = this.deadline.agentStallMs();
    const stall = { ms: stallMs, onStall: () => this.end(open, new KeygateError('CLIENT_DISCONNECTED', `The page took no answer chunk for ${stallMs / 1000} s.`)) };
    // The lane breaking (ticket unfetched, socket closed early) ends the request as a stall does.
    const bulk = params.bulk === true && this.bulkLane !== null ? { lane: this.bulkLane, onBroken: (error: KeygateError) => this.end(open, error) } : null;
    const open: OpenRequest = { grantId: params.grantId, reply: new BridgeReply(params.requestId, this.send, stall, undefined, bulk), body: params.hasBody ? new BridgeBody() : null, agentGone: new AbortController() };
    this.open.set(params.requestId, open);
    const request: AgentRequest = {
      method: params.method,
      target: params.path,
      headers: agentHeaders(params.headers),
      body: open.body === null ? noBody() : bodyByDeadline(open.body, this.deadline.now() + this.deadline.requestTimeoutMs(), this.deadline.now),
      signal: open.agentGone.signal,
      caller: { kind: 'grant', grantId: params.grantId },
    };
    const refusal = headerRefusal(params.headers);
    const running = refusal === null ? this.pipeline.handle(request, open.reply) : this.pipeline.refuse(request, open.reply, refusal);
    void running.finally(() => {
      this.open.delete(params.requestId);
      open.body?.close(null);
    });
    return {};
  }

  /**
   * A call the background refused itself (no usable grant, the vault locked) never came here, but the
   * audit log is here: it gets its line as if refused here, naming the grant when there is one.
   */
  refusedInBrowser(params: Params<'proxy.refused'>): Record<string, never> {
    this.pipeline.auditBrowserRefusal(params.method, params.path, params.agent, new Refusal(params.code, undefined, {}, 'refused in the browser'));
    return {};
  }

  /** Why the frame cannot start a request (its `rule` names it on the audit line), or null. */
  private frameRefusal(params: Params<'proxy.request'>): Refusal | null {
    if (this.open.has(params.requestId)) return new Refusal('MESSAGE_INVALID', 'This requestId is already open.', {}, 'requestId already open');
    if (this.openFor(params.grantId) >= BRIDGE_MAX_OPEN_PER_GRANT) {
      return new Refusal('GRANT_OPEN_REQUESTS_EXCEEDED', `At most ${BRIDGE_MAX_OPEN_PER_GRANT} requests per grant may be open at once.`, {}, 'open requests per grant');
    }
    if (this.open.size >= BRIDGE_MAX_OPEN_REQUESTS) return new Refusal('RATE_LIMITED', `At most ${BRIDGE_MAX_OPEN_REQUESTS} bridged requests may be open at once.`, {}, 'open requests per port');
    if (!METHOD.test(params.method) || !FORWARDED_METHODS.has(params.method)) return new Refusal('MESSAGE_INVALID', 'The method must be an upper-case HTTP method the proxy forwards (not CONNECT).', {}, 'method');
    if (!params.path.startsWith('/')) return new Refusal('MESSAGE_INVALID', 'The path must start with "/".', {}, 'path');
    if (params.path.length > BRIDGE_MAX_PATH_CHARS) return new Refusal('MESSAGE_INVALID', `The path may be at most ${BRIDGE_MAX_PATH_CHARS} characters.`, {}, 'path length');
    // fetch sends none either; over HTTP a GET's body goes on when its headers announce it, which a bridged request's need not.
    if (params.hasBody && (params.method === 'GET' || params.method === 'HEAD')) return new Refusal('MESSAGE_INVALID', 'A GET or HEAD request carries no body here; send it as POST.', {}, 'body on GET or HEAD');
    return null;
  }

  /**
   * The grant's requests still open here. The host counts, not the background: every grant's
   * requests meet on this one port, so the count is exact, and a request is counted until the
   * pipeline is done with it, whichever way it ended (answer, error, cancel, the page or the port gone).
   */
  private openFor(grantId: string): number {
    let count = 0;
    for (const open of this.open.values()) if (open.grantId === grantId) count += 1;
    return count;
  }

  /** Resolves when the pipeline took the chunk: the background sends the next one then. */
  async body(params: Params<'proxy.body'>): Promise<Record<string, never>> {
    const body = this.openRequest(params.requestId).body;
    if (body === null) throw new KeygateError('MESSAGE_INVALID', 'This request was opened without a body.');
    await body.push(Buffer.from(params.data, 'base64'), params.end);
    return {};
  }

  /** A credit may cross the request's end on the way (the page read the last chunk as it ended): nothing to do then. */
  credit(params: Params<'proxy.credit'>): Record<string, never> {
    this.open.get(params.requestId)?.reply.credit(params.chunks);
    return {};
  }

  cancel(params: Params<'proxy.cancel'>): { cancelled: boolean } {
    const open = this.open.get(params.requestId);
    if (open === undefined) return { cancelled: false };
    this.abort(open);
    return { cancelled: true };
  }

  /**
   * Grants the user revoked (or narrowed) end their open requests at once: the page gets the error,
   * the upstream call is aborted, and the audit line names the revocation.
   */
  endWithdrawn(grantIds: ReadonlySet<string>): void {
    if (grantIds.size === 0) return;
    const revoked = new KeygateError('GRANT_MISSING', 'The grant was revoked or narrowed while this request was open.');
    for (const open of this.open.values()) if (grantIds.has(open.grantId)) this.end(open, revoked);
  }

  /** Keygate ends the request itself: the page is told why, then it goes as a cancel does. */
  private end(open: OpenRequest, reason: KeygateError): void {
    open.reply.abort(reason);
    this.abort(open, reason);
  }

  /** The port closed: every open request is cancelled (and audited as such by the pipeline). */
  cancelAll(): void {
    for (const open of this.open.values()) this.abort(open);
  }

  private abort(open: OpenRequest, reason = new KeygateError('CLIENT_DISCONNECTED', 'The bridged request was cancelled.')): void {
    open.reply.cancel();
    open.agentGone.abort(reason);
    open.body?.close(reason);
  }

  private openRequest(requestId: string): OpenRequest {
    const open = this.open.get(requestId);
    if (open === undefined) throw new KeygateError('MESSAGE_INVALID', 'No open request has this requestId.');
    return open;
  }
}
