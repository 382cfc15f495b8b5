/**
 * The daily volume ledger on disk: one small JSON file of US dollars used per UTC day, e.g.
 * `{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":"4980.00"}}`, replaced
 * atomically so a crash at any instant leaves either the old or the new file, never a torn one.
 */
import { readFile } from 'node:fs/promises';
import { centsRoundedUp, formatCents, parseDecimal } from './order-decimal';

/** The ledger tells how much an agent traded: only the user may read it. */
export const LEDGER_FILE_MODE = 0o600;

const FORMAT = 'keygate-daily-volume';
const VERSION = 1;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** UTC day ("2026-11-25") → cents used that day. */
export type LedgerDays = Map<string, bigint>;

/** Refusing to trade is the only safe answer: treating the file as empty would reopen the cap. */
export class LedgerCorruptError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `The Binance daily volume ledger ${path} cannot be read (${reason}). Keygate places no Binance orders until it is fixed: ` +
        "restore the file from a backup, or delete it only if you accept that today's used volume restarts at $0.",
    );
    this.name = 'LedgerCorruptError';
  }
}

/** The UTC day a timestamp (ms) falls in; the daily cap resets at 00:00 UTC. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The days in the file; an empty ledger when there is no file yet. */
export async function readLedgerFile(path: string): Promise<LedgerDays> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return new Map();
    throw new LedgerCorruptError(path, error instanceof Error ? error.message : String(error));
  }
  const parsed = parseLedger(text);
  if (!parsed.ok) throw new LedgerCorruptError(path, parsed.reason);
  return parsed.days;
}

export function serializeLedger(days: ReadonlyMap<string, bigint>): string {
  const entries = [...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, cents]) => [day, formatCents(cents)]);
  return `${JSON.stringify({ format: FORMAT, version: VERSION, days: Object.fromEntries(entries) })}\n`;
}

function parseLedger(text: string): { ok: true; days: LedgerDays } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: text.length === 0 ? 'the file is empty' : 'it is not valid JSON' };
  }
  const file = parsed as { format?: unknown; version?: unknown; days?: unknown } | null;
  if (typeof file !== 'object' || file === null || file.format !== FORMAT) return { ok: false, reason: 'it is not a Keygate daily volume ledger' };
  if (file.version !== VERSION) return { ok: false, reason: `version ${String(file.version)} is not one this Keygate understands` };
  if (typeof file.days !== 'object' || file.days === null || Array.isArray(file.days)) return { ok: false, reason: '"days" is not an object' };
  const days: LedgerDays = new Map();
  for (const [day, used] of Object.entries(file.days)) {
    const amount = typeof used === 'string' ? parseDecimal(used) : null;
    if (!isUtcDay(day) || amount === null || amount.scale > 2) return { ok: false, reason: `the entry for "${day.slice(0, 20)}" is not a UTC day with a dollar amount` };
    days.set(day, centsRoundedUp(amount));
  }
  return { ok: true, days };
}

function isUtcDay(text: string): boolean {
  const midnight = Date.parse(`${text}T00:00:00Z`);
  return DAY.test(text) && !Number.isNaN(midnight) && utcDay(midnight) === text;
}

