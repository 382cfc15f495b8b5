import { describe, expect, it } from 'vitest';
import { BinanceRateGuard } from '../../native-host/src/binance/rate-guard';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('Binance request weight and bans', () => {
  it('refuses locally once the minute’s weight is nearly used, until the next minute', () => {
    const guard = new BinanceRateGuard(1000);
    guard.observe(200, { 'x-mbx-used-weight-1m': '949' }, T0 + 10_000);
    expect(guard.check(T0 + 10_000)).toEqual({ ok: true });
    guard.observe(200, { 'x-mbx-used-weight-1m': '950' }, T0 + 20_000);
    expect(guard.check(T0 + 20_000)).toMatchObject({ ok: false, retryAfterSeconds: 40 });
    expect(guard.check(T0 + 60_000)).toEqual({ ok: true });
  });

  it('honours Retry-After from a 429 or 418 for every later request', () => {
    const guard = new BinanceRateGuard();
    guard.observe(418, { 'retry-after': '120' }, T0);
    expect(guard.check(T0 + 1_000)).toMatchObject({ ok: false, retryAfterSeconds: 119 });
    expect(guard.check(T0 + 120_000)).toEqual({ ok: true });
  });

  it('backs off a minute when a 429 carries no Retry-After, and never shortens a ban', () => {
    const guard = new BinanceRateGuard();
    guard.observe(429, {}, T0);
    guard.observe(429, { 'retry-after': '5' }, T0 + 1_000);
    expect(guard.check(T0 + 30_000)).toMatchObject({ ok: false, retryAfterSeconds: 30 });
  });

  it('takes the weight limit from exchangeInfo', () => {
    const guard = new BinanceRateGuard();
    guard.setLimit(100);
    guard.observe(200, { 'x-mbx-used-weight-1m': '96' }, T0);
    expect(guard.check(T0)).toMatchObject({ ok: false });
  });
});
