/**
 * The Activity view's filter form and the `audit.query` it asks for. Pure: the clock comes in as an
 * argument, so a range like "last 24 hours" is fixed when the filters are applied and every page of
 * the same listing (cursor paging) is asked with exactly the same fields.
 */
import type { AuditDecision, AuditQueryParams } from '../../../../shared/audit-messages';

export const TIME_RANGES = [
  { id: 'hour', label: 'Last hour', spanMs: 3_600_000 },
  { id: 'day', label: 'Last 24 hours', spanMs: 86_400_000 },
  { id: 'week', label: 'Last 7 days', spanMs: 7 * 86_400_000 },
  { id: 'month', label: 'Last 30 days', spanMs: 30 * 86_400_000 },
  { id: 'all', label: 'All time', spanMs: null },
  { id: 'custom', label: 'Between…', spanMs: null },
] as const;

export type TimeRangeId = (typeof TIME_RANGES)[number]['id'];

/** The agent choice that reads the separate file of requests refused before any agent was known. */
export const UNAUTHENTICATED = '(unauthenticated)';

export interface ActivityFilters {
  range: TimeRangeId;
  /** `datetime-local` values (the user's time zone), used when `range` is "custom". */
  from: string;
  to: string;
  /** An agent record id, a grant identity (`site:…`, `extension:…`), UNAUTHENTICATED or '' for any. */
  agent: string;
  service: string;
  decision: AuditDecision | '';
  /** A catalogue code, meaningful with a refusal or failure. */
  code: string;
  /** An HTTP status as typed; ignored unless it is a whole number. */
  status: string;
  /** Text the path contains (case-sensitive, as the host matches it). */
  text: string;
}

export const NO_FILTERS: ActivityFilters = { range: 'all', from: '', to: '', agent: '', service: '', decision: '', code: '', status: '', text: '' };

/** What the user sees for each decision: the log's words are the host's, not a person's. */
export const DECISION_LABELS: Record<AuditDecision, string> = { allowed: 'Forwarded', blocked: 'Refused', error: 'Failed' };

function localTime(value: string): number | undefined {
  if (value === '') return undefined;
  const time = new Date(value).getTime();
  return Number.isFinite(time) && time >= 0 ? time : undefined;
}

function timeBounds(filters: ActivityFilters, now: number): Pick<AuditQueryParams, 'since' | 'until'> {
  if (filters.range === 'custom') {
    const since = localTime(filters.from);
    // A `datetime-local` value names a minute; "until 14:05" includes the whole of 14:05.
    const toMinute = localTime(filters.to);
    const until = toMinute === undefined ? undefined : toMinute + 59_999;
    return { ...(since !== undefined && { since }), ...(until !== undefined && { until }) };
  }
  const span = TIME_RANGES.find((range) => range.id === filters.range)?.spanMs ?? null;
  return span === null ? {} : { since: Math.max(0, now - span) };
}

/** The host's query for these filters; fields left empty are left out, as the host's schema wants. */
export function auditQueryParams(filters: ActivityFilters, now: number): AuditQueryParams {
  const params: AuditQueryParams = timeBounds(filters, now);
  if (filters.agent === UNAUTHENTICATED) params.source = 'unauthenticated';
  else if (filters.agent !== '') params.agent = filters.agent;
  if (filters.service !== '') params.service = filters.service;
  if (filters.decision !== '') params.decision = filters.decision;
  if (filters.code !== '' && filters.decision !== 'allowed') params.code = filters.code;
  const status = filters.status.trim();
  if (/^\d{3}$/.test(status)) params.status = Number(status);
  const text = filters.text.trim();
  if (text !== '') params.text = text;
  return params;
}

/** Whether any filter narrows the listing (the empty state then says so, and offers to clear them). */
export function narrowsListing(filters: ActivityFilters): boolean {
  return (Object.keys(NO_FILTERS) as Array<keyof ActivityFilters>).some((field) => filters[field] !== NO_FILTERS[field]);
}
