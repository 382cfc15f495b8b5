/**
 * The Binance endpoint lists (data/README.md says where they come from), parsed once. Keys are
 * `METHOD /path`. The fund-moving list is keyed case-insensitively: no spelling may slip past it.
 */
import fundMovingTsv from './data/binance-fund-moving-endpoints.tsv?raw';
import spotTsv from './data/binance-spot-endpoints.tsv?raw';

export type BinanceAccess = 'read' | 'trade';

interface TsvRow {
  method: string;
  path: string;
  note: string;
}

export function parseEndpointTsv(text: string): TsvRow[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [method, path, note] = line.split('\t');
      if (!method || !path?.startsWith('/')) throw new Error(`Bad endpoint list line: ${line}`);
      return { method: method.toUpperCase(), path, note: note ?? '' };
    });
}

/** Forwardable spot endpoints and the scope each needs. */
export const SPOT_ENDPOINTS: ReadonlyMap<string, BinanceAccess> = new Map(
  parseEndpointTsv(spotTsv).map((row) => [`${row.method} ${row.path}`, row.note === 'trade' ? 'trade' : 'read']),
);

/** Lower-cased path → why it is refused, whatever the method. */
export const FUND_MOVING_PATHS: ReadonlyMap<string, string> = new Map(
  parseEndpointTsv(fundMovingTsv).map((row) => [row.path.toLowerCase(), row.note]),
);

/**
 * Market data that Binance serves without a signature. Everything else on the spot list is
 * USER_DATA or TRADE and is signed.
 */
export const UNSIGNED_ENDPOINTS: ReadonlySet<string> = new Set(
  [
    'ping', 'time', 'exchangeInfo', 'depth', 'trades', 'historicalTrades', 'aggTrades', 'klines', 'uiKlines',
    'avgPrice', 'ticker', 'ticker/24hr', 'ticker/price', 'ticker/bookTicker', 'ticker/tradingDay',
    'referencePrice', 'referencePrice/calculation', 'executionRules', 'historicalBlockTrades',
  ].map((path) => `GET /api/v3/${path}`),
);
