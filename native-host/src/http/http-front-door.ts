/**
 * The HTTP front door: node:http requests become AgentRequests for the one pipeline, and its
 * AgentReplies become HTTP answers. Only what HTTP alone needs lives here: the Host/Origin guard
 * (DNS rebinding, hostile pages), CORS and its preflight, refusing WebSocket handshakes and CONNECT
 * tunnels, and a catalogue answer to a request Node's parser refused.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode, errorBody, KeygateError } from '../../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AgentRequest } from '../proxy/agent-exchange';
import { Refusal } from '../proxy/refusal';
import type { RequestPipeline } from '../proxy/request-pipeline';
import { RequestStop } from '../upstream/stop-signal';
import { checkHostAndOrigin, corsHeaders } from './host-origin-guard';
import { BodyDeadlines } from './body-deadlines';
import { HttpReply } from './http-reply';
import { httpRequestBody } from './http-request-body';

export interface HttpFrontDoorOptions {
  pipeline: RequestPipeline;
  audit: Pick<AuditLog, 'append'>;
  /** Host header values that name this proxy on its real port. */
  hosts: () => ReadonlySet<string>;
  allowedOrigins: () => readonly string[];
  /** How long an agent may take to send its whole request. */
  requestTimeoutMs: () => number;
  /** How long an agent may leave an answer unread before it counts as gone. */
  agentStallMs: () => number;
  now: () => number;
}

export class HttpFrontDoor {
  /**
   * Connections with a request in the pipeline, and the last request each handed over: the pipeline
   * answers and audits those itself, and a body Node's parser then finds broken ends that request.
   */
  private readonly busy = new WeakMap<Duplex, ReceivedRequest>();
  /**
   * Per connection, how to tell each of its unanswered requests that the agent left. A pipelined
   * request waits for the one before it to be answered, and its response never sees the connection
   * close (Node emits no 'close' on a response still queued), so the connection's own 'close' tells it.
   */
  private readonly unanswered = new WeakMap<Duplex, Set<() => void>>();
  /** Every request's body deadline, kept by one sweep. */
  private readonly bodyDeadlines = new BodyDeadlines();

  constructor(private readonly options: HttpFrontDoorOptions) {}

  /**
   * `expectation`: Node left the request's `Expect` to us. For `100-continue` (its 'checkContinue'
   * event) the `100 Continue` goes out only when the pipeline reads the body, after the key, scope,
   * rules and declared length are checked, not before a refusal the agent would then upload its whole
   * body to; any other (its 'checkExpectation' event) is refused with a catalogue answer and audited.
   */
  handle(req: IncomingMessage, res: ServerResponse, expectation: 'none' | 'continue' | 'unsupported' = 'none'): Promise<void> {
    const { pipeline } = this.options;
    const agentGone = new RequestStop();
    let reply: HttpReply | null = null;
    const left = () => {
      if (!res.writableFinished) agentGone.abort();
    };
    const received: ReceivedRequest = { req, res, agentGone };
    this.busy.set(req.socket, received);
    const waiting = this.unansweredOn(req.socket);
    waiting.add(left);
    // The response's one 'close' listener (a response closes once; `once` would wrap it in two objects
    // more): the reply learns here whether its answer was delivered.
    res.on('close', () => {
      // A pipelined request after this one may have taken the connection's entry already.
      if (this.busy.get(req.socket) === received) this.busy.delete(req.socket);
      waiting.delete(left);
      if (res.writableFinished) reply?.delivered();
      else agentGone.abort();
    });
    const request: AgentRequest = {
      method: req.method ?? 'GET',
      target: req.url ?? '',
      headers: req.headers,
      body: httpRequestBody(req, this.options.now() + this.options.requestTimeoutMs(), this.options.now, this.bodyDeadlines, expectation === 'continue' ? res : null),
      signal: agentGone,
      caller: { kind: 'agent-key-in-headers', connection: req.socket },
    };
    const guard = checkHostAndOrigin(req, this.options.hosts(), this.options.allowedOrigins());
    if (!guard.ok) {
      reply = new HttpReply(req, res, {}, agentGone, this.options.agentStallMs());
      return pipeline.refuse(request, reply, new Refusal(guard.code, guard.detail));
    }
    const cors = corsHeaders(guard.corsOrigin);
    if (req.method === 'OPTIONS' && guard.corsOrigin !== null) {
      res.writeHead(204, cors).end();
      return Promise.resolve();
    }
    reply = new HttpReply(req, res, cors, agentGone, this.options.agentStallMs());
    if (asksForWebSocket(req)) return pipeline.refuse(request, reply, new Refusal('WEBSOCKET_NOT_SUPPORTED'));
    if (expectation === 'unsupported') return pipeline.refuse(request, reply, new Refusal('EXPECTATION_UNSUPPORTED'));
    return pipeline.handle(request, reply);
  }

  /** The connection's unanswered requests: each is told when it closes, and taken out once answered. */
  private unansweredOn(socket: Duplex): Set<() => void> {
    let waiting = this.unanswered.get(socket);
    if (waiting === undefined) {
      const requests = new Set<() => void>();
      socket.once('close', () => requests.forEach((tell) => tell()));
      this.unanswered.set(socket, requests);
      waiting = requests;
    }
    return waiting;
  }

  /**
   * Node's parser refuses some requests before any handler runs (a lower-case method, a broken
   * header, a header block past its 16 KiB). They still get a catalogue answer and an audit line: a
   * refused attempt leaves a trace. A connection the agent reset is not a malformed request: nobody is
   * left to answer, and a request in flight on a connection (reset or timed out) is answered and
   * audited by the pipeline. A request whose body breaks HTTP's framing after the pipeline took it is
   * ended with that reason, not taken for an agent that left.
   */
  answerClientError(error: Error & { code?: string }, socket: Duplex): void {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    const inPipeline = this.busy.get(socket);
    if (inPipeline !== undefined) {
      if (error.code?.startsWith('HPE_') === true && !inPipeline.req.complete) endMidBody(inPipeline, new KeygateError('HTTP_REQUEST_MALFORMED', `(${error.code})`));
      else socket.destroy();
      return;
    }
    this.refuseUnparsed(socket, '', clientErrorCode(error.code), error.code ?? 'parse error');
  }

  /**
   * A CONNECT request (an agent told to use Keygate as its HTTP(S) proxy): Node hands it to no request
   * handler, and without this it closed the connection unanswered and unaudited.
   */
  refuseTunnel(req: IncomingMessage, socket: Duplex): void {
    // Node took its own error listener off the socket it handed over: an agent that resets it must not crash the host.
    socket.on('error', () => socket.destroy());
    this.refuseUnparsed(socket, req.method ?? 'CONNECT', 'CONNECT_NOT_SUPPORTED', 'CONNECT');
  }

  /** A request no pipeline saw: its audit line (no agent known) and a catalogue answer that closes the connection. */
  private refuseUnparsed(socket: Duplex, method: string, code: ErrorCode, why: string): void {
    const { status } = ERRORS[code];
    this.options.audit.append({
      time: new Date(this.options.now()).toISOString(),
      requestId: randomUUID(),
      agent: null,
      agentName: null,
      service: null,
      method,
      path: '(refused)',
      status,
      decision: 'blocked',
      reason: `${code}: ${why}`,
      credentialId: null,
      durationMs: 0,
      bytesIn: 0,
      bytesOut: 0,
    });
    if (!socket.writable) return;
    const body = JSON.stringify({ error: errorBody(code) });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
}

/** A request the front door handed to the pipeline, as the connection's parser errors need it. */
interface ReceivedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  agentGone: RequestStop;
}

/**
 * Node's parser refused the body of a request the pipeline is running (broken chunk framing): the
 * pipeline stops (its upstream call aborted, its audit line naming `refusal`), and the agent gets the
 * refusal, or a broken-off answer once its head went out. The connection closes after it: its parser
 * is done.
 */
function endMidBody({ req, res, agentGone }: ReceivedRequest, refusal: KeygateError): void {
  agentGone.abort(refusal);
  // A step reading the rest of the body (held for a retry, read whole to sign) waits on the message,
  // which an answered request no longer hears its connection close on: it ends with the answer.
  res.once('close', () => req.destroy());
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: errorBody(refusal.code, refusal.detail) });
  res.writeHead(ERRORS[refusal.code].status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

/** The catalogue code for what Node's parser (or its request timeout) refused. */
function clientErrorCode(nodeCode: string | undefined): ErrorCode {
  // Node's own request timeout: the headers (or a body nobody was reading) did not arrive in time.
  if (nodeCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  // The bridge refuses the same 16 KiB with the same code.
  if (nodeCode === 'HPE_HEADER_OVERFLOW') return 'REQUEST_HEADERS_TOO_LARGE';
  return 'HTTP_REQUEST_MALFORMED';
}

/**
 * A WebSocket handshake (Connection: upgrade + Upgrade: websocket). Node hands it to the request
 * handler when nobody listens for 'upgrade' (and clears `req.upgrade`); forwarded, it would reach the
 * upstream as a plain GET carrying the real key. An `h2c` offer is simply declined: HTTP/1.1 answers.
 */
function asksForWebSocket(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  // Almost no request carries Upgrade: one property read is all the usual request pays.
  if (upgrade === undefined) return false;
  return /\bwebsocket\b/i.test(upgrade) && /(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.connection ?? '');
}
