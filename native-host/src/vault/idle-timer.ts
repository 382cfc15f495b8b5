/**
 * One timer that fires after a stretch without activity. Activity only notes the time: the proxy
 * reports some for every request, and re-arming a timer each time was measurable there. When the
 * timer comes due it checks how long things have really been quiet and re-arms for the rest. The
 * clock and timer functions are passed in so tests can move time by hand instead of waiting minutes.
 */
export interface TimerFunctions {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const nodeTimers: TimerFunctions = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class IdleTimer {
  private handle: unknown = null;
  private idleMs = 0;
  private lastActivity = 0;

  constructor(
    private readonly timers: TimerFunctions,
    private readonly now: () => number,
    private readonly fire: () => void,
  ) {}

  /** Activity: fires `idleMs` after the latest call, unless `stop` comes first. */
  restart(idleMs: number): void {
    this.lastActivity = this.now();
    if (this.handle !== null && idleMs === this.idleMs) return;
    this.stop();
    this.idleMs = idleMs;
    this.arm(idleMs);
  }

  stop(): void {
    if (this.handle === null) return;
    this.timers.clear(this.handle);
    this.handle = null;
  }

  private arm(ms: number): void {
    this.handle = this.timers.set(() => this.comeDue(), ms);
  }

  private comeDue(): void {
    this.handle = null;
    const now = this.now();
    // A clock set back must not stretch the wait by the jump: count from now instead.
    if (now < this.lastActivity) this.lastActivity = now;
    const quiet = now - this.lastActivity;
    if (quiet < this.idleMs) this.arm(this.idleMs - quiet);
    else this.fire();
  }
}
