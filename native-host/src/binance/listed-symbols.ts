/**
 * Which symbols Binance lists, as its exchangeInfo says. An order is priced only on a symbol Binance
 * itself names, whatever characters that name holds: Binance lists symbols such as 币安人生USDT, and
 * its signing docs use １２３４５６, so no character pattern can stand in for the listing. Answers are
 * kept briefly (listings start and end), an unknown symbol more briefly still, and the cache is
 * bounded, so an agent asking about made-up symbols cannot grow it.
 */
export interface SymbolInfo {
  baseAsset: string;
  quoteAsset: string;
}

export const LISTED_SYMBOL_TTL_MS = 10 * 60_000;
export const UNLISTED_SYMBOL_TTL_MS = 60_000;
export const MAX_CACHED_SYMBOLS = 1024;
/** No listed symbol comes near this; a longer string is not worth a lookup (only a longer URL). */
export const MAX_SYMBOL_LENGTH = 64;

interface CachedLookup {
  info: Promise<SymbolInfo | null>;
  /** Infinity while the lookup runs: callers meanwhile share it. */
  expiresAt: number;
}

export class ListedSymbols {
  private readonly cached = new Map<string, CachedLookup>();

  constructor(
    private readonly lookup: (symbol: string) => Promise<SymbolInfo | null>,
    private readonly now: () => number,
  ) {}

  /** The symbol's assets when Binance lists it, else null. A failed lookup is not cached. */
  get(symbol: string): Promise<SymbolInfo | null> {
    if (symbol.length === 0 || symbol.length > MAX_SYMBOL_LENGTH) return Promise.resolve(null);
    const hit = this.cached.get(symbol);
    if (hit !== undefined && hit.expiresAt > this.now()) return hit.info;
    this.cached.delete(symbol);
    this.makeRoom();
    const entry: CachedLookup = { info: this.lookup(symbol), expiresAt: Infinity };
    this.cached.set(symbol, entry);
    entry.info.then(
      (info) => (entry.expiresAt = this.now() + (info === null ? UNLISTED_SYMBOL_TTL_MS : LISTED_SYMBOL_TTL_MS)),
      () => {
        if (this.cached.get(symbol) === entry) this.cached.delete(symbol);
      },
    );
    return entry.info;
  }

  /** Drops expired answers when full, then the oldest (a Map keeps insertion order). */
  private makeRoom(): void {
    if (this.cached.size < MAX_CACHED_SYMBOLS) return;
    const now = this.now();
    for (const [symbol, entry] of this.cached) if (entry.expiresAt <= now) this.cached.delete(symbol);
    for (const symbol of this.cached.keys()) {
      if (this.cached.size < MAX_CACHED_SYMBOLS) break;
      this.cached.delete(symbol);
    }
  }
}
