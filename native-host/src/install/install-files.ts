/**
 * Disk operations on the files Keygate installs: manifests and the wrapper are written whole or not
 * at all, read back without trusting their JSON, and removed only when they are plain files.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { parseJsonSafely } from '../../../shared/protocol';

/** Temp file + rename, so a browser never reads a half-written manifest or wrapper. */
export async function writeFileAtomically(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, text, { mode, flag: 'wx' });
    await fs.chmod(temp, mode); // the umask may have cleared bits the browser needs
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Unlinks a file (or symlink) Keygate wrote; never a directory, whatever it holds. */
export async function removeOwnFile(path: string): Promise<'removed' | 'absent' | 'not a file'> {
  const stats = await fs.lstat(path).catch(() => null);
  if (stats === null) return 'absent';
  if (stats.isDirectory()) return 'not a file';
  await fs.unlink(path);
  return 'removed';
}

export async function readManifestFile(path: string): Promise<unknown> {
  return parseJsonSafely(await fs.readFile(path, 'utf8'));
}
