/**
 * The lines the Activity table shows: the first page for the filters, older pages on demand, and
 * while the page is open and visible, the lines written since the newest shown, put on top. New
 * filters start a new listing; replies to an older listing are dropped.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AuditQueryParams, AuditRecord } from '../../../../shared/audit-messages';
import type { ErrorBody } from '../../../../shared/errors';
import { callHost, errorOf } from '../../background-call';
import { linesSince } from './audit-paging';

export const LIVE_POLL_MS = 2500;
const FIRST_PAGE_LINES = 50;

const fetchPage = (params: AuditQueryParams) => callHost('audit.query', params);

export interface ActivityFeed {
  records: AuditRecord[] | null;
  /** Null when no older line is left. */
  cursor: string | null;
  loadingOlder: boolean;
  error: ErrorBody | null;
  loadOlder: () => void;
  /** Starts the listing again after an error. */
  retry: () => void;
  /** Lines that arrived through the live view since the listing started (marked in the table). */
  freshIds: ReadonlySet<string>;
}

export function useActivityFeed(params: AuditQueryParams): ActivityFeed {
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [freshIds, setFreshIds] = useState<ReadonlySet<string>>(new Set());
  // The listing a reply belongs to: a reply for older filters must not land in the new listing.
  const listing = useRef(0);
  const shown = useRef<AuditRecord[] | null>(null);
  const polling = useRef(false);
  const [attempt, setAttempt] = useState(0);

  const show = (next: AuditRecord[] | null) => {
    shown.current = next;
    setRecords(next);
  };

  useEffect(() => {
    const current = ++listing.current;
    show(null);
    setCursor(null);
    setError(null);
    setFreshIds(new Set());
    fetchPage({ ...params, limit: FIRST_PAGE_LINES })
      .then((page) => {
        if (current !== listing.current) return;
        show(page.records);
        setCursor(page.cursor);
      })
      .catch((caught) => current === listing.current && setError(errorOf(caught)));
  }, [params, attempt]);

  useEffect(() => {
    const poll = async () => {
      // A listing still loading (or that failed to) is not polled; a hidden tab is not either.
      const before = shown.current;
      if (before === null || polling.current || document.visibilityState !== 'visible') return;
      const current = listing.current;
      polling.current = true;
      try {
        const newest = before[0];
        let fresh: AuditRecord[];
        if (newest === undefined) {
          const page = await fetchPage({ ...params, limit: FIRST_PAGE_LINES });
          fresh = page.records;
          if (current === listing.current) setCursor(page.cursor);
        } else {
          fresh = await linesSince(fetchPage, params, newest, new Set(before.map((record) => record.requestId)));
        }
        if (current !== listing.current || fresh.length === 0) return;
        show([...fresh, ...(shown.current ?? [])]);
        setFreshIds((ids) => new Set([...ids, ...fresh.map((record) => record.requestId)]));
        setError(null);
      } catch (caught) {
        if (current === listing.current) setError(errorOf(caught));
      } finally {
        polling.current = false;
      }
    };
    const timer = setInterval(() => void poll(), LIVE_POLL_MS);
    return () => clearInterval(timer);
  }, [params]);

  const loadOlder = useCallback(() => {
    if (cursor === null || loadingOlder) return;
    const current = listing.current;
    setLoadingOlder(true);
    fetchPage({ ...params, limit: FIRST_PAGE_LINES, cursor })
      .then((page) => {
        if (current !== listing.current) return;
        show([...(shown.current ?? []), ...page.records]);
        setCursor(page.cursor);
      })
      .catch((caught) => current === listing.current && setError(errorOf(caught)))
      .finally(() => setLoadingOlder(false));
  }, [params, cursor, loadingOlder]);

  const retry = useCallback(() => setAttempt((count) => count + 1), []);
  return { records, cursor, loadingOlder, error, loadOlder, retry, freshIds };
}
