/**
 * `audit.query`: audit lines newest first, filtered, a page at a time across the rotated files.
 * The scan stops at a full page, at a reply of MAX_PAGE_BYTES, or at the first line that proves
 * every older one is before the window, so the first page of a 60 MB log costs milliseconds unless
 * the filter matches almost nothing.
 */
import { type AuditQueryParams, type AuditQueryResult, type AuditRecord, DEFAULT_AUDIT_PAGE_LINES } from '../../../shared/audit-messages';
import { type AuditCursor, decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { type AuditFileSeries, fileIdentity, type OpenAuditFile, openAuditFileSeries } from './audit-file-series';
import { type AuditFilter, compileAuditFilter } from './audit-filter';
import { scanMatchingRecords } from './audit-record-scan';

/** Chromium's limit on one native message is 1 MB; a page stays well under it before any chunking. */
export const MAX_PAGE_BYTES = 512 * 1024;

export async function queryAuditLog(directory: string, fileName: string, params: AuditQueryParams): Promise<AuditQueryResult> {
  const cursor = params.cursor === undefined ? null : decodeAuditCursor(params.cursor);
  const series = await openAuditFileSeries(directory, fileName);
  try {
    const start = cursor === null ? { index: 0, end: series.files[0]?.size ?? 0 } : await resumeAt(series, cursor);
    if (start === null) return { records: [], cursor: null };
    return await collectPage(series.files, start, compileAuditFilter(params), params.limit ?? DEFAULT_AUDIT_PAGE_LINES);
  } finally {
    await series.close();
  }
}

/** Where a cursor's file now is; null once rotation has dropped it (nothing older is left then). */
async function resumeAt(series: AuditFileSeries, cursor: AuditCursor): Promise<{ index: number; end: number } | null> {
  for (const [index, file] of series.files.entries()) {
    if (file.size < cursor.identityBytes || file.size < cursor.offset) continue;
    const { identity } = file.identityBytes === cursor.identityBytes ? file : await fileIdentity(file.handle, cursor.identityBytes);
    if (identity === cursor.identity) return { index, end: cursor.offset };
  }
  return null;
}

interface Page {
  records: AuditRecord[];
  bytes: number;
  full: boolean;
  /** The file and offset of the oldest line returned. */
  last: { file: OpenAuditFile; offset: number } | null;
}

async function collectPage(files: readonly OpenAuditFile[], start: { index: number; end: number }, filter: AuditFilter, limit: number): Promise<AuditQueryResult> {
  const page: Page = { records: [], bytes: 0, full: false, last: null };
  await scanMatchingRecords(files, start, filter, ({ record, file, offset, lineBytes }) => {
    page.records.push(record);
    page.bytes += lineBytes;
    page.last = { file, offset };
    page.full = page.records.length >= limit || page.bytes >= MAX_PAGE_BYTES;
    return page.full ? 'stop' : 'continue';
  });
  const { last } = page;
  const cursor = page.full && last !== null ? encodeAuditCursor({ identity: last.file.identity, identityBytes: last.file.identityBytes, offset: last.offset }) : null;
  return { records: page.records, cursor };
}
