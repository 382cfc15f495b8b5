/**
 * One process at a time for a file that holds state in memory as well as on disk (the Binance
 * daily-volume ledger: two processes each writing their own total would undercount the day). The
 * lock is a file beside it, `<file>.lock`, created exclusively and holding the owner's pid. A lock
 * whose process is gone (a crash, kill -9) is taken over; one held by a live process is refused.
 * Within the owning process the lock is shared; the last release, or the process's exit, removes it.
 */
import { unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';

const LOCK_FILE_MODE = 0o600;

/** Lock files this process holds, with how many holders each has. */
const heldHere = new Map<string, number>();

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

async function holderOf(lockPath: string): Promise<number | null> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

async function createExclusively(lockPath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', LOCK_FILE_MODE);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
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
