/**
 * An AgentReply over a node:http response: what the pipeline sends becomes status, headers and body
 * on the agent's socket, with the socket's back-pressure. The CORS headers of an allow-listed page
 * ride on every answer; the HTTP front door decided them. An agent that stops reading is let go
 * after `stallMs` without taking a byte: otherwise its paused upstream call would hold a pooled
 * connection for good, and a few hundred such agents would fill the pool for everyone.
 *
 * The front door owns the response's one 'close' listener and tells the reply (`delivered`, or the
 * agent-gone signal); `end` keeps its report until then, or makes it at once when the answer's fate is known.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeygateError } from '../../../shared/errors';
import type { AgentReply } from '../proxy/agent-exchange';
import type { StopSignal } from '../upstream/stop-signal';
import type { DeliveryReport } from '../upstream/upstream-relay';

/** Where the answer stands: on its way, with the agent whole, or the agent gone first. */
type Delivery = 'sending' | 'delivered' | 'gone';

export class HttpReply implements AgentReply {
  private delivery: Delivery = 'sending';
  /** What `end` was given, told once the answer is delivered or the agent gone. */
  private report: DeliveryReport | null = null;
  private stalled: NodeJS.Timeout | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly cors: Record<string, string>,
    agentGone: StopSignal,
    private readonly stallMs: number,
  ) {
    // Fired by the front door when the connection closes early, and for a pipelined answer still
    // queued behind another, which gets no 'close' of its own when the connection goes.
    agentGone.addEventListener('abort', () => this.settled('gone'), { once: true });
  }

  /** The front door saw the response close with every byte handed to the connection. */
  delivered(): void {
    this.settled('delivered');
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  start(status: number, headers: Record<string, string | string[] | undefined>): void {
    // Node refuses an undefined value; the headers are this reply's own (AgentReply), so they are trimmed in place.
    for (const name in headers) if (headers[name] === undefined) delete headers[name];
    // Answered before its body arrived (refused, or too slow): close rather than read the rest to reuse the connection.
    if (bodyStillComing(this.req)) headers.connection = 'close';
    for (const name in this.cors) headers[name] = this.cors[name];
    this.res.writeHead(status, headers as Record<string, string | string[]>);
    // An SSE client waits for the headers before the first event arrives; push them out now.
    if (String(headers['content-type'] ?? '').startsWith('text/event-stream')) this.res.flushHeaders();
  }

  write(chunk: Buffer): boolean {
    if (chunk.length === 0) return !this.res.writableNeedDrain;
    return this.res.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.watchForStall();
    this.res.once('drain', () => {
      this.stopStallWatch();
      resume();
    });
  }

  /** Reports null when the agent has the whole answer, CLIENT_DISCONNECTED when its connection closed first. */
  end(delivered: DeliveryReport): void {
    this.res.end();
    // The last bytes may still wait for an agent that stopped reading.
    if (this.res.writableNeedDrain) this.watchForStall();
    if (this.delivery === 'sending') this.report = delivered;
    else tell(delivered, this.delivery);
  }

  abort(): void {
    this.res.destroy();
  }

  private settled(delivery: Delivery): void {
    if (this.delivery !== 'sending') return;
    this.delivery = delivery;
    this.stopStallWatch();
    const report = this.report;
    this.report = null;
    if (report !== null) tell(report, delivery);
  }

  private watchForStall(): void {
    if (this.stalled !== null) return;
    // A pipelined answer queued behind another is not held up by its agent: the watch starts when it gets the connection.
    if (this.res.socket === null) {
      this.res.once('socket', () => this.watchForStall());
      return;
    }
    this.stalled = setTimeout(() => this.res.destroy(), this.stallMs);
  }

  private stopStallWatch(): void {
    if (this.stalled !== null) clearTimeout(this.stalled);
    this.stalled = null;
  }
}

/** The report for an answer whose fate is known: delivered, or the agent gone first. */
function tell(report: DeliveryReport, delivery: Delivery): void {
  report(delivery === 'delivered' ? null : new KeygateError('CLIENT_DISCONNECTED'));
}

/** A body announced and not yet read to the end. (A request without one may be answered before Node marks it complete.) */
function bodyStillComing(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
