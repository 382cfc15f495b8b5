/**
 * What the pipeline sees of an agent, whichever front door it came through (the HTTP proxy or the
 * native bridge): an `AgentRequest` in, an `AgentReply` out. Neither knows its transport, the way
 * undici's dispatch handlers do not, so one pipeline serves both doors and tests drive it with no
 * socket at all.
 */
import type { KeygateError } from '../../../shared/errors';
import type { AnswerSink, DeliveryReport } from '../upstream/upstream-relay';
import type { RequestBody } from '../upstream/request-body';
import type { StopSignal } from '../upstream/stop-signal';

/** Lower-case names; a repeated field may be a list. */
export type AgentHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Who claims to be calling. Over HTTP the agent presents a `pk_` key in its headers; over the bridge
 * the extension has already established which grant (site or extension) is calling.
 */
export type CallerClaim =
  /** `connection`: the transport the request came over (a socket), so a key it proved can be recognised cheaply. */
  | { kind: 'agent-key-in-headers'; connection?: object }
  | { kind: 'grant'; grantId: string };

export interface AgentRequest {
  method: string;
  /** Path and query exactly as the agent sent them (checked for canonical form by the pipeline). */
  target: string;
  headers: AgentHeaders;
  body: RequestBody;
  /** Fires when the agent goes away: every step stops and the upstream call is aborted. A KeygateError as its reason says why a front door cut the agent off (a revoked grant). */
  signal: StopSignal;
  caller: CallerClaim;
}

/**
 * How the pipeline answers: head, then body chunks with back-pressure, then the end (or an abort
 * when the answer broke off after the head). `start` takes headers already fit for the agent, in an
 * object of their own that the reply keeps and may add to (the request id, CORS): every answer builds
 * one anyway, so no layer copies it again.
 */
export interface AgentReply extends AnswerSink {
  readonly headersSent: boolean;
}

/** A reply that adds to every answer and otherwise passes through: the base of the pipeline's decorators. */
export class ReplyDecorator implements AgentReply {
  constructor(protected readonly inner: AgentReply) {}

  get headersSent(): boolean {
    return this.inner.headersSent;
  }

  start(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.inner.start(status, headers);
  }

  write(chunk: Buffer): boolean {
    return this.inner.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.inner.onDrain(resume);
  }

  end(delivered: DeliveryReport): void {
    this.inner.end(delivered);
  }

  abort(error: KeygateError): void {
    this.inner.abort(error);
  }
}
