/**
 * Timers on a monotonic clock moved by hand, for code that takes its clock and timer functions as
 * arguments (the idle lock, the body-deadline sweep): a test moves time instead of waiting. The wall
 * clock follows the monotonic one but can be set back; `armed` counts every timer ever set and
 * `pending` the ones still waiting.
 */
import type { TimerFunctions } from '../../native-host/src/vault/idle-timer';

export function manualTime() {
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
  return {
    timers,
    advance,
    now: () => now + wallOffset,
    setWallClockBack: (ms: number) => (wallOffset -= ms),
    armed: () => armed,
    pending: () => due.size,
  };
}
