/**
 * Today's Binance volume for the Overview, read from the ledger file without taking its lock: the
 * ledger replaces its file atomically (temp file, fsync, rename), so a reader sees the old or the new
 * file whole, never a torn one, and a reader never stalls or races the proxy that keeps the ledger.
 * The file trails the proxy's memory by at most the write in flight.
 */
import type { BinanceVolumeUse } from '../../../shared/audit-messages';
import { readLedgerFile, utcDay } from './ledger-file';
import { centsToNumber } from './order-decimal';

export async function readDailyVolumeUse(ledgerPath: string, capUsd: number | null, now: number): Promise<BinanceVolumeUse> {
  const day = utcDay(now);
  const days = await readLedgerFile(ledgerPath);
  return { day, usedUsd: centsToNumber(days.get(day) ?? 0n), capUsd };
}
