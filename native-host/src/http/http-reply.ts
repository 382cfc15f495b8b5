/**
 * An AgentReply over a node:http response: what the pipeline sends becomes status, headers and body
 * on the agent's socket, with the socket's back-pressure. The CORS headers of an allow-listed page
 * ride on every answer; the HTTP front door decided them. An agent that stops reading is let go
 * after `stallMs` without taking a byte: otherwise its paused upstream call would hold a pooled
 * connection for good, and a few hundred such agents would fill the pool for everyone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeygateError } from '../../../shared/errors';
import type { AgentReply } from '../proxy/agent-exchange';
import type { StopSignal } from '../upstream/stop-signal';

export class HttpReply implements AgentReply {
  /** Resolves when the agent has the whole answer; rejects when its connection closed first. */
  private readonly delivered: Promise<void>;
  private stalled: NodeJS.Timeout | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly cors: Record<string, string>,
    agentGone: StopSignal,
    private readonly stallMs: number,
  ) {
    this.delivered = new Promise((resolve, reject) => {
      const left = () => {
        this.stopStallWatch();
        reject(new KeygateError('CLIENT_DISCONNECTED'));
      };
      res.once('close', () => {
        if (!res.writableFinished) return left();
        this.stopStallWatch();
        resolve();
      });
      // A pipelined answer still queued behind another gets no 'close' when the connection goes.
      agentGone.addEventListener('abort', left, { once: true });
    });
    // Only an answer that reached `end` awaits this; an agent gone earlier is not an unhandled rejection.
    this.delivered.catch(() => undefined);
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  start(status: number, headers: Record<string, string | string[] | undefined>): void {
    const present: Record<string, string | string[]> = {};
    for (const name in headers) if (headers[name] !== undefined) present[name] = headers[name]!;
    // Answered before its body arrived (refused, or too slow): close rather than read the rest to reuse the connection.
    if (bodyStillComing(this.req)) present.connection = 'close';
    this.res.writeHead(status, Object.assign(present, this.cors));
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

  end(): Promise<void> {
    this.res.end();
    // The last bytes may still wait for an agent that stopped reading.
    if (this.res.writableNeedDrain) this.watchForStall();
    return this.delivered;
  }

  abort(): void {
    this.res.destroy();
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

/** A body announced and not yet read to the end. (A request without one may be answered before Node marks it complete.) */
function bodyStillComing(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
