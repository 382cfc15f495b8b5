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

/**
 * A stop signal and its trigger in one plain object; each listener runs once, when it stops. A
 * request's stop has one or two listeners (the reply, the upstream call), added and removed once
 * each: the first sits in a field of its own and an array is made only for more, so a request does
 * not allocate a listener array (and, on removal, the array `splice` returns) for every signal.
 */
export class RequestStop implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  /** The first listener while no other was added after it; null when there is none or it was removed. */
  private first: (() => void) | null = null;
  /** Listeners added while another was kept, in the order they were added. */
  private more: Array<() => void> | null = null;

  /** Every listener runs once, so `once` changes nothing. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.aborted || this.first === listener || this.more?.includes(listener)) return;
    // Only an empty stop takes the field: a listener added later must not run before earlier ones.
    if (this.first === null && this.more === null) this.first = listener;
    else (this.more ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.first === listener) {
      this.first = null;
      return;
    }
    const more = this.more;
    const index = more === null ? -1 : more.indexOf(listener);
    if (index === -1) return;
    for (let at = index; at < more!.length - 1; at++) more![at] = more![at + 1]!;
    more!.pop();
  }

  /** Stops once: later calls keep the first reason. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const { first, more } = this;
    this.first = null;
    this.more = null;
    first?.();
    if (more !== null) for (const listener of more) listener();
  }
}
