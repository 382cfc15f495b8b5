/**
 * The request-body deadline of every HTTP request a front door is reading, kept by one sweep
 * instead of a timer armed and cleared per request. A chat request's body nearly always arrives in
 * the same parser pass as its head, so that timer was made and cleared microseconds later for every
 * request (the one timer per request a bare Node proxy does not have). The sweep runs only while a
 * read is waiting and finds a late body within `SWEEP_MS` after its deadline, never before it. Its
 * clock is monotonic, as a timer's is: a wall clock set forward must not cut every waiting body at
 * once. The clock and timer functions can be passed in, like the idle lock's.
 */
import { nodeTimers, type TimerFunctions } from '../vault/idle-timer';

/** How long after its deadline a late body may go unnoticed; request timeouts are whole seconds. */
export const SWEEP_MS = 100;

/** A read that must end by `at` (on the sweep's clock); `late` runs once if it has not by then. */
export interface BodyDeadline {
  readonly at: number;
  readonly late: () => void;
}

export class BodyDeadlines {
  private readonly waiting = new Set<BodyDeadline>();
  private sweepTimer: unknown = null;

  constructor(
    readonly now: () => number = () => performance.now(),
    private readonly timers: TimerFunctions = nodeTimers,
  ) {}

  watch(deadline: BodyDeadline): void {
    this.waiting.add(deadline);
    this.sweepTimer ??= this.timers.set(() => this.sweep(), SWEEP_MS);
  }

  /** The read ended (whole, refused or broken off) before its deadline. */
  met(deadline: BodyDeadline): void {
    this.waiting.delete(deadline);
  }

  private sweep(): void {
    this.sweepTimer = null;
    const now = this.now();
    for (const deadline of this.waiting) {
      if (deadline.at > now) continue;
      this.waiting.delete(deadline);
      deadline.late();
    }
    if (this.waiting.size > 0) this.sweepTimer = this.timers.set(() => this.sweep(), SWEEP_MS);
  }
}
