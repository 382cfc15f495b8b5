/**
 * A consistent view of one rotated file series (`audit.log`, `audit.log.1`, …) for readers while the
 * writer keeps rotating: every file opened once, newest first, each known by an identity that
 * survives renames. Rotation renames files, so a name says nothing lasting; the first bytes of a file
 * never change once written (files are append-only) and start with a time and a random request id,
 * so they name the file wherever rotation moves it.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listAuditFiles, orWhenMissing } from './audit-files';

/** Bytes of a file's start that identify it. */
const IDENTITY_BYTES = 256;
/** Opening the series again when rotation moved a file meanwhile; rotation is rare (every 10 MiB). */
const OPEN_ATTEMPTS = 5;

export interface OpenAuditFile {
  handle: FileHandle;
  /** Bytes present when the series was opened; later appends are not read. */
  size: number;
  /** Hash of the first `identityBytes` bytes; empty for an empty file. */
  identity: string;
  identityBytes: number;
}

export interface AuditFileSeries {
  /** Newest first. */
  files: OpenAuditFile[];
  close: () => Promise<void>;
}

export async function openAuditFileSeries(directory: string, fileName: string): Promise<AuditFileSeries> {
  for (let attempt = 1; ; attempt++) {
    const names = (await listAuditFiles(directory, fileName)).reverse().map((file) => file.name);
    const opened = await openEach(directory, names);
    const series = { files: opened.map(({ file }) => file), close: () => closeAll(opened.map(({ file }) => file)) };
    if (attempt === OPEN_ATTEMPTS || (await stillInPlace(directory, fileName, names, opened))) return series;
    await series.close();
  }
}

/** The identity of a file's first `bytes` bytes (at most IDENTITY_BYTES, at most the file's size). */
export async function fileIdentity(handle: FileHandle, size: number): Promise<{ identity: string; identityBytes: number }> {
  const identityBytes = Math.min(IDENTITY_BYTES, size);
  const buffer = Buffer.alloc(identityBytes);
  await handle.read(buffer, 0, identityBytes, 0);
  return { identity: createHash('sha256').update(buffer).digest('hex').slice(0, 24), identityBytes };
}

interface Opened {
  name: string;
  ino: number;
  file: OpenAuditFile;
}

async function openEach(directory: string, names: readonly string[]): Promise<Opened[]> {
  const opened: Opened[] = [];
  for (const name of names) {
    // Rotation may remove the oldest file between listing and opening it.
    const handle = await orWhenMissing(open(join(directory, name), 'r'), null);
    if (handle === null) continue;
    const { ino, size } = await handle.stat();
    opened.push({ name, ino, file: { handle, size, ...(await fileIdentity(handle, size)) } });
  }
  return opened;
}

/** True when every name still names the file opened under it and no file was added or missed. */
async function stillInPlace(directory: string, fileName: string, names: readonly string[], opened: readonly Opened[]): Promise<boolean> {
  if (new Set(opened.map((file) => file.ino)).size !== opened.length) return false;
  const now = (await listAuditFiles(directory, fileName)).reverse().map((file) => file.name);
  if (now.join('\n') !== names.join('\n') || opened.length !== names.length) return false;
  for (const file of opened) {
    const current = await orWhenMissing(stat(join(directory, file.name)), null);
    if (current?.ino !== file.ino) return false;
  }
  return true;
}

async function closeAll(files: readonly OpenAuditFile[]): Promise<void> {
  await Promise.all(files.map((file) => file.handle.close()));
}
