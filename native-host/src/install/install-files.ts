/**
 * Disk operations on the files Keygate installs: manifests and the wrapper are written whole or not
 * at all, read back without trusting their JSON, and removed only when they are plain files.
 */
import { promises as fs } from 'node:fs';
import { parseJsonSafely } from '../../../shared/protocol';

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
