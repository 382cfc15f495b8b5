import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DailyVolumeLedger } from '../../native-host/src/binance/daily-volume-ledger';
import { ProcessLock } from '../../native-host/src/files/process-lock';

let directory: string;
let file: string;
let sleeper: ReturnType<typeof spawn> | null = null;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-lock-'));
  file = join(directory, 'ledger.json');
});

afterEach(async () => {
  sleeper?.kill();
  sleeper = null;
  await rm(directory, { recursive: true, force: true });
});

/** The pid of another live process. */
function liveProcessPid(): number {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return sleeper.pid!;
}

/** The pid of a process that has exited. */
async function exitedProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('ProcessLock', () => {
  it('creates <file>.lock holding this pid, private to the user, and removes it on release', async () => {
    const lock = await ProcessLock.acquire(file);
    expect(lock).toBeInstanceOf(ProcessLock);
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    expect((await stat(`${file}.lock`)).mode & 0o777).toBe(0o600);
    await (lock as ProcessLock).release();
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is refused while another live process holds it, and leaves that lock alone', async () => {
    const pid = liveProcessPid();
    await writeFile(`${file}.lock`, `${pid}\n`);
    expect(await ProcessLock.acquire(file)).toEqual({ heldBy: pid });
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(pid));
  });

  it('is taken over from a process that is gone, or from an unreadable lock file', async () => {
    await writeFile(`${file}.lock`, `${await exitedProcessPid()}\n`);
    const fromCrashed = await ProcessLock.acquire(file);
    expect(fromCrashed).toBeInstanceOf(ProcessLock);
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await (fromCrashed as ProcessLock).release();

    await writeFile(`${file}.lock`, 'not a pid');
    const fromGarbage = await ProcessLock.acquire(file);
    expect(fromGarbage).toBeInstanceOf(ProcessLock);
    await (fromGarbage as ProcessLock).release();
  });

  it('goes with the process that held it when it exits without releasing', async () => {
    const module = new URL('../../native-host/src/files/process-lock.ts', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { ProcessLock } = await import(${JSON.stringify(module)}); const lock = await ProcessLock.acquire(${JSON.stringify(file)}); if (!(lock instanceof ProcessLock)) process.exit(3); process.stdout.write('held'); process.exit(0);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(said).toBe('held');
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is shared within the process: the file goes only with the last release', async () => {
    const first = (await ProcessLock.acquire(file)) as ProcessLock;
    const second = (await ProcessLock.acquire(file)) as ProcessLock;
    await first.release();
    await first.release();
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await second.release();
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the daily-volume ledger and its lock', () => {
  it('will not open a ledger another live process keeps: LEDGER_IN_USE naming that process', async () => {
    const pid = liveProcessPid();
    await writeFile(`${file}.lock`, `${pid}\n`);
    await expect(DailyVolumeLedger.open(file)).rejects.toMatchObject({ code: 'LEDGER_IN_USE', detail: expect.stringContaining(String(pid)) });
  });

  it('lets the next process keep it once closed', async () => {
    const ledger = await DailyVolumeLedger.open(file);
    await ledger.reserve(20, 5000, Date.parse('2026-11-25T12:00:00Z'));
    await ledger.close();
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
