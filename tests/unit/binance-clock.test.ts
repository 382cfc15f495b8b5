import { describe, expect, it } from 'vitest';
import { BinanceClock } from '../../native-host/src/binance/clock-offset';

const LOCAL = 1_700_000_000_000;

/** A server-time fetch that answers when the test says so, and a local clock the test moves. */
function harness() {
  let localNow = LOCAL;
  const pending: Array<{ resolve: (serverTime: number) => void; reject: (error: Error) => void }> = [];
  const clock = new BinanceClock(
    () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })),
    () => localNow,
  );
  return {
    clock,
    pending,
    setLocal(ms: number) {
      localNow = ms;
    },
    /** Lets the clock's awaits run so a fetch it started shows up in `pending`. */
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
}

describe('BinanceClock', () => {
  it('has no offset before the first sync', () => {
    expect(harness().clock.offsetMs).toBeNull();
  });

  it('syncs on first use, taking Binance\'s time at the midpoint of the round trip', async () => {
    const h = harness();
    const stamped = h.clock.timestamp();
    await h.settle();
    expect(h.pending).toHaveLength(1);
    // Sent at LOCAL, answered 200 ms later: Binance read its clock about LOCAL + 100 and said +2500.
    h.setLocal(LOCAL + 200);
    h.pending[0]!.resolve(LOCAL + 100 + 2500);
    expect(await stamped).toBe(LOCAL + 200 + 2500);
    expect(h.clock.offsetMs).toBe(2500);
  });

  it('stamps later requests from the local clock without asking again', async () => {
    const h = harness();
    const first = h.clock.timestamp();
    await h.settle();
    h.pending[0]!.resolve(LOCAL - 3000);
    await first;
    h.setLocal(LOCAL + 60_000);
    expect(await h.clock.timestamp()).toBe(LOCAL + 60_000 - 3000);
    expect(h.pending).toHaveLength(1);
  });

  it('shares one sync among concurrent first calls', async () => {
    const h = harness();
    const stamps = Promise.all([h.clock.timestamp(), h.clock.timestamp(), h.clock.timestamp()]);
    await h.settle();
    expect(h.pending).toHaveLength(1);
    h.pending[0]!.resolve(LOCAL + 1000);
    expect(await stamps).toEqual([LOCAL + 1000, LOCAL + 1000, LOCAL + 1000]);
  });

  it('resyncs on demand (after -1021), and stamps wait for the new offset', async () => {
    const h = harness();
    const first = h.clock.timestamp();
    await h.settle();
    h.pending[0]!.resolve(LOCAL + 500);
    await first;

    const resynced = Promise.all([h.clock.resync(), h.clock.resync()]);
    const stampedDuringResync = h.clock.timestamp();
    await h.settle();
    expect(h.pending).toHaveLength(2);
    h.pending[1]!.resolve(LOCAL - 4000);
    await resynced;
    expect(h.clock.offsetMs).toBe(-4000);
    expect(await stampedDuringResync).toBe(LOCAL - 4000);
  });

  it('keeps no offset after a failed first sync and tries again on the next call', async () => {
    const h = harness();
    const failed = h.clock.timestamp();
    await h.settle();
    h.pending[0]!.reject(new Error('network down'));
    await expect(failed).rejects.toThrow('network down');
    expect(h.clock.offsetMs).toBeNull();

    const retried = h.clock.timestamp();
    await h.settle();
    expect(h.pending).toHaveLength(2);
    h.pending[1]!.resolve(LOCAL + 42);
    expect(await retried).toBe(LOCAL + 42);
  });

  it('keeps the last good offset when a resync fails', async () => {
    const h = harness();
    const first = h.clock.timestamp();
    await h.settle();
    h.pending[0]!.resolve(LOCAL + 700);
    await first;

    const resync = h.clock.resync();
    await h.settle();
    h.pending[1]!.reject(new Error('timeout'));
    await expect(resync).rejects.toThrow('timeout');
    expect(h.clock.offsetMs).toBe(700);
  });

  it('refuses a server time that is not a usable number', async () => {
    for (const bad of [Number.NaN, 0, Number.POSITIVE_INFINITY]) {
      const clock = new BinanceClock(async () => bad, () => LOCAL);
      await expect(clock.timestamp()).rejects.toThrow(RangeError);
      expect(clock.offsetMs).toBeNull();
    }
  });

  it('uses Date.now when no clock is given', async () => {
    const clock = new BinanceClock(async () => Date.now());
    const before = Date.now();
    const stamp = await clock.timestamp();
    expect(Math.abs(stamp - before)).toBeLessThan(1000);
  });
});
