/**
 * Last prices, fetched at most once per symbol at a time and kept for a few seconds: a burst of
 * market orders must not become a burst of ticker requests against Binance's weight budget.
 */
export const DEFAULT_PRICE_TTL_MS = 5000;

interface CachedPrice {
  price: number;
  fetchedAt: number;
}

export class PriceCache {
  private readonly cached = new Map<string, CachedPrice>();
  private readonly inFlight = new Map<string, Promise<number | null>>();

  constructor(
    private readonly fetchPrice: (symbol: string) => Promise<number | null>,
    private readonly ttlMs = DEFAULT_PRICE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The cached price while it is younger than the TTL, else a fresh one. Callers asking while a
   * fetch is running share it. Nothing (null) and failures are not cached: the next call asks again.
   */
  get(symbol: string): Promise<number | null> {
    const hit = this.cached.get(symbol);
    if (hit !== undefined && this.now() - hit.fetchedAt < this.ttlMs) return Promise.resolve(hit.price);
    const running = this.inFlight.get(symbol);
    if (running !== undefined) return running;
    const fetching = this.fetchFresh(symbol).finally(() => this.inFlight.delete(symbol));
    this.inFlight.set(symbol, fetching);
    return fetching;
  }

  private async fetchFresh(symbol: string): Promise<number | null> {
    const price = await this.fetchPrice(symbol);
    if (price === null || !Number.isFinite(price) || price <= 0) {
      this.cached.delete(symbol);
      return null;
    }
    this.cached.set(symbol, { price, fetchedAt: this.now() });
    return price;
  }
}
