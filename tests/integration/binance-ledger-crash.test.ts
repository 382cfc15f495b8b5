/**
 * The daily volume ledger survives `kill -9` at any instant: a real Node process books reservations
 * as fast as it can and is killed at random moments; each time, the ledger must reopen, and hold
 * every total the process had confirmed (plus at most the one reservation in flight).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DailyVolumeLedger } from '../../native-host/src/binance/daily-volume-ledger';
import { REPO_ROOT } from '../../scripts/paths';

const FIXTURE = fileURLToPath(new URL('./fixtures/ledger-reserve-loop.ts', import.meta.url));
const AMOUNT_USD = 1.25;
const AMOUNT_CENTS = 125;
const NOW = Date.parse('2026-11-25T12:00:00Z');
const KILLS = 6;

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-ledger-crash-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const cents = (usd: number) => Math.round(usd * 100);

interface KilledRun {
  openedCents: number;
  confirmedCents: number[];
}

/** Runs the reserve loop until it has confirmed at least once, waits `killAfterMs`, then SIGKILLs it. */
async function reserveUntilKilled(ledgerPath: string, killAfterMs: number): Promise<KilledRun> {
  // `node --import tsx` rather than the tsx CLI: the CLI runs the script in a child process,
  // which a SIGKILL to the CLI would orphan instead of killing.
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ledgerPath, String(AMOUNT_USD), String(NOW)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: KilledRun = { openedCents: -1, confirmedCents: [] };
  let pending = '';
  let stderr = '';
  let confirmedOnce: () => void = () => undefined;
  const firstConfirmation = new Promise<void>((resolve) => (confirmedOnce = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [event, usd] = line.split(' ');
      if (event === 'opened') run.openedCents = cents(Number(usd));
      if (event === 'confirmed') {
        run.confirmedCents.push(cents(Number(usd)));
        confirmedOnce();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' comes after stdout is drained: every line the process wrote has been read.
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));

  const outcome = await Promise.race([firstConfirmation.then(() => 'running'), closed.then(() => 'exited')]);
  if (outcome === 'exited') throw new Error(`the reserve loop exited on its own: ${stderr}`);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill('SIGKILL');
  expect(await closed).toBe('SIGKILL');
  return run;
}

it('keeps every confirmed reservation through repeated kill -9', async () => {
  const ledgerPath = join(directory, 'binance-volume.json');
  let onDiskCents = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    const run = await reserveUntilKilled(ledgerPath, Math.floor(Math.random() * 250));
    expect(run.openedCents).toBe(onDiskCents);
    // Each confirmation is exactly one reservation more than the one before.
    run.confirmedCents.forEach((total, index) => expect(total).toBe(onDiskCents + (index + 1) * AMOUNT_CENTS));
    const lastConfirmed = run.confirmedCents.at(-1) ?? onDiskCents;

    // The file parses (never torn) and holds the last confirmed total, or that plus the reservation
    // that was written but not yet confirmed when the process died.
    JSON.parse(await readFile(ledgerPath, 'utf8'));
    const reopened = await DailyVolumeLedger.open(ledgerPath);
    onDiskCents = cents(reopened.usedUsd(NOW));
    // Closed again, so the next process may keep the ledger (and take over the killed one's lock).
    await reopened.close();
    expect([lastConfirmed, lastConfirmed + AMOUNT_CENTS]).toContain(onDiskCents);
  }
  expect(onDiskCents).toBeGreaterThan(0);
  // A kill between creating a temporary file and renaming it leaves it behind; opening the ledger
  // removes those of dead writers (and takes over their locks), so nothing but the ledger remains.
  expect(await readdir(directory)).toEqual(['binance-volume.json']);
});
