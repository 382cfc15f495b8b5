/**
 * How a request's steps learn that it must stop: its agent went away, or Keygate ended it (the vault
 * locked, its agent key was withdrawn). An AbortSignal is one (the bridge front door passes its own),
 * but Node makes each AbortController/AbortSignal pair as an EventTarget, which costs about as much
 * as a tenth of a whole proxied request; the HTTP front door and the pipeline need one per request,
 * so they use `RequestStop`, the few fields the steps read and nothing else.
 */

/** What every step reads: the part of AbortSignal it uses, so a real AbortSignal fits too. */
export interface StopSignal {
  readonly aborted: boolean;
  /** Why it stopped; a KeygateError says why Keygate or a front door cut the request off. */
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A stop signal and its trigger in one plain object; each listener runs once, when it stops. */
export class RequestStop implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  /** Usually one or two (the reply, the upstream call); null once stopped. */
  private listeners: Array<() => void> | null = [];

  /** Every listener runs once, so `once` changes nothing. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.listeners !== null && !this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index !== -1) this.listeners!.splice(index, 1);
  }

  /** Stops once: later calls keep the first reason. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = null;
    for (const listener of listeners) listener();
  }
}
