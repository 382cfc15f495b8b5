import { describe, expect, it } from 'vitest';
import { BodyDeadlines, SWEEP_MS } from '../../native-host/src/http/body-deadlines';
import { manualTime } from '../support/manual-time';

describe('BodyDeadlines', () => {
  it('tells a late read once, after its deadline and within one sweep of it, never before', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    const lateAt: number[] = [];
    deadlines.watch({ at: 1_000, late: () => lateAt.push(time.now()) });
    time.advance(999);
    expect(lateAt).toEqual([]);
    time.advance(SWEEP_MS);
    expect(lateAt).toHaveLength(1);
    expect(lateAt[0]).toBeGreaterThanOrEqual(1_000);
    expect(lateAt[0]).toBeLessThanOrEqual(1_000 + SWEEP_MS);
    time.advance(10_000);
    expect(lateAt).toHaveLength(1);
  });

  it('never tells a read that ended in time, and stops sweeping once nothing waits', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    let late = 0;
    const met = { at: 500, late: () => (late += 1) };
    const slow = { at: 300, late: () => (late += 1) };
    deadlines.watch(met);
    deadlines.watch(slow);
    time.advance(200);
    deadlines.met(met);
    time.advance(1_000);
    expect(late).toBe(1);
    expect(time.pending()).toBe(0);
  });

  it('arms one timer per sweep, not one per read: a thousand reads met at once cost one', () => {
    const time = manualTime();
    const deadlines = new BodyDeadlines(time.now, time.timers);
    for (let read = 0; read < 1_000; read++) {
      const deadline = { at: 60_000, late: () => expect.unreachable('a met read was told it is late') };
      deadlines.watch(deadline);
      deadlines.met(deadline);
    }
    expect(time.armed()).toBe(1);
    time.advance(SWEEP_MS);
    expect(time.pending()).toBe(0);
  });
});
