/**
 * Crash-safe file replacement, shared by everything the host persists (vault file, Binance ledger,
 * browser manifests): write a uniquely named temp file beside the target, flush it, rename it over
 * the target, then flush the directory so the rename itself survives a power cut. A reader sees the
 * old file or the new one, never a torn one; two writers never share a temp file.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isRunning } from './process-alive';

function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/**
 * Removes temp files a crashed writer left beside `path`. The writer's pid is in the name, so a
 * temp file of a process that is still writing (another Keygate) is left alone.
 */
export async function removeLeftoverTemps(path: string): Promise<void> {
  const prefix = tempPrefix(path);
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    const pid = Number(name.startsWith(prefix) && name.endsWith('.tmp') ? name.slice(prefix.length).split('.')[0] : NaN);
    if (Number.isSafeInteger(pid) && pid > 0 && !isRunning(pid)) await unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

/** Writes `text` to a fresh temp file beside `path` (mode exactly `mode`) and syncs it. */
export async function writeTempBeside(path: string, text: string, mode: number): Promise<string> {
  const temp = join(dirname(path), `${tempPrefix(path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' refuses anything already there, a planted symlink included.
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have taken bits from open's mode; make it exact
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/** Flushes a directory entry change (rename, link) to disk; Windows journals renames itself. */
export async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces (or creates) `path` with `text` atomically and durably. */
export async function replaceFileDurably(path: string, text: string, mode: number): Promise<void> {
  const temp = await writeTempBeside(path, text, mode);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}
