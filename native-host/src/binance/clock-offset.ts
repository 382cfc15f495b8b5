/**
 * Binance refuses a SIGNED request whose `timestamp` is 1 s or more ahead of its clock, or older
 * than `recvWindow` (-1021 INVALID_TIMESTAMP). A laptop clock is often off by more than that, so
 * Keygate stamps requests with Binance's time: the local clock plus an offset learned from
 * `GET /api/v3/time`.
 */
export class BinanceClock {
  #offsetMs: number | null = null;
  #sync: Promise<void> | null = null;

  /**
   * `fetchServerTime` returns Binance's `serverTime` (ms since the epoch); `now` is the local
   * clock, injectable for tests.
   */
  constructor(
    private readonly fetchServerTime: () => Promise<number>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Binance's current time in whole ms; the first call syncs, and calls during a sync wait for it. */
  async timestamp(): Promise<number> {
    if (this.#sync !== null || this.#offsetMs === null) await this.#syncOnce();
    return Math.round(this.now() + (this.#offsetMs ?? 0));
  }

  /** Learns the offset again, e.g. after Binance answered -1021. Concurrent callers share one sync. */
  async resync(): Promise<void> {
    await this.#syncOnce();
  }

  /** Binance time minus local time in ms, or null before the first successful sync. */
  get offsetMs(): number | null {
    return this.#offsetMs;
  }

  #syncOnce(): Promise<void> {
    this.#sync ??= this.#measure().finally(() => {
      this.#sync = null;
    });
    return this.#sync;
  }

  async #measure(): Promise<void> {
    const sentAt = this.now();
    const serverTime = await this.fetchServerTime();
    const receivedAt = this.now();
    if (!Number.isFinite(serverTime) || serverTime <= 0) {
      throw new RangeError('Binance /api/v3/time gave no usable serverTime.');
    }
    // Binance read its clock somewhere during the round trip; the midpoint halves the worst error.
    this.#offsetMs = Math.round(serverTime - (sentAt + receivedAt) / 2);
  }
}
