/**
 * The audit log: one line per request in `audit.log`, rotated by size. Requests refused before an
 * agent is known (no or bad key, Host/Origin, malformed HTTP, non-canonical path) go to their own
 * smaller file instead, sampled and counted per minute (see unauthenticated-refusals.ts), so that no
 * amount of them can push what agents did out of the rotated files. `append` never throws and never
 * waits for the disk.
 */
import { DEFAULT_AUDIT_FILE_NAME } from './audit-files';
import { AuditFileWriter } from './audit-file-writer';
import { type AuditRecord, formatAuditLine } from './audit-record';
import { DEFAULT_REFUSAL_SAMPLING, UnauthenticatedRefusalSampler } from './unauthenticated-refusals';

export interface AuditLogOptions {
  directory: string;
  /** Default `audit.log`. */
  fileName?: string;
  /** Default 10 MiB. */
  maxFileBytes?: number;
  /** Rotated files kept beside the current one; default 5. */
  keepFiles?: number;
  /** The file of refusals made before an agent was known; defaults below. */
  unauthenticated?: Partial<UnauthenticatedFileOptions>;
  /** Goes to stderr in production; the native host's stdout carries frames only. */
  log?: (line: string) => void;
  /** Wall clock for the per-minute counts. */
  now?: () => number;
}

export interface UnauthenticatedFileOptions {
  fileName: string;
  maxFileBytes: number;
  keepFiles: number;
  /** Lines written in full per minute and reason; the rest are counted. */
  samplesPerMinute: number;
}

export const DEFAULT_AUDIT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_AUDIT_KEEP_FILES = 5;
export const UNAUTHENTICATED_AUDIT_FILE_NAME = 'audit-unauthenticated.log';
const DEFAULT_UNAUTHENTICATED: UnauthenticatedFileOptions = {
  fileName: UNAUTHENTICATED_AUDIT_FILE_NAME,
  maxFileBytes: 1024 * 1024,
  keepFiles: 1,
  samplesPerMinute: DEFAULT_REFUSAL_SAMPLING.samplesPerMinute,
};

export class AuditLog {
  readonly path: string;
  readonly unauthenticatedPath: string;
  private closed = false;
  private countTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly agents: AuditFileWriter,
    private readonly unauthenticated: AuditFileWriter,
    private readonly sampler: UnauthenticatedRefusalSampler,
    private readonly now: () => number,
  ) {
    this.path = agents.path;
    this.unauthenticatedPath = unauthenticated.path;
  }

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = options.log ?? ((line: string) => console.error(line));
    const { samplesPerMinute, ...unauthenticatedFile } = { ...DEFAULT_UNAUTHENTICATED, ...options.unauthenticated };
    const agents = await AuditFileWriter.open({
      directory: options.directory,
      fileName: options.fileName ?? DEFAULT_AUDIT_FILE_NAME,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_AUDIT_MAX_FILE_BYTES,
      keepFiles: options.keepFiles ?? DEFAULT_AUDIT_KEEP_FILES,
      createAtOpen: true,
      log,
    });
    const refusals = await AuditFileWriter.open({ directory: options.directory, ...unauthenticatedFile, createAtOpen: false, log });
    const sampler = new UnauthenticatedRefusalSampler({ ...DEFAULT_REFUSAL_SAMPLING, samplesPerMinute });
    return new AuditLog(agents, refusals, sampler, options.now ?? Date.now);
  }

  append(record: AuditRecord): void {
    if (this.closed) {
      this.agents.noteFailure(new Error('the audit log is closed'), 1);
      return;
    }
    try {
      if (record.agent === null) {
        this.writeUnauthenticated(this.sampler.admit(record, this.now()));
        this.scheduleCounts();
      } else {
        this.agents.appendLine(formatAuditLine(record));
      }
    } catch (error) {
      this.agents.noteFailure(error, 1);
    }
  }

  /** Resolves once every line appended so far has been handed to the file system. */
  async flush(): Promise<void> {
    await Promise.all([this.agents.flush(), this.unauthenticated.flush()]);
  }

  /** Writes the counts of the current minute too, so a restart loses none. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.countTimer !== null) clearTimeout(this.countTimer);
      this.writeUnauthenticated(this.sampler.drain());
    }
    await Promise.all([this.agents.close(), this.unauthenticated.close()]);
  }

  private writeUnauthenticated(records: AuditRecord[]): void {
    for (const record of records) this.unauthenticated.appendLine(formatAuditLine(record));
  }

  /** Counts of a quiet minute are written when it ends, not whenever the next refusal comes. */
  private scheduleCounts(): void {
    const dueAt = this.sampler.nextDueAt();
    if (dueAt === null || this.countTimer !== null) return;
    this.countTimer = setTimeout(() => {
      this.countTimer = null;
      this.writeUnauthenticated(this.sampler.due(this.now()));
      this.scheduleCounts();
    }, Math.max(0, dueAt - this.now()));
    this.countTimer.unref();
  }
}
