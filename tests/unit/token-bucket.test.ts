import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from '../../native-host/src/proxy/token-bucket';

const T0 = 1_700_000_000_000;
const seconds = (count: number) => count * 1000;

describe('TokenBucket', () => {
  it('allows a burst up to the limit, counting down what is left', () => {
    const bucket = new TokenBucket({ limit: 3, windowSeconds: 60 }, T0);
    expect(bucket.take(T0)).toEqual({ ok: true, remaining: 2 });
    expect(bucket.take(T0)).toEqual({ ok: true, remaining: 1 });
    expect(bucket.take(T0)).toEqual({ ok: true, remaining: 0 });
    expect(bucket.take(T0).ok).toBe(false);
  });

  it('says how long until the next token when empty', () => {
    // 100 per hour: one token every 36 s.
    const bucket = new TokenBucket({ limit: 100, windowSeconds: 3600 }, T0);
    for (let taken = 0; taken < 100; taken++) expect(bucket.take(T0).ok).toBe(true);
    expect(bucket.take(T0)).toEqual({ ok: false, retryAfterSeconds: 36 });
    expect(bucket.take(T0 + seconds(10))).toEqual({ ok: false, retryAfterSeconds: 26 });
    expect(bucket.take(T0 + seconds(35.5))).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.take(T0 + seconds(36))).toEqual({ ok: true, remaining: 0 });
    expect(bucket.take(T0 + seconds(36))).toEqual({ ok: false, retryAfterSeconds: 36 });
  });

  it('rounds Retry-After up and never below one second', () => {
    // 10 per second: a token every 100 ms, but HTTP's Retry-After counts whole seconds.
    const bucket = new TokenBucket({ limit: 10, windowSeconds: 1 }, T0);
    for (let taken = 0; taken < 10; taken++) bucket.take(T0);
    expect(bucket.take(T0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // 2 per 5 s: a token every 2.5 s → 3.
    const slow = new TokenBucket({ limit: 2, windowSeconds: 5 }, T0);
    slow.take(T0);
    slow.take(T0);
    expect(slow.take(T0)).toEqual({ ok: false, retryAfterSeconds: 3 });
  });

  it('refills continuously and never beyond capacity', () => {
    const bucket = new TokenBucket({ limit: 4, windowSeconds: 4 }, T0);
    for (let taken = 0; taken < 4; taken++) bucket.take(T0);
    expect(bucket.take(T0 + seconds(0.5)).ok).toBe(false);
    // One token per second: two seconds in, two tokens.
    expect(bucket.take(T0 + seconds(2))).toEqual({ ok: true, remaining: 1 });
    expect(bucket.take(T0 + seconds(2))).toEqual({ ok: true, remaining: 0 });
    expect(bucket.take(T0 + seconds(2))).toEqual({ ok: false, retryAfterSeconds: 1 });
    // A long idle period refills to the limit, not past it.
    expect(bucket.take(T0 + seconds(3600))).toEqual({ ok: true, remaining: 3 });
    for (let taken = 0; taken < 3; taken++) expect(bucket.take(T0 + seconds(3600)).ok).toBe(true);
    expect(bucket.take(T0 + seconds(3600)).ok).toBe(false);
  });

  it('yields exactly one token per period even after many small steps', () => {
    // 7 per 3 s: 428.571… ms per token, a value binary floating point cannot hold exactly.
    const bucket = new TokenBucket({ limit: 7, windowSeconds: 3 }, T0);
    for (let taken = 0; taken < 7; taken++) bucket.take(T0);
    let now = T0;
    let granted = 0;
    for (let step = 0; step < 3000; step++) {
      now += 1;
      if (bucket.take(now).ok) granted++;
    }
    expect(granted).toBe(7);
  });

  it('neither mints nor drains tokens when the clock steps backwards', () => {
    const bucket = new TokenBucket({ limit: 2, windowSeconds: 10 }, T0);
    bucket.take(T0);
    bucket.take(T0);
    expect(bucket.take(T0 - seconds(60)).ok).toBe(false);
    expect(bucket.take(T0 + seconds(5)).ok).toBe(true);
  });

  it('refuses a limit that cannot work', () => {
    expect(() => new TokenBucket({ limit: 0, windowSeconds: 60 }, T0)).toThrow(RangeError);
    expect(() => new TokenBucket({ limit: 1.5, windowSeconds: 60 }, T0)).toThrow(RangeError);
    expect(() => new TokenBucket({ limit: 5, windowSeconds: 0 }, T0)).toThrow(RangeError);
    expect(() => new TokenBucket({ limit: 5, windowSeconds: Number.POSITIVE_INFINITY }, T0)).toThrow(RangeError);
  });
});

describe('RateLimiter', () => {
  it('keeps an independent bucket per key', () => {
    const limiter = new RateLimiter();
    const limit = { limit: 2, windowSeconds: 60 };
    expect(limiter.take('openai', limit, T0)).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take('openai', limit, T0)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take('openai', limit, T0)).toEqual({ ok: false, retryAfterSeconds: 30 });
    expect(limiter.take('custom:github', limit, T0)).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take('openai', limit, T0 + seconds(30))).toEqual({ ok: true, remaining: 0 });
  });

  it('applies a lowered limit at once, keeping what was already used', () => {
    const limiter = new RateLimiter();
    for (let taken = 0; taken < 7; taken++) limiter.take('github', { limit: 10, windowSeconds: 100 }, T0);
    // 3 tokens left; the new capacity 2 caps them.
    expect(limiter.take('github', { limit: 2, windowSeconds: 100 }, T0)).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take('github', { limit: 2, windowSeconds: 100 }, T0)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take('github', { limit: 2, windowSeconds: 100 }, T0)).toEqual({ ok: false, retryAfterSeconds: 50 });
  });

  it('does not hand out a fresh burst when a limit is raised', () => {
    const limiter = new RateLimiter();
    for (let taken = 0; taken < 5; taken++) limiter.take('github', { limit: 5, windowSeconds: 50 }, T0);
    expect(limiter.take('github', { limit: 5, windowSeconds: 50 }, T0).ok).toBe(false);
    // Raised to 100 per 50 s: still empty now, but refilling at the new rate (2 per second).
    expect(limiter.take('github', { limit: 100, windowSeconds: 50 }, T0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('github', { limit: 100, windowSeconds: 50 }, T0 + seconds(1))).toEqual({ ok: true, remaining: 1 });
  });

  it('keeps counting when the same limit is passed again (a policy re-saved unchanged)', () => {
    const limiter = new RateLimiter();
    limiter.take('openai', { limit: 2, windowSeconds: 60 }, T0);
    limiter.take('openai', { limit: 2, windowSeconds: 60 }, T0);
    expect(limiter.take('openai', { limit: 2, windowSeconds: 60 }, T0).ok).toBe(false);
  });

  it('settles the old rate up to the moment the limit changes', () => {
    const limiter = new RateLimiter();
    limiter.take('svc', { limit: 1, windowSeconds: 10 }, T0);
    // 5 s at the old rate earned half a token; the new rate (1 per second) earns the other half in 0.5 s.
    expect(limiter.take('svc', { limit: 10, windowSeconds: 10 }, T0 + seconds(5))).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('svc', { limit: 10, windowSeconds: 10 }, T0 + seconds(5.5))).toEqual({ ok: true, remaining: 0 });
  });
});
