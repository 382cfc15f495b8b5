/**
 * Size-based rotation. The planning is pure (sizes and names in, steps out); `rotateAuditFiles`
 * is the only part that touches the disk.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditFile, listAuditFiles, rotatedAuditFileName } from './audit-files';

export interface AuditChunk {
  /** Rotate before writing this chunk, because the current file has no room for it. */
  rotateFirst: boolean;
  text: string;
  lineCount: number;
}

/**
 * Splits queued lines into writes so no file grows past `maxFileBytes`. A lone line larger than
 * the limit gets a fresh file to itself rather than being dropped: losing an audit line is worse.
 */
export function planAuditChunks(fileBytes: number, lines: readonly string[], maxFileBytes: number): AuditChunk[] {
  const chunks: AuditChunk[] = [];
  let size = fileBytes;
  let chunk: AuditChunk = { rotateFirst: false, text: '', lineCount: 0 };
  for (const line of lines) {
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxFileBytes) {
      if (chunk.lineCount > 0) chunks.push(chunk);
      chunk = { rotateFirst: true, text: '', lineCount: 0 };
      size = 0;
    }
    chunk.text += line;
    chunk.lineCount += 1;
    size += bytes;
  }
  if (chunk.lineCount > 0) chunks.push(chunk);
  return chunks;
}

export interface RotationPlan {
  remove: string[];
  /** In order: the oldest kept file moves first so no rename overwrites a file still to be moved. */
  renames: Array<{ from: string; to: string }>;
}

/**
 * Shifts every file up one generation and drops what would pass `keepFiles`, including leftovers
 * from a run with a larger `keepFiles`. With `keepFiles` 0 the current file is simply removed.
 */
export function planRotation(files: readonly AuditFile[], fileName: string, keepFiles: number): RotationPlan {
  const remove = files.filter((file) => file.generation >= keepFiles).map((file) => file.name);
  const renames = files
    .filter((file) => file.generation < keepFiles)
    .sort((a, b) => b.generation - a.generation)
    .map((file) => ({ from: file.name, to: rotatedAuditFileName(fileName, file.generation + 1) }));
  return { remove, renames };
}

export async function rotateAuditFiles(directory: string, fileName: string, keepFiles: number): Promise<void> {
  const plan = planRotation(await listAuditFiles(directory, fileName), fileName, keepFiles);
  for (const name of plan.remove) await unlink(join(directory, name));
  for (const { from, to } of plan.renames) await rename(join(directory, from), join(directory, to));
}
