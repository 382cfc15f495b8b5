import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AuditStatsResult } from '../../../../shared/audit-messages';
import type { ErrorBody } from '../../../../shared/errors';
import { callHost, errorOf } from '../../background-call';
import { type StatsWindow, statsParams } from './overview-series';

/** How often open charts and usage counts are refreshed (only while the page is visible). */
export const STATS_REFRESH_MS = 30_000;

/**
 * The host's `audit.stats` for a window ending now, refreshed while the page is open. `stats` stays
 * on screen while a refresh runs, so charts do not blink; a window change replaces it at once (the
 * figures are kept with the window they count, and another window's are never shown, not even for
 * the one frame before a new request goes out).
 */
export function useAuditStats(window: StatsWindow): { stats: AuditStatsResult | null; error: ErrorBody | null; reload: () => void } {
  const [shown, setShown] = useState<{ window: StatsWindow; stats: AuditStatsResult | null; error: ErrorBody | null } | null>(null);
  // Only the latest request's reply is shown: a slow reply for the previous window must not land.
  const latest = useRef(0);
  const reload = useCallback(() => {
    const request = ++latest.current;
    callHost('audit.stats', statsParams(window, Date.now())).then(
      (result) => request === latest.current && setShown({ window, stats: result, error: null }),
      (caught) => request === latest.current && setShown((before) => ({ window, stats: before?.window === window ? before.stats : null, error: errorOf(caught) })),
    );
  }, [window]);
  useEffect(() => {
    reload();
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), STATS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const current = shown?.window === window ? shown : null;
  return { stats: current?.stats ?? null, error: current?.error ?? null, reload };
}
