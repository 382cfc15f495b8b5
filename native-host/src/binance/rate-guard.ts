/**
 * Binance's request-weight budget and bans, shared by every agent: Keygate stops before the
 * minute's weight runs out (Binance answers 429 past it, and bans the IP with 418 if pushed), and
 * after a 429/418 it refuses locally until the Retry-After has passed.
 */
import { KeygateError } from '../../../shared/errors';

export type RateGuardCheck = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

const MINUTE_MS = 60_000;
/** Keep a little weight in hand for the request being sent and for clock skew. */
const HEADROOM = 0.95;
const DEFAULT_BAN_SECONDS = 60;

export class BinanceRateGuard {
  private usedWeight = 0;
  private usedMinute = -1;
  private bannedUntil = 0;

  constructor(private limitPerMinute = 6000) {}

  setLimit(limitPerMinute: number): void {
    if (Number.isSafeInteger(limitPerMinute) && limitPerMinute > 0) this.limitPerMinute = limitPerMinute;
  }

  check(now: number): RateGuardCheck {
    if (now < this.bannedUntil) {
      return { ok: false, retryAfterSeconds: Math.ceil((this.bannedUntil - now) / 1000), reason: 'Binance asked Keygate to back off' };
    }
    const minute = Math.floor(now / MINUTE_MS);
    if (minute === this.usedMinute && this.usedWeight >= this.limitPerMinute * HEADROOM) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - now) / 1000)), reason: `request weight ${this.usedWeight} of ${this.limitPerMinute} used this minute` };
    }
    return { ok: true };
  }

  /** Reads the weight Binance reports and any back-off it orders. */
  observe(status: number, headers: Record<string, string | string[] | undefined>, now: number): void {
    const used = Number(headerValue(headers['x-mbx-used-weight-1m']));
    if (Number.isFinite(used)) {
      this.usedWeight = used;
      this.usedMinute = Math.floor(now / MINUTE_MS);
    }
    if (status === 429 || status === 418) {
      const retryAfter = Number(headerValue(headers['retry-after']));
      const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_BAN_SECONDS;
      this.bannedUntil = Math.max(this.bannedUntil, now + seconds * 1000);
    }
  }
}

/** A local refusal that carries Binance's back-off to the agent as Retry-After. */
export class BinanceBackOff extends KeygateError {
  constructor(readonly retryAfterSeconds: number, reason: string) {
    super('RATE_LIMITED', `Binance: ${reason}.`);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
