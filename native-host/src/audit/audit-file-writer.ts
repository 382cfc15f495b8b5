/**
 * One rotated JSON-lines file. `appendLine` is called on the request path, so it only queues a line;
 * one write carries everything queued within a short window (the first line waits at most
 * BATCH_WINDOW_MS). Writing each request's line alone cost a sequential agent more than the rest of
 * the proxy did. The file stays open between batches, its size tracked here; one stat per batch
 * checks that the path still names it (a file removed or replaced behind the writer is reopened, or
 * its failure reported), instead of opening and closing it for every batch. A failing disk is reported once and never reaches the proxy: an agent's request
 * must not fail because its audit line could not be written.
 */
import { chmod, type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { orWhenMissing } from './audit-files';
import { planAuditChunks, rotateAuditFiles } from './audit-rotation';

export interface AuditFileSettings {
  directory: string;
  fileName: string;
  maxFileBytes: number;
  /** Rotated files kept beside the current one. */
  keepFiles: number;
  /** Create the file empty at open, rather than with its first line. */
  createAtOpen: boolean;
  log: (line: string) => void;
}

/** How long the first queued line waits for others to share its write. */
const BATCH_WINDOW_MS = 20;

/** Audit lines name agents, services and endpoints: only the user may read them. */
const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

export class AuditFileWriter {
  readonly path: string;
  private pending: string[] = [];
  private draining: Promise<void> | null = null;
  /** Lines lost since the first unreported failure; null while writes succeed. */
  private droppedSinceFailure: number | null = null;
  /** The file being appended to, while it is the one at `path`. */
  private file: { handle: FileHandle; ino: number; size: number } | null = null;

  private constructor(private readonly settings: AuditFileSettings) {
    this.path = join(settings.directory, settings.fileName);
  }

  static async open(settings: AuditFileSettings): Promise<AuditFileWriter> {
    if (!Number.isSafeInteger(settings.maxFileBytes) || settings.maxFileBytes < 1) {
      throw new RangeError('maxFileBytes must be a positive integer');
    }
    if (!Number.isSafeInteger(settings.keepFiles) || settings.keepFiles < 0) {
      throw new RangeError('keepFiles must be a non-negative integer');
    }
    await mkdir(settings.directory, { recursive: true, mode: DIRECTORY_MODE });
    const writer = new AuditFileWriter(settings);
    if (settings.createAtOpen) await createPrivateFile(writer.path);
    else await orWhenMissing(tightenFileMode(writer.path), undefined);
    return writer;
  }

  /** `line` ends with a newline. */
  appendLine(line: string): void {
    this.pending.push(line);
    this.draining ??= this.drainPending();
  }

  /** Resolves once every line appended so far has been handed to the file system. */
  flush(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /** Writes what is queued and closes the file; a later line opens it again. */
  async close(): Promise<void> {
    await this.flush();
    await this.closeFile();
  }

  noteFailure(error: unknown, dropped: number): void {
    if (this.droppedSinceFailure === null) {
      this.droppedSinceFailure = 0;
      this.report(`keygate-host: audit records are being dropped (${this.path}): ${describeError(error)}`);
    }
    this.droppedSinceFailure += dropped;
  }

  /** Lines queued while a batch was being written wait for the next window too, not for nothing. */
  private async drainPending(): Promise<void> {
    while (this.pending.length > 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS));
      const batch = this.pending;
      this.pending = [];
      await this.writeBatch(batch);
    }
    this.draining = null;
  }

  private async writeBatch(lines: string[]): Promise<void> {
    const { directory, fileName, maxFileBytes, keepFiles } = this.settings;
    let written = 0;
    try {
      let file = await this.currentFile();
      for (const chunk of planAuditChunks(file.size, lines, maxFileBytes)) {
        if (chunk.rotateFirst) {
          await this.closeFile();
          await rotateAuditFiles(directory, fileName, keepFiles);
          file = await this.currentFile();
        }
        await file.handle.appendFile(chunk.text);
        file.size += Buffer.byteLength(chunk.text);
        written += chunk.lineCount;
      }
      this.noteRecovery();
    } catch (error) {
      await this.closeFile();
      this.noteFailure(error, lines.length - written);
    }
  }

  /** The open file, if the path still names it; else the file at the path, opened (created 0600) now. */
  private async currentFile(): Promise<{ handle: FileHandle; ino: number; size: number }> {
    if (this.file !== null) {
      const atPath = await orWhenMissing(stat(this.path), null);
      if (atPath?.ino === this.file.ino) return this.file;
      await this.closeFile();
    }
    const handle = await open(this.path, 'a', FILE_MODE);
    try {
      const { ino, size } = await handle.stat();
      this.file = { handle, ino, size };
      return this.file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.handle.close().catch(() => undefined);
  }

  private noteRecovery(): void {
    if (this.droppedSinceFailure === null) return;
    this.report(`keygate-host: audit log writing again; ${this.droppedSinceFailure} records were lost`);
    this.droppedSinceFailure = null;
  }

  /** A throwing logger must not break `append`'s promise never to throw, nor stall the write queue. */
  private report(line: string): void {
    try {
      this.settings.log(line);
    } catch {
      // Nowhere left to report to; the audit log itself is what failed.
    }
  }
}

/** Creates the file 0600, and tightens one an older build or the user left readable to others. */
async function createPrivateFile(path: string): Promise<void> {
  const handle = await open(path, 'a', FILE_MODE);
  try {
    const { mode } = await handle.stat();
    if ((mode & 0o077) !== 0) await handle.chmod(FILE_MODE);
  } finally {
    await handle.close();
  }
}

async function tightenFileMode(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) await chmod(path, FILE_MODE);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : inspect(error);
  return code === undefined ? message : `${code}: ${message}`;
}
