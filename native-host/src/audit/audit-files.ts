/**
 * How audit files are named: the file being written (`audit.log`, generation 0) and its rotated
 * predecessors (`audit.log.1` is the most recent, higher numbers are older).
 */
import { readdir } from 'node:fs/promises';

export const DEFAULT_AUDIT_FILE_NAME = 'audit.log';

export interface AuditFile {
  name: string;
  generation: number;
}

export function rotatedAuditFileName(fileName: string, generation: number): string {
  return generation === 0 ? fileName : `${fileName}.${generation}`;
}

export function auditFileGeneration(name: string, fileName: string): number | null {
  if (name === fileName) return 0;
  if (!name.startsWith(`${fileName}.`)) return null;
  const suffix = name.slice(fileName.length + 1);
  return /^[1-9][0-9]{0,8}$/.test(suffix) ? Number(suffix) : null;
}

/** Oldest first; empty when the directory does not exist yet. */
export async function listAuditFiles(directory: string, fileName: string): Promise<AuditFile[]> {
  const names = await orWhenMissing(readdir(directory), []);
  return names
    .flatMap((name) => {
      const generation = auditFileGeneration(name, fileName);
      return generation === null ? [] : [{ name, generation }];
    })
    .sort((a, b) => b.generation - a.generation);
}

/** The fallback for a path that does not exist: rotation, or the user, may remove files at any time. */
export async function orWhenMissing<T>(pending: Promise<T>, fallback: T): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return fallback;
    throw error;
  }
}
