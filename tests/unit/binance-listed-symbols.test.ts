import { describe, expect, it } from 'vitest';
import { LISTED_SYMBOL_TTL_MS, ListedSymbols, MAX_CACHED_SYMBOLS, MAX_SYMBOL_LENGTH, type SymbolInfo, UNLISTED_SYMBOL_TTL_MS } from '../../native-host/src/binance/listed-symbols';

/** Stands in for exchangeInfo: lists what `listing` holds, and counts the questions. */
function exchange(listing: Record<string, SymbolInfo>) {
  const asked: string[] = [];
  let failing = false;
  const lookup = (symbol: string) => {
    asked.push(symbol);
    if (failing) return Promise.reject(new Error('Binance unreachable'));
    return Promise.resolve(Object.hasOwn(listing, symbol) ? listing[symbol]! : null);
  };
  return { asked, lookup, fail: (value: boolean) => (failing = value) };
}

const LISTING = {
  '币安人生USDT': { baseAsset: '币安人生', quoteAsset: 'USDT' },
  '１２３４５６': { baseAsset: '１２３', quoteAsset: '４５６' },
  BTCUSDT: { baseAsset: 'BTC', quoteAsset: 'USDT' },
};

describe('ListedSymbols', () => {
  it('knows exactly what the listing names, whatever its characters', async () => {
    const { lookup } = exchange(LISTING);
    const symbols = new ListedSymbols(lookup, () => 0);
    expect(await symbols.get('币安人生USDT')).toEqual({ baseAsset: '币安人生', quoteAsset: 'USDT' });
    expect(await symbols.get('１２３４５６')).toEqual({ baseAsset: '１２３', quoteAsset: '４５６' });
    expect(await symbols.get('币安死USDT')).toBeNull();
    expect(await symbols.get('btcusdt')).toBeNull();
  });

  it('keeps a listed symbol for minutes and an unlisted one for a minute, then asks again', async () => {
    let now = 1_000;
    const { asked, lookup } = exchange(LISTING);
    const symbols = new ListedSymbols(lookup, () => now);
    await Promise.all([symbols.get('BTCUSDT'), symbols.get('BTCUSDT'), symbols.get('NEWUSDT')]);
    expect(asked).toEqual(['BTCUSDT', 'NEWUSDT']);

    now += UNLISTED_SYMBOL_TTL_MS - 1;
    await symbols.get('NEWUSDT');
    expect(asked).toEqual(['BTCUSDT', 'NEWUSDT']);
    now += 1;
    await symbols.get('NEWUSDT');
    await symbols.get('BTCUSDT');
    expect(asked).toEqual(['BTCUSDT', 'NEWUSDT', 'NEWUSDT']);

    now = 1_000 + LISTED_SYMBOL_TTL_MS;
    await symbols.get('BTCUSDT');
    expect(asked).toEqual(['BTCUSDT', 'NEWUSDT', 'NEWUSDT', 'BTCUSDT']);
  });

  it('does not cache a failed lookup, and never asks about an empty or absurdly long name', async () => {
    const { asked, lookup, fail } = exchange(LISTING);
    const symbols = new ListedSymbols(lookup, () => 0);
    fail(true);
    await expect(symbols.get('BTCUSDT')).rejects.toThrow('unreachable');
    fail(false);
    expect(await symbols.get('BTCUSDT')).not.toBeNull();
    expect(await symbols.get('')).toBeNull();
    expect(await symbols.get('X'.repeat(MAX_SYMBOL_LENGTH + 1))).toBeNull();
    expect(asked).toEqual(['BTCUSDT', 'BTCUSDT']);
  });

  it('holds at most MAX_CACHED_SYMBOLS answers however many made-up symbols are asked about', async () => {
    const { asked, lookup } = exchange(LISTING);
    const symbols = new ListedSymbols(lookup, () => 0);
    await symbols.get('BTCUSDT');
    for (let i = 0; i < MAX_CACHED_SYMBOLS + 10; i++) await symbols.get(`MADEUP${i}`);
    expect((symbols as unknown as { cached: Map<string, unknown> }).cached.size).toBe(MAX_CACHED_SYMBOLS);
    // The oldest answer made room: BTCUSDT is asked about again.
    await symbols.get('BTCUSDT');
    expect(asked.filter((symbol) => symbol === 'BTCUSDT')).toHaveLength(2);
  });
});
