/**
 * One process at a time for a file: held for a process's life by the Binance daily-volume ledger
 * (two processes each writing their own total would undercount the day), and for one read-edit-write
 * by the headless vault file (two editors would each write back the file without the other's change).
 * The lock is a file beside it, `<file>.lock`, holding the owner's pid. A lock whose process is gone
 * (a crash, kill -9) is taken over; one held by a live process is refused. Within the owning process
 * the lock is shared; the last release, or the process's exit, removes it.
 */
import { unlinkSync } from 'node:fs';
import { link, readFile, unlink } from 'node:fs/promises';
import { writeTempBeside } from './durable-write';
import { isRunning } from './process-alive';

const LOCK_FILE_MODE = 0o600;

/** Lock files this process holds, with how many holders each has. */
const heldHere = new Map<string, number>();

async function holderOf(lockPath: string): Promise<number | null> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * The pid is written to a temp file first and linked into place, so a lock file never exists empty:
 * another process reading one mid-creation would take it for a crashed holder's and remove it.
 */
async function createExclusively(lockPath: string): Promise<boolean> {
  const temp = await writeTempBeside(lockPath, `${process.pid}\n`, LOCK_FILE_MODE);
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

let removingOnExit = false;

/** One exit handler for every lock still held when the process ends (a crash leaves them stale). */
function removeHeldLocksOnExit(): void {
  if (removingOnExit) return;
  removingOnExit = true;
  process.once('exit', () => {
    for (const lockPath of heldHere.keys()) {
      try {
        unlinkSync(lockPath);
      } catch {
        // Gone already; nothing to release.
      }
    }
  });
}

export class ProcessLock {
  private released = false;

  private constructor(readonly lockPath: string) {}

  /** The lock for `path`, or the pid of the live process that holds it. */
  static async acquire(path: string): Promise<ProcessLock | { heldBy: number }> {
    const lockPath = `${path}.lock`;
    const holders = heldHere.get(lockPath);
    if (holders !== undefined) {
      heldHere.set(lockPath, holders + 1);
      return new ProcessLock(lockPath);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await createExclusively(lockPath)) {
        heldHere.set(lockPath, 1);
        removeHeldLocksOnExit();
        return new ProcessLock(lockPath);
      }
      const holder = await holderOf(lockPath);
      if (holder !== null && holder !== process.pid && isRunning(holder)) return { heldBy: holder };
      // Left by a process that is gone (or unreadable): take it over, unless someone just did.
      if ((await holderOf(lockPath)) === holder) await unlink(lockPath).catch(() => undefined);
    }
    return { heldBy: (await holderOf(lockPath)) ?? 0 };
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const holders = (heldHere.get(this.lockPath) ?? 1) - 1;
    if (holders > 0) return void heldHere.set(this.lockPath, holders);
    heldHere.delete(this.lockPath);
    await unlink(this.lockPath).catch(() => undefined);
  }
}
