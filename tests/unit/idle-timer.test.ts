import { describe, expect, it } from 'vitest';
import { IdleTimer } from '../../native-host/src/vault/idle-timer';
import { manualTime } from '../support/manual-time';

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
