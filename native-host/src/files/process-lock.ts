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
/** Creating, finding it just released, removing a stale one: a few rounds, then the caller waits. */
const ACQUIRE_ATTEMPTS = 4;

/** Lock files this process holds, with how many holders each has. */
const heldHere = new Map<string, number>();

/** The pid in a lock file; 'absent' when there is none, null when it holds no readable pid. */
async function holderOf(lockPath: string): Promise<number | null | 'absent'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 'absent';
    text = '';
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function heldByAnother(holder: number | null | 'absent'): holder is number {
  return typeof holder === 'number' && holder !== process.pid && isRunning(holder);
}

/**
 * Removes a lock left by a process that is gone. Only the holder of `<lock>.takeover` may remove
 * another process's lock, and it checks again while holding it: a lock file is otherwise removed
 * only by its owner and created only where none exists, so the one judged stale cannot be swapped for
 * a live one before it is removed (two processes judging the same stale lock could otherwise each
 * remove it, the second one removing the first one's fresh lock, and both would edit at once).
 */
async function removeStaleLock(lockPath: string): Promise<void> {
  const takeoverPath = `${lockPath}.takeover`;
  if (!(await createExclusively(takeoverPath))) {
    // A takeover in progress; or one whose process died mid-way, which is itself stale.
    const taker = await holderOf(takeoverPath);
    if (!heldByAnother(taker) && taker !== 'absent') await unlink(takeoverPath).catch(() => undefined);
    return;
  }
  try {
    const holder = await holderOf(lockPath);
    if (holder !== 'absent' && !heldByAnother(holder) && holder !== process.pid) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(takeoverPath).catch(() => undefined);
  }
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
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
      if (await createExclusively(lockPath)) {
        heldHere.set(lockPath, 1);
        removeHeldLocksOnExit();
        return new ProcessLock(lockPath);
      }
      const holder = await holderOf(lockPath);
      if (heldByAnother(holder)) return { heldBy: holder };
      // Released just now (try again), or left by a process that is gone, or unreadable: take it over.
      if (holder !== 'absent') await removeStaleLock(lockPath);
    }
    const holder = await holderOf(lockPath);
    return { heldBy: typeof holder === 'number' ? holder : 0 };
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
