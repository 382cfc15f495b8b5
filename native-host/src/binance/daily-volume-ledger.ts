/**
 * The Binance daily volume cap's memory: US dollars reserved per UTC day, kept on disk so a crash or
 * restart cannot reopen the cap.
 *
 * `reserve` decides and books synchronously, before its first await: Node runs one call at a time,
 * so any number of concurrent orders can never book past the cap together. It then resolves only
 * once the booking is on disk, so the proxy forwards an order only after its reservation would
 * survive a crash. Writes are serialised (one in flight); bookings made meanwhile share the next one.
 * Only one process keeps a ledger file (a lock beside it): a second one would book against its own
 * copy of the day and overwrite the first's, undercounting the day.
 */
import { mkdir } from 'node:fs/promises';
import { KeygateError } from '../../../shared/errors';
import { ProcessLock } from '../files/process-lock';
import { dirname } from 'node:path';
import { type Decimal, centsRoundedDown, centsRoundedUp, centsToNumber, decimalFromNumber } from './order-decimal';
import { removeLeftoverTemps, replaceFileDurably } from '../files/durable-write';
import { LEDGER_FILE_MODE, type LedgerDays, readLedgerFile, serializeLedger, utcDay } from './ledger-file';

/** Days kept in the file, today included; older ones no longer matter to any cap. */
export const LEDGER_KEEP_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export type VolumeReservation = { ok: true; reservationId: string; usedUsd: number } | { ok: false; usedUsd: number };

interface Booking {
  day: string;
  cents: bigint;
}

interface PendingWrite {
  change: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class DailyVolumeLedger {
  private readonly bookings = new Map<string, Booking>();
  private bookingCount = 0;
  /** Counts changes to `days`; `written` is the last one on disk (or given up on). */
  private changes = 0;
  private written = 0;
  private writer: Promise<void> | null = null;
  private pendingWrites: PendingWrite[] = [];

  private constructor(
    readonly filePath: string,
    private readonly days: LedgerDays,
    private readonly lock: ProcessLock,
  ) {}

  /**
   * A missing file is an empty ledger; an unreadable one throws LedgerCorruptError; one another live
   * process keeps throws LEDGER_IN_USE.
   */
  static async open(filePath: string): Promise<DailyVolumeLedger> {
    await mkdir(dirname(filePath), { recursive: true, mode: 0o700 });
    const lock = await ProcessLock.acquire(filePath);
    if (!(lock instanceof ProcessLock)) throw new KeygateError('LEDGER_IN_USE', `Process ${lock.heldBy} holds ${filePath}.lock.`);
    try {
      await removeLeftoverTemps(filePath);
      return new DailyVolumeLedger(filePath, await readLedgerFile(filePath), lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Waits for pending writes, then lets another process keep the ledger. */
  async close(): Promise<void> {
    await this.writer;
    await this.lock.release();
  }

  /**
   * Books `amountUsd` (rounded up to the cent) on `now`'s UTC day unless that would pass
   * `dailyCapUsd` (null: no cap, still counted). Resolves after the booking is on disk; rejects,
   * with the booking undone, when it could not be written — the order must not be sent then.
   */
  async reserve(amountUsd: number, dailyCapUsd: number | null, now: number): Promise<VolumeReservation> {
    const cents = centsRoundedUp(dollars(amountUsd, 'amountUsd'));
    const capCents = dailyCapUsd === null ? null : centsRoundedDown(dollars(dailyCapUsd, 'dailyCapUsd'));
    const day = utcDay(now);
    this.forgetDaysBefore(utcDay(now - (LEDGER_KEEP_DAYS - 1) * DAY_MS));
    const used = this.days.get(day) ?? 0n;
    if (capCents !== null && used + cents > capCents) return { ok: false, usedUsd: centsToNumber(used) };

    this.days.set(day, used + cents);
    const reservationId = `r${++this.bookingCount}`;
    this.bookings.set(reservationId, { day, cents });
    try {
      await this.persist();
    } catch (error) {
      this.unbook(reservationId);
      throw error;
    }
    return { ok: true, reservationId, usedUsd: centsToNumber(used + cents) };
  }

  /** Gives a reservation back (Binance rejected the order) and persists that; unknown ids are ignored. */
  async release(reservationId: string): Promise<void> {
    if (this.unbook(reservationId)) await this.persist();
  }

  /** US dollars booked on `now`'s UTC day. */
  usedUsd(now: number): number {
    return centsToNumber(this.days.get(utcDay(now)) ?? 0n);
  }

  private unbook(reservationId: string): boolean {
    const booking = this.bookings.get(reservationId);
    if (booking === undefined) return false;
    this.bookings.delete(reservationId);
    const used = this.days.get(booking.day);
    if (used === undefined) return false;
    this.days.set(booking.day, used > booking.cents ? used - booking.cents : 0n);
    return true;
  }

  private forgetDaysBefore(oldestKept: string): void {
    for (const day of this.days.keys()) if (day < oldestKept) this.days.delete(day);
    for (const [id, booking] of this.bookings) if (booking.day < oldestKept) this.bookings.delete(id);
  }

  /** Resolves once a write that includes the current state has reached the disk. */
  private persist(): Promise<void> {
    const change = ++this.changes;
    const written = new Promise<void>((resolve, reject) => this.pendingWrites.push({ change, resolve, reject }));
    this.writer ??= this.writeChanges();
    return written;
  }

  private async writeChanges(): Promise<void> {
    // Let every booking made in this tick join the first write.
    await Promise.resolve();
    while (this.written < this.changes) {
      const change = this.changes;
      let failure: unknown = null;
      try {
        await replaceFileDurably(this.filePath, serializeLedger(this.days), LEDGER_FILE_MODE);
      } catch (error) {
        failure = error ?? new Error('the ledger write failed');
      }
      this.written = change;
      const settled = this.pendingWrites.filter((pending) => pending.change <= change);
      this.pendingWrites = this.pendingWrites.filter((pending) => pending.change > change);
      for (const pending of settled) {
        if (failure === null) pending.resolve();
        else pending.reject(failure);
      }
    }
    this.writer = null;
  }
}

function dollars(amount: number, name: string): Decimal {
  const exact = decimalFromNumber(amount);
  if (exact === null) throw new RangeError(`${name} must be a finite, non-negative number of US dollars.`);
  return exact;
}
