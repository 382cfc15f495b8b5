import { describe, expect, it } from 'vitest';
import { IdleTimer, type TimerFunctions } from '../../native-host/src/vault/idle-timer';

/**
 * Timers on a monotonic clock moved by hand, and a wall clock (what IdleTimer reads) that follows it
 * but can be set back; counts how many timers were ever armed.
 */
function manualTime() {
  let now = 0;
  let wallOffset = 0;
  let armed = 0;
  const due = new Map<number, { at: number; fire: () => void }>();
  const timers: TimerFunctions = {
    set: (fire, ms) => {
      armed += 1;
      due.set(armed, { at: now + ms, fire });
      return armed;
    },
    clear: (handle) => void due.delete(handle as number),
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const next = [...due].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined) break;
      due.delete(next[0]);
      now = next[1].at;
      next[1].fire();
    }
    now = until;
  };
  return { timers, advance, now: () => now + wallOffset, setWallClockBack: (ms: number) => (wallOffset -= ms), armed: () => armed };
}

describe('IdleTimer', () => {
  it('fires one idle time after the last activity, however many there were, arming few timers', () => {
    const time = manualTime();
    let fired = 0;
    const timer = new IdleTimer(time.timers, time.now, () => (fired += 1));
    for (let step = 0; step < 1_000; step++) {
      timer.restart(60_000);
      time.advance(100);
    }
    // 100 s of activity every 100 ms: the one timer re-armed itself once a minute, not 1,000 times.
    expect(time.armed()).toBeLessThanOrEqual(3);
    time.advance(59_899);
    expect(fired).toBe(0);
    time.advance(1);
    expect(fired).toBe(1);
  });

  it('stops for good on stop, and a new idle time re-arms at once', () => {
    const time = manualTime();
    let fired = 0;
    const timer = new IdleTimer(time.timers, time.now, () => (fired += 1));
    timer.restart(60_000);
    timer.stop();
    time.advance(120_000);
    expect(fired).toBe(0);
    timer.restart(60_000);
    timer.restart(5_000);
    time.advance(5_000);
    expect(fired).toBe(1);
  });

  it('still fires within one idle time when the clock is set back', () => {
    const time = manualTime();
    let fired = 0;
    const timer = new IdleTimer(time.timers, time.now, () => (fired += 1));
    timer.restart(60_000);
    time.setWallClockBack(10 * 3_600_000);
    time.advance(60_000);
    expect(fired).toBe(0);
    time.advance(60_000);
    expect(fired).toBe(1);
  });
});
