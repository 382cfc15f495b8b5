/**
 * The records of a file series that match a filter, newest first, across files: the one walk that
 * `audit.query` (a page) and `audit.stats` (a window) share. Lines newer than the window are skipped
 * on their raw time; the walk ends at the first line proving every older one is before the window.
 */
import type { AuditRecord } from '../../../shared/audit-messages';
import type { OpenAuditFile } from './audit-file-series';
import { type AuditFilter, endedBefore } from './audit-filter';
import { type LineVerdict, type LineVisit, lineTime, scanLinesBackwards } from './audit-line-scan';
import { parseAuditLine } from './audit-record';

export interface MatchedRecord {
  record: AuditRecord;
  file: OpenAuditFile;
  /** Byte offset of the line in its file. */
  offset: number;
  lineBytes: number;
}

/**
 * Visits matches in `files` (newest first), starting at byte `start.end` of `files[start.index]`.
 * Resolves to 'stop' when `onMatch` stopped, else 'continue' (every file read, or the window ended).
 */
export async function scanMatchingRecords(
  files: readonly OpenAuditFile[],
  start: { index: number; end: number },
  filter: AuditFilter,
  onMatch: (match: MatchedRecord) => LineVerdict,
): Promise<LineVerdict> {
  for (let index = start.index; index < files.length; index++) {
    const file = files[index]!;
    let windowEnded = false;
    const visit = (line: LineVisit): LineVerdict => {
      const time = lineTime(line.bytes);
      // Newer than the window: no need to parse it.
      if (time !== null && filter.untilIso !== null && time > filter.untilIso) return 'continue';
      const record = parseAuditLine(line.bytes.toString('utf8'));
      if (record === null) return 'continue';
      if (filter.matches(record)) return onMatch({ record, file, offset: line.offset, lineBytes: line.bytes.length });
      windowEnded = provesWindowEnded(record, filter);
      return windowEnded ? 'stop' : 'continue';
    };
    const afterBlock = (oldest: LineVisit): LineVerdict => {
      windowEnded = filter.since !== null && (lineTime(oldest.bytes) ?? '') < (filter.sinceIso ?? '') && provesWindowEnded(parseAuditLine(oldest.bytes.toString('utf8')), filter);
      return windowEnded ? 'stop' : 'continue';
    };
    const end = index === start.index ? start.end : file.size;
    const verdict = await scanLinesBackwards(file.handle, end, { needles: filter.needles, visit, afterBlock });
    if (windowEnded) return 'continue';
    if (verdict === 'stop') return 'stop';
  }
  return 'continue';
}

function provesWindowEnded(record: AuditRecord | null, filter: AuditFilter): boolean {
  return record !== null && filter.since !== null && endedBefore(record, filter.since);
}
