/**
 * Per-service rate limits (`rate_limit` per `rate_limit_window_seconds`) as token buckets: a full
 * bucket allows a burst of `limit` requests, then tokens come back continuously at
 * `limit / windowSeconds` per second. The clock (`now`, milliseconds like `Date.now()`) is always
 * passed in, so the arithmetic is testable without timers.
 */
import type { RateLimit } from '../../../shared/policy/policy-types';

export type TokenTake = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** Absorbs floating-point drift so that exactly one refill period always yields a whole token. */
const EPSILON = 1e-9;

function checkedLimit(limit: RateLimit): RateLimit {
  if (!Number.isInteger(limit.limit) || limit.limit < 1) throw new RangeError('rate limit must be a positive integer');
  if (!Number.isFinite(limit.windowSeconds) || limit.windowSeconds <= 0) {
    throw new RangeError('rate limit window must be a positive number of seconds');
  }
  return { limit: limit.limit, windowSeconds: limit.windowSeconds };
}

export class TokenBucket {
  #limit: RateLimit;
  #tokens: number;
  #updatedAt: number;

  constructor(limit: RateLimit, now: number) {
    this.#limit = checkedLimit(limit);
    this.#tokens = this.#limit.limit;
    this.#updatedAt = now;
  }

  get limit(): RateLimit {
    return { ...this.#limit };
  }

  take(now: number): TokenTake {
    this.#refill(now);
    if (this.#tokens + EPSILON >= 1) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return { ok: true, remaining: Math.floor(this.#tokens + EPSILON) };
    }
    const msPerToken = (this.#limit.windowSeconds * 1000) / this.#limit.limit;
    const waitMs = (1 - this.#tokens) * msPerToken;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000 - EPSILON)) };
  }

  /**
   * A policy edit changes the limit of a running bucket. The tokens left carry over (capped at the new
   * capacity) rather than refilling: lowering a limit takes effect at once, and raising it, or saving
   * the same policy again, never hands an agent a fresh burst.
   */
  changeLimit(limit: RateLimit, now: number): void {
    this.#refill(now);
    this.#limit = checkedLimit(limit);
    this.#tokens = Math.min(this.#tokens, this.#limit.limit);
  }

  #refill(now: number): void {
    // A clock that steps backwards (NTP, suspend) must not drain or mint tokens.
    if (now <= this.#updatedAt) return;
    const earned = ((now - this.#updatedAt) * this.#limit.limit) / (this.#limit.windowSeconds * 1000);
    this.#tokens = Math.min(this.#limit.limit, this.#tokens + earned);
    this.#updatedAt = now;
  }
}

/** One bucket per key (a service name); a bucket is created full the first time its key is used. */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  take(key: string, limit: RateLimit, now: number): TokenTake {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(limit, now);
      this.#buckets.set(key, bucket);
    } else {
      const current = bucket.limit;
      if (current.limit !== limit.limit || current.windowSeconds !== limit.windowSeconds) bucket.changeLimit(limit, now);
    }
    return bucket.take(now);
  }
}
