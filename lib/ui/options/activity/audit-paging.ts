/**
 * Walking the host's cursor-paged `audit.query`: every page of a listing (export), and the lines
 * written since the newest one shown (the live view). Pure over a `fetchPage` function, so the rules
 * (no line twice, none skipped when many arrive at once) are tested without a browser.
 */
import { type AuditQueryParams, type AuditQueryResult, type AuditRecord, MAX_AUDIT_PAGE_LINES } from '../../../../shared/audit-messages';

export type FetchAuditPage = (params: AuditQueryParams) => Promise<AuditQueryResult>;

/** Every line the query matches, newest first, one page after another until the host says none is left. */
export async function readAllPages(
  fetchPage: FetchAuditPage,
  params: AuditQueryParams,
  onProgress: (linesSoFar: number) => void = () => {},
  cancelled: () => boolean = () => false,
): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await fetchPage({ ...params, limit: MAX_AUDIT_PAGE_LINES, ...(cursor && { cursor }) });
    records.push(...page.records);
    onProgress(records.length);
    cursor = page.cursor;
  } while (cursor !== null && !cancelled());
  return records;
}

/**
 * The lines written since `newest` (the newest line on screen), newest first. The host's `since` is
 * inclusive and lines share milliseconds, so lines already shown come back and are dropped by id; when
 * more arrived than one page holds, it keeps paging down to the lines already shown.
 */
export async function linesSince(fetchPage: FetchAuditPage, params: AuditQueryParams, newest: AuditRecord, shownIds: ReadonlySet<string>): Promise<AuditRecord[]> {
  const since = Math.max(params.since ?? 0, Date.parse(newest.time));
  const fresh: AuditRecord[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await fetchPage({ ...params, since, limit: MAX_AUDIT_PAGE_LINES, ...(cursor && { cursor }) });
    fresh.push(...page.records.filter((record) => !shownIds.has(record.requestId)));
    cursor = page.cursor;
  } while (cursor !== null);
  return fresh;
}
