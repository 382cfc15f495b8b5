/**
 * One timer that fires after a stretch without activity; each restart pushes it back. The timer
 * functions are passed in so tests can move time by hand instead of waiting minutes.
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

  constructor(
    private readonly timers: TimerFunctions,
    private readonly fire: () => void,
  ) {}

  restart(ms: number): void {
    this.stop();
    this.handle = this.timers.set(() => {
      this.handle = null;
      this.fire();
    }, ms);
  }

  stop(): void {
    if (this.handle === null) return;
    this.timers.clear(this.handle);
    this.handle = null;
  }
}
