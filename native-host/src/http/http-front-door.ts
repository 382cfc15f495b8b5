/**
 * The HTTP front door: node:http requests become AgentRequests for the one pipeline, and its
 * AgentReplies become HTTP answers. Only what HTTP alone needs lives here: the Host/Origin guard
 * (DNS rebinding, hostile pages), CORS and its preflight, refusing WebSocket handshakes, and a
 * catalogue answer to a request Node's parser refused.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '../../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AgentRequest } from '../proxy/agent-exchange';
import { Refusal } from '../proxy/refusal';
import type { RequestPipeline } from '../proxy/request-pipeline';
import { checkHostAndOrigin, corsHeaders } from './host-origin-guard';
import { HttpReply } from './http-reply';

export interface HttpFrontDoorOptions {
  pipeline: RequestPipeline;
  audit: Pick<AuditLog, 'append'>;
  /** Host header values that name this proxy on its real port. */
  hosts: () => ReadonlySet<string>;
  allowedOrigins: () => readonly string[];
  now: () => number;
}

export class HttpFrontDoor {
  constructor(private readonly options: HttpFrontDoorOptions) {}

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pipeline } = this.options;
    const agentGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) agentGone.abort();
    });
    const request: AgentRequest = {
      method: req.method ?? 'GET',
      target: req.url ?? '',
      headers: req.headers,
      body: req,
      signal: agentGone.signal,
      caller: { kind: 'agent-key-in-headers' },
    };
    const guard = checkHostAndOrigin(req, this.options.hosts(), this.options.allowedOrigins());
    if (!guard.ok) return pipeline.refuse(request, new HttpReply(res, {}), new Refusal(guard.code, guard.detail));
    const cors = corsHeaders(guard.corsOrigin);
    if (req.method === 'OPTIONS' && guard.corsOrigin !== null) {
      res.writeHead(204, cors).end();
      return Promise.resolve();
    }
    const reply = new HttpReply(res, cors);
    if (asksForWebSocket(req)) return pipeline.refuse(request, reply, new Refusal('WEBSOCKET_NOT_SUPPORTED'));
    return pipeline.handle(request, reply);
  }

  /**
   * Node's parser refuses some requests before any handler runs (a lower-case method, a broken
   * header). They still get a catalogue answer and an audit line: a refused attempt leaves a trace.
   * A connection the agent reset is not a malformed request: nobody is left to answer, and a request
   * in flight on it is audited by the pipeline (499).
   */
  answerClientError(error: Error & { code?: string }, socket: Duplex): void {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    this.options.audit.append({
      time: new Date(this.options.now()).toISOString(),
      requestId: randomUUID(),
      agent: null,
      agentName: null,
      service: null,
      method: '',
      path: '(refused)',
      status: 400,
      decision: 'blocked',
      reason: `HTTP_REQUEST_MALFORMED: ${error.code ?? 'parse error'}`,
      credentialId: null,
      durationMs: 0,
      bytesIn: 0,
      bytesOut: 0,
    });
    if (!socket.writable) return;
    const body = JSON.stringify({ error: errorBody('HTTP_REQUEST_MALFORMED') });
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
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
