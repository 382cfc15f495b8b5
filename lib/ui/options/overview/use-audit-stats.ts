import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AuditStatsResult } from '../../../../shared/audit-messages';
import type { ErrorBody } from '../../../../shared/errors';
import { callHost, errorOf } from '../../background-call';
import { type StatsWindow, statsParams } from './overview-series';

/** How often open charts and usage counts are refreshed (only while the page is visible). */
export const STATS_REFRESH_MS = 30_000;

/**
 * The host's `audit.stats` for a window ending now, refreshed while the page is open. `stats` stays
 * on screen while a refresh runs, so charts do not blink; a window change replaces it.
 */
export function useAuditStats(window: StatsWindow): { stats: AuditStatsResult | null; error: ErrorBody | null; reload: () => void } {
  const [stats, setStats] = useState<AuditStatsResult | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  // Only the latest request's reply is shown: a slow reply for the previous window must not land.
  const latest = useRef(0);
  const reload = useCallback(() => {
    const request = ++latest.current;
    callHost('audit.stats', statsParams(window, Date.now())).then(
      (result) => {
        if (request !== latest.current) return;
        setStats(result);
        setError(null);
      },
      (caught) => request === latest.current && setError(errorOf(caught)),
    );
  }, [window]);
  useEffect(() => {
    setStats(null);
    reload();
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), STATS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return { stats, error, reload };
}
