/**
 * The proxy's hot path out: one upstream call streamed straight into the agent's response through
 * undici's dispatch API. No response stream objects per request, back-pressure by pausing the
 * upstream connection, and a small answer's body and the end of the agent's response leave in one
 * write. An answer that may mean "this key is dead" can be held back for the caller to judge first.
 */
import type { Dispatcher } from 'undici';
import { KeygateError } from '../../../shared/errors';
import type { AgentResponse, UpstreamHeaders } from './response-relay';
import { upstreamError } from './upstream-errors';

/** Enough of an error body to see its code; dead-key answers are small JSON documents. */
const MAX_HELD_BODY_BYTES = 64 * 1024;

export interface RelayPlan {
  agent: AgentResponse;
  /** Statuses whose answer is held (body up to MAX_HELD_BODY_BYTES) and returned instead of relayed. */
  holdWhen: (status: number) => boolean;
}

/**
 * `relayed`: the whole answer was handed to the agent's response (await `agent.settled` for the
 * agent to have it); `held`: nothing was sent to the agent, the caller decides.
 */
export type RelayOutcome = { kind: 'relayed'; status: number } | { kind: 'held'; status: number; headers: UpstreamHeaders; body: Buffer };

export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<RelayOutcome>;
  private resolve!: (outcome: RelayOutcome) => void;
  private reject!: (error: KeygateError) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private agentGone: KeygateError | null = null;
  private status = 0;
  private headers: UpstreamHeaders = {};
  /** Chunks of a held answer; null while streaming (or before the status is known). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;

  constructor(private readonly plan: RelayPlan) {
    this.outcome = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The agent went away: stop reading from the upstream (undici then reports the abort).
    plan.agent.settled.catch((error: KeygateError) => {
      this.agentGone = error;
      this.controller?.abort(error);
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.agentGone !== null) controller.abort(this.agentGone);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: UpstreamHeaders): void {
    // 1xx (e.g. 103 Early Hints) are informational: the final answer follows.
    if (status < 200) return;
    this.status = status;
    this.headers = headers;
    if (this.plan.holdWhen(status)) this.held = [];
    else this.plan.agent.start(status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // Too long for a dead-key answer: it is an answer like any other, relay it after all.
      if (this.heldBytes > MAX_HELD_BODY_BYTES) this.stopHolding(controller);
      return;
    }
    if (!this.plan.agent.write(chunk)) {
      controller.pause();
      this.plan.agent.onDrain(() => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.held !== null) {
      this.resolve({ kind: 'held', status: this.status, headers: this.headers, body: Buffer.concat(this.held) });
      return;
    }
    this.plan.agent.end();
    this.resolve({ kind: 'relayed', status: this.status });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.agentGone !== null) return this.reject(this.agentGone);
    if (this.status !== 0 && this.held === null) {
      // Mid-body: the agent has the headers and part of the body; it must see the break.
      this.plan.agent.destroy();
      return this.reject(new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.'));
    }
    this.reject(upstreamError(error));
  }

  private stopHolding(controller: Dispatcher.DispatchController): void {
    const held = this.held ?? [];
    this.held = null;
    this.plan.agent.start(this.status, this.headers);
    let open = true;
    for (const chunk of held) open = this.plan.agent.write(chunk) && open;
    if (!open) {
      controller.pause();
      this.plan.agent.onDrain(() => controller.resume());
    }
  }
}
