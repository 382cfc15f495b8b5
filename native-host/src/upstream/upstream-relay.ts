/**
 * The proxy's one relay: an upstream call streamed straight into whatever answers the agent, through
 * undici's dispatch API. No response stream objects per request, back-pressure by pausing the
 * upstream connection, and the agent going away (its stop signal) aborts the call, which releases the
 * pooled connection. An answer the caller wants to see first (a possibly dead key's, a Binance
 * refusal) is held, up to 64 KiB, until the caller's verdict: dropped (nothing reaches the agent) or
 * relayed.
 */
import type { Dispatcher } from 'undici';
import { KeygateError } from '../../../shared/errors';
import type { StopSignal } from './stop-signal';
import { upstreamError } from './upstream-errors';

/** Enough of an error body to judge it by; dead-key answers and Binance refusals are small JSON documents. */
const MAX_INSPECTED_BODY_BYTES = 64 * 1024;

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** Until the answer's head: shared, not an empty object made for every call. */
const NO_HEADERS_YET: UpstreamHeaders = Object.freeze({});

/** Where an answer goes: the agent's reply (with its decorators). Transport-neutral. */
export interface AnswerSink {
  /** Throws a KeygateError to refuse the answer at its head (nothing sent; the upstream call is aborted). */
  start(status: number, headers: UpstreamHeaders): void;
  /** False when the agent cannot take more now: stop reading upstream until `onDrain`. */
  write(chunk: Buffer): boolean;
  onDrain(resume: () => void): void;
  /**
   * Ends the answer and reports, once, how it ended: null when the agent has all of it, the reason
   * (CLIENT_DISCONNECTED) when it left first. A callback, not a promise: every request ends an
   * answer, and a promise and its reaction per request cost more than the call (`answerEnded` makes
   * one where a caller wants it).
   */
  end(delivered: DeliveryReport): void;
  /** The answer broke off: the agent must not take a truncated body for a whole one. */
  abort(error: KeygateError): void;
}

/** How an answer ended: null when the agent has all of it, otherwise why not. */
export type DeliveryReport = (lost: KeygateError | null) => void;

/** The end of an answer as a promise, for callers that await it (an error reply, tests). */
export function answerEnded(sink: AnswerSink): Promise<void> {
  return new Promise((resolve, reject) => sink.end((lost) => (lost === null ? resolve() : reject(lost))));
}

/** An answer the caller reads before the agent does: which statuses, and the verdict on a body start. */
export interface AnswerInspection {
  inspects: (status: number) => boolean;
  verdict: (status: number, bodyStart: Buffer) => 'drop' | 'relay' | Promise<'drop' | 'relay'>;
}

export interface RelayPlan {
  sink: AnswerSink;
  /** Fires when the agent goes away: the upstream call is aborted. */
  signal: StopSignal;
  /** Null: every answer goes straight to the agent. */
  inspection: AnswerInspection | null;
  /** Sees every final status and the raw headers (e.g. Binance's weight budget). */
  onHead?: (status: number, headers: UpstreamHeaders) => void;
}

/** `relayed`: the agent has the whole answer; `dropped`: the caller's verdict kept it from the agent. */
export type RelayOutcome = { kind: 'relayed'; status: number } | { kind: 'dropped'; status: number };

export class UpstreamRelay implements Dispatcher.DispatchHandler {
  readonly outcome: Promise<RelayOutcome>;
  private resolveOutcome!: (outcome: RelayOutcome) => void;
  private rejectOutcome!: (error: KeygateError) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private agentGone: KeygateError | null = null;
  private status = 0;
  private headers: UpstreamHeaders = NO_HEADERS_YET;
  /** Chunks of an answer being inspected; null while streaming (or before the status is known). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  /** Chunks that arrived while a verdict was pending (the upstream was paused, but one may be in flight). */
  private pending: Buffer[] | null = null;
  private upstreamEnded = false;
  /** Set once the outcome is known and the upstream's answer is of no further use. */
  private discarded = false;
  private readonly onAbort = () => {
    this.agentGone = new KeygateError('CLIENT_DISCONNECTED');
    this.controller?.abort(this.agentGone);
  };

  constructor(private readonly plan: RelayPlan) {
    this.outcome = new Promise((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    if (plan.signal.aborted) this.onAbort();
    else plan.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.agentGone !== null) controller.abort(this.agentGone);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: UpstreamHeaders): void {
    // 1xx (e.g. 103 Early Hints) are informational: the final answer follows.
    if (status < 200) return;
    this.status = status;
    this.headers = headers;
    this.plan.onHead?.(status, headers);
    if (this.plan.inspection?.inspects(status)) this.held = [];
    else this.startSink(controller);
  }

  /** Hands the head to the sink; a sink that refuses the answer ends the call here, unread. */
  private startSink(controller: Dispatcher.DispatchController): boolean {
    try {
      this.plan.sink.start(this.status, this.headers);
      return true;
    } catch (error) {
      const refusal = error instanceof KeygateError ? error : new KeygateError('INTERNAL_ERROR');
      this.discarded = true;
      this.settle();
      controller.abort(refusal);
      this.rejectOutcome(refusal);
      return false;
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarded) return;
    if (this.pending !== null) {
      this.pending.push(chunk);
      return;
    }
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // Enough to judge by: a long answer is judged on its start, and if relayed, relayed whole.
      if (this.heldBytes > MAX_INSPECTED_BODY_BYTES) void this.judge(controller);
      return;
    }
    this.writeOrPause(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.discarded) return;
    this.upstreamEnded = true;
    if (this.pending !== null) return;
    if (this.held !== null) {
      void this.judge(controller);
      return;
    }
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.settle();
    if (this.discarded) return;
    this.discarded = true;
    if (this.agentGone !== null) return this.rejectOutcome(this.agentGone);
    if (this.status !== 0 && this.held === null) {
      // Mid-body: the agent has the headers and part of the body; it must see the break, and the
      // audit line whether the upstream went silent (a stalled stream) or its connection broke.
      const broken = upstreamError(error).code === 'UPSTREAM_TIMEOUT' ? new KeygateError('UPSTREAM_TIMEOUT', 'The upstream stopped sending mid-response.') : new KeygateError('UPSTREAM_UNREACHABLE', 'The upstream connection broke mid-response.');
      this.plan.sink.abort(broken);
      return this.rejectOutcome(broken);
    }
    this.rejectOutcome(upstreamError(error));
  }

  private finish(): void {
    this.settle();
    this.discarded = true;
    const status = this.status;
    try {
      this.plan.sink.end((lost) => (lost === null ? this.resolveOutcome({ kind: 'relayed', status }) : this.rejectOutcome(lost)));
    } catch (error) {
      this.rejectOutcome(error instanceof KeygateError ? error : new KeygateError('INTERNAL_ERROR'));
    }
  }

  private settle(): void {
    this.plan.signal.removeEventListener('abort', this.onAbort);
  }

  /** False when the agent is full; the upstream is paused until it drains. */
  private writeOrPause(controller: Dispatcher.DispatchController, chunk: Buffer): boolean {
    if (this.plan.sink.write(chunk)) return true;
    controller.pause();
    this.plan.sink.onDrain(() => resumeOutsideCallbacks(controller));
    return false;
  }

  /** The held answer's verdict: dropped (the rest not read) or relayed, then streamed on. */
  private async judge(controller: Dispatcher.DispatchController): Promise<void> {
    const held = this.held ?? [];
    this.held = null;
    this.pending = [];
    if (!this.upstreamEnded) controller.pause();
    let verdict: 'drop' | 'relay';
    try {
      verdict = await this.plan.inspection!.verdict(this.status, Buffer.concat(held));
    } catch (error) {
      this.discarded = true;
      this.settle();
      controller.abort(upstreamError(error));
      return this.rejectOutcome(upstreamError(error));
    }
    if (this.discarded) return;
    if (verdict === 'drop') {
      this.discarded = true;
      this.settle();
      this.resolveOutcome({ kind: 'dropped', status: this.status });
      if (!this.upstreamEnded) controller.abort(new KeygateError('UPSTREAM_UNREACHABLE', 'A dropped answer is not read to the end.'));
      return;
    }
    if (!this.startSink(controller)) return;
    const chunks = [...held, ...this.pending];
    this.pending = null;
    let room = true;
    for (const chunk of chunks) room = this.plan.sink.write(chunk);
    if (this.upstreamEnded) return this.finish();
    // Whether the agent is full shows after the last write; one drain covers them all.
    if (room) controller.resume();
    else this.plan.sink.onDrain(() => resumeOutsideCallbacks(controller));
  }
}

/**
 * A sink may call its drain back from inside another upstream call's data callback: node:http emits
 * 'drain' on the answer that holds a connection whenever a pipelined answer queued behind it buffers
 * a chunk, synchronously, in that queued answer's write. undici reads every connection with one
 * parser instance and may not resume one while another is mid-callback (it asserts, and the assertion
 * broke the other call off: a queued answer was cut short as UPSTREAM_UNREACHABLE, its agent still
 * there or not). The read resumes once the callback in progress has returned.
 */
function resumeOutsideCallbacks(controller: Dispatcher.DispatchController): void {
  queueMicrotask(() => controller.resume());
}
