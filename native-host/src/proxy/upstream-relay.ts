/**
 * The proxy's hot path out: one upstream call streamed straight into the agent's response through
 * undici's dispatch API. No response stream objects per request, back-pressure by pausing the
 * upstream connection, and a small answer's body and the end of the agent's response leave in one
 * write. An answer that may mean "this key is dead" is read before the agent sees any of it: a dead
 * key's answer never reaches the agent, so the caller can try the next key.
 */
import type { Dispatcher } from 'undici';
import { KeygateError } from '../../../shared/errors';
import type { AgentResponse, UpstreamHeaders } from './response-relay';
import { upstreamError } from './upstream-errors';

/** Enough of an error body to see its code; dead-key answers are small JSON documents. */
const MAX_INSPECTED_BODY_BYTES = 64 * 1024;

/** How to tell a dead key's answer: which statuses to inspect, and the verdict on one (body up to 64 KiB). */
export interface DeadKeyCheck {
  inspects: (status: number) => boolean;
  isDead: (status: number, bodyStart: Buffer) => boolean;
}

export interface RelayPlan {
  agent: AgentResponse;
  /** Null: every answer is the agent's (no other key to try). */
  deadKey: DeadKeyCheck | null;
}

/**
 * `relayed`: the whole answer was handed to the agent's response (await `agent.settled` for the
 * agent to have it); `dead`: the key is dead, nothing was sent to the agent.
 */
export type RelayOutcome = { kind: 'relayed'; status: number } | { kind: 'dead'; status: number };

export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<RelayOutcome>;
  private resolve!: (outcome: RelayOutcome) => void;
  private reject!: (error: KeygateError) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private agentGone: KeygateError | null = null;
  private status = 0;
  private headers: UpstreamHeaders = {};
  /** Chunks of an answer being inspected; null while streaming (or before the status is known). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  /** Set once the outcome is known and the upstream's answer is of no further use. */
  private discarded = false;

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
    if (this.plan.deadKey?.inspects(status)) this.held = [];
    else this.plan.agent.start(status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarded) return;
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // Enough to judge by: a long answer is judged on its start, and if the key is alive, relayed whole.
      if (this.heldBytes > MAX_INSPECTED_BODY_BYTES) this.judge(controller, false);
      return;
    }
    this.writeOrPause(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.discarded) return;
    if (this.held !== null && this.judge(controller, true) === 'dead') return;
    this.plan.agent.end();
    this.resolve({ kind: 'relayed', status: this.status });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.discarded) return;
    if (this.agentGone !== null) return this.reject(this.agentGone);
    if (this.status !== 0 && this.held === null) {
      // Mid-body: the agent has the headers and part of the body; it must see the break.
      this.plan.agent.destroy();
      return this.reject(new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.'));
    }
    this.reject(upstreamError(error));
  }

  /** False when the agent's socket is full; the upstream is paused until it drains. */
  private writeOrPause(controller: Dispatcher.DispatchController, chunk: Buffer): boolean {
    if (this.plan.agent.write(chunk)) return true;
    controller.pause();
    this.plan.agent.onDrain(() => controller.resume());
    return false;
  }

  /** The inspected answer's verdict: a dead key's answer is dropped (the rest not read); a live one streams. */
  private judge(controller: Dispatcher.DispatchController, complete: boolean): 'dead' | 'alive' {
    const held = this.held ?? [];
    this.held = null;
    if (this.plan.deadKey?.isDead(this.status, Buffer.concat(held))) {
      this.discarded = true;
      this.resolve({ kind: 'dead', status: this.status });
      if (!complete) controller.abort(new KeygateError('UPSTREAM_UNREACHABLE', 'A dead key’s answer is not read to the end.'));
      return 'dead';
    }
    this.plan.agent.start(this.status, this.headers);
    // Whether the agent's socket is full shows after the last write; pausing once covers them all.
    const last = held.pop();
    for (const chunk of held) this.plan.agent.write(chunk);
    if (last !== undefined) this.writeOrPause(controller, last);
    return 'alive';
  }
}
