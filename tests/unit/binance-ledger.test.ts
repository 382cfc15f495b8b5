import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DailyVolumeLedger, LEDGER_KEEP_DAYS } from '../../native-host/src/binance/daily-volume-ledger';
import { LedgerCorruptError } from '../../native-host/src/binance/ledger-file';

const NOON = Date.parse('2026-11-25T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

let directory: string;
let ledgerPath: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-ledger-'));
  ledgerPath = join(directory, 'binance-volume.json');
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function fileDays(): Promise<Record<string, string>> {
  const file = JSON.parse(await readFile(ledgerPath, 'utf8')) as { format: string; version: number; days: Record<string, string> };
  expect(file).toMatchObject({ format: 'keygate-daily-volume', version: 1 });
  return file.days;
}

describe('DailyVolumeLedger reservations', () => {
  it('lets exactly 83 of 100 concurrent $60 orders through a $5000 cap, and persists $4980', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    const results = await Promise.all(Array.from({ length: 100 }, () => ledger.reserve(60, 5000, NOON)));
    const granted = results.filter((result) => result.ok);
    expect(granted).toHaveLength(83);
    expect(new Set(granted.map((result) => result.usedUsd)).size).toBe(83);
    expect(Math.max(...granted.map((result) => result.usedUsd))).toBe(4980);
    expect(results.filter((result) => !result.ok).every((result) => result.usedUsd === 4980)).toBe(true);
    expect(ledger.usedUsd(NOON)).toBe(4980);
    expect(await fileDays()).toEqual({ '2026-11-25': '4980.00' });
    expect((await DailyVolumeLedger.open(ledgerPath)).usedUsd(NOON)).toBe(4980);
  });

  it('has the reservation on disk by the time reserve resolves', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    for (const expected of ['12.50', '25.00', '37.50']) {
      await ledger.reserve(12.5, null, NOON);
      expect(await fileDays()).toEqual({ '2026-11-25': expected });
    }
  });

  it('persists a release, and ignores a second release of the same reservation', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    const first = await ledger.reserve(100, 1000, NOON);
    await ledger.reserve(50, 1000, NOON);
    if (!first.ok) throw new Error('the first reservation was refused');
    await ledger.release(first.reservationId);
    expect(ledger.usedUsd(NOON)).toBe(50);
    expect(await fileDays()).toEqual({ '2026-11-25': '50.00' });
    await ledger.release(first.reservationId);
    await ledger.release('no-such-reservation');
    expect((await DailyVolumeLedger.open(ledgerPath)).usedUsd(NOON)).toBe(50);
  });

  it('frees room under the cap when an order is released', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    const big = await ledger.reserve(900, 1000, NOON);
    expect((await ledger.reserve(200, 1000, NOON)).ok).toBe(false);
    if (big.ok) await ledger.release(big.reservationId);
    expect(await ledger.reserve(200, 1000, NOON)).toMatchObject({ ok: true, usedUsd: 200 });
  });

  it('is exact at the cap: cents never drift', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    expect(0.1 + 0.1 + 0.1 > 0.3).toBe(true);
    for (let order = 0; order < 3; order++) expect((await ledger.reserve(0.1, 0.3, NOON)).ok).toBe(true);
    expect(await ledger.reserve(0.01, 0.3, NOON)).toEqual({ ok: false, usedUsd: 0.3 });
    expect(await ledger.reserve(0, 0.3, NOON)).toMatchObject({ ok: true, usedUsd: 0.3 });
    expect(await fileDays()).toEqual({ '2026-11-25': '0.30' });
  });

  it('rounds a reservation up to the cent, so a fraction of a cent cannot slip past the cap', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    expect(await ledger.reserve(99.991, 100, NOON)).toMatchObject({ ok: true, usedUsd: 100 });
    expect((await ledger.reserve(0.001, 100, NOON)).ok).toBe(false);
  });

  it('counts orders without a cap', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    expect(await ledger.reserve(1e9, null, NOON)).toMatchObject({ ok: true, usedUsd: 1e9 });
    expect(await fileDays()).toEqual({ '2026-11-25': '1000000000.00' });
  });

  it('refuses amounts that are not dollars', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    for (const amount of [-1, Number.NaN, Number.POSITIVE_INFINITY]) await expect(ledger.reserve(amount, 100, NOON)).rejects.toThrow(RangeError);
    await expect(ledger.reserve(1, -5, NOON)).rejects.toThrow(RangeError);
    expect(ledger.usedUsd(NOON)).toBe(0);
  });
});

describe('DailyVolumeLedger days', () => {
  it('starts a new day at 00:00 UTC', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    const lastMoment = Date.parse('2026-11-25T23:59:59.999Z');
    const midnight = Date.parse('2026-11-26T00:00:00.000Z');
    expect((await ledger.reserve(4990, 5000, lastMoment)).ok).toBe(true);
    expect((await ledger.reserve(100, 5000, lastMoment)).ok).toBe(false);
    expect(await ledger.reserve(100, 5000, midnight)).toMatchObject({ ok: true, usedUsd: 100 });
    expect(ledger.usedUsd(lastMoment)).toBe(4990);
    expect(ledger.usedUsd(midnight)).toBe(100);
    expect(await fileDays()).toEqual({ '2026-11-25': '4990.00', '2026-11-26': '100.00' });
  });

  it(`keeps the last ${LEDGER_KEEP_DAYS} days in the file`, async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    for (let day = 0; day < 10; day++) await ledger.reserve(day + 1, null, NOON + day * DAY_MS);
    expect(Object.keys(await fileDays())).toEqual(['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(ledger.usedUsd(NOON + 9 * DAY_MS)).toBe(10);
  });

  it('ignores the release of an order from a day no longer kept', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    const old = await ledger.reserve(5, null, NOON);
    await ledger.reserve(7, null, NOON + 10 * DAY_MS);
    if (old.ok) await ledger.release(old.reservationId);
    expect(await fileDays()).toEqual({ '2026-12-05': '7.00' });
  });
});

describe('DailyVolumeLedger file', () => {
  it('starts empty when there is no file, and writes none until something is reserved', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    expect(ledger.usedUsd(NOON)).toBe(0);
    // Only the lock it holds while open.
    expect(await readdir(directory)).toEqual(['binance-volume.json.lock']);
  });

  it('is readable by the user only, and leaves no temporary file', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    await ledger.reserve(1, null, NOON);
    expect((await stat(ledgerPath)).mode & 0o777).toBe(0o600);
    expect((await readdir(directory)).sort()).toEqual(['binance-volume.json', 'binance-volume.json.lock']);
  });

  it('refuses to open a damaged ledger instead of starting again from zero', async () => {
    const damaged = [
      ['', 'the file is empty'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":"49', 'not valid JSON'],
      ['[]', 'not a Keygate daily volume ledger'],
      ['{"format":"keygate-daily-volume","version":2,"days":{}}', 'version 2'],
      ['{"format":"keygate-daily-volume","version":1,"days":[]}', '"days" is not an object'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":4980}}', '2026-11-25'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":"-1.00"}}', '2026-11-25'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":"1e3"}}', '2026-11-25'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-11-25":"1.005"}}', '2026-11-25'],
      ['{"format":"keygate-daily-volume","version":1,"days":{"2026-02-30":"1.00"}}', '2026-02-30'],
    ] as const;
    for (const [text, reason] of damaged) {
      await writeFile(ledgerPath, text);
      const opening = DailyVolumeLedger.open(ledgerPath);
      await expect(opening, text).rejects.toThrow(LedgerCorruptError);
      await expect(opening, text).rejects.toThrow(reason);
      await expect(opening, text).rejects.toThrow(ledgerPath);
      expect(await readFile(ledgerPath, 'utf8')).toBe(text);
    }
  });

  it('refuses a reservation it cannot write, and undoes it', async () => {
    const ledger = await DailyVolumeLedger.open(ledgerPath);
    await ledger.reserve(10, 100, NOON);
    // The ledger's directory becomes a plain file: every write now fails.
    await rm(directory, { recursive: true });
    await writeFile(directory, 'not a directory');
    await expect(ledger.reserve(20, 100, NOON)).rejects.toThrow();
    expect(ledger.usedUsd(NOON)).toBe(10);
    await rm(directory);
  });
});
