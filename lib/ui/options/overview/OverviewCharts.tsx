/**
 * The Overview's charts for one window (24 hours by hour, 7 or 30 days by day), from `audit.stats`:
 * requests stacked by service, refusals by code, the busiest agents. Each says so when there is
 * nothing to draw instead of drawing empty axes.
 */
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import type { AuditStatsResult } from '../../../../shared/audit-messages';
import { useChartTheme } from '../../components/UPlotChart';
import { formatBytes } from '../activity/audit-line-format';
import { bucketLayers, rankedCounts, type StatsWindow, topAgentLayers, windowTotals } from './overview-series';
import type { BarAxis } from './stacked-bar-options';
import { StackedBarChart } from './StackedBarChart';

function ChartEmpty({ testId, children }: { testId: string; children: ComponentChildren }) {
  return (
    <p class="chart-empty" data-testid={testId}>
      {children}
    </p>
  );
}

export function OverviewCharts({ stats, window }: { stats: AuditStatsResult; window: StatsWindow }) {
  const theme = useChartTheme();
  const per = window.bucket === 'hour' ? 'hour' : 'day';
  const x = useMemo(() => stats.buckets.map((bucket) => bucket.start / 1000), [stats]);
  const timeAxis = useMemo<BarAxis>(
    () => ({ kind: 'time', stepSeconds: per === 'hour' ? 3600 : 86_400, utcDays: per === 'day', label: per === 'hour' ? 'hour (local time)' : 'day (UTC)' }),
    [per],
  );
  const services = useMemo(() => bucketLayers(stats.buckets, (bucket) => bucket.byService), [stats]);
  const refusals = useMemo(() => bucketLayers(stats.buckets, (bucket) => bucket.refusals), [stats]);
  const agents = useMemo(() => topAgentLayers(stats.agents), [stats]);
  const agentAxis = useMemo<BarAxis>(() => ({ kind: 'categories', names: agents.names, label: 'agent key or grant' }), [agents]);
  const agentX = useMemo(() => agents.names.map((_name, index) => index), [agents]);
  const outcomeColour = useMemo(() => {
    const colours: Record<string, string> = { forwarded: theme.ok, refused: theme.refused, failed: theme.failed };
    return (name: string) => colours[name];
  }, [theme]);
  // Refusals in warm hues (amber, orange, red, purple…), so none reads as "fine" green.
  const refusalColour = useMemo(() => {
    const warm = [1, 6, 3, 4, 5, 0, 7].map((index) => theme.palette[index]!);
    return (_name: string, index: number) => warm[index % warm.length];
  }, [theme]);
  const totals = windowTotals(stats.buckets);
  const doorRefusals = rankedCounts(stats.unauthenticatedRefusals);

  return (
    <>
      <dl class="totals" data-testid="overview-totals">
        <div>
          <dt>Requests</dt>
          <dd data-testid="total-requests">{totals.requests.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd data-testid="total-refused">{totals.refused.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="total-failed">{totals.failed.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Data in + out</dt>
          <dd>{formatBytes(totals.bytes)}</dd>
        </div>
      </dl>

      <div class="card">
        <h3>Requests per {per}, by service</h3>
        {totals.requests === 0 ? (
          <ChartEmpty testId="chart-requests-empty">No request in the last {window.label}. Agents’ calls through the proxy are counted here.</ChartEmpty>
        ) : (
          <StackedBarChart x={x} layers={services} xAxis={timeAxis} yLabel={`requests / ${per}`} label={`Requests per ${per} by service`} testId="chart-requests" />
        )}
      </div>

      <div class="card">
        <h3>Refusals per {per}, by code</h3>
        {totals.refused === 0 ? (
          <ChartEmpty testId="chart-refusals-empty">Nothing refused in the last {window.label}: no blocked endpoint, scope or limit was hit.</ChartEmpty>
        ) : (
          <StackedBarChart x={x} layers={refusals} colourOf={refusalColour} xAxis={timeAxis} yLabel={`refusals / ${per}`} label={`Refusals per ${per} by code`} testId="chart-refusals" />
        )}
        {doorRefusals.length > 0 && (
          <p class="detail" data-testid="door-refusals">
            Refused before any agent key was valid (not in the chart):{' '}
            {doorRefusals.map(([code, count]) => (
              <span key={code} class="pill">
                {code} × {count.toLocaleString()}
              </span>
            ))}
          </p>
        )}
      </div>

      <div class="card">
        <h3>Top agents</h3>
        {agents.names.length === 0 ? (
          <ChartEmpty testId="chart-agents-empty">No agent key or site called Keygate in the last {window.label}.</ChartEmpty>
        ) : (
          <StackedBarChart x={agentX} layers={agents.layers} colourOf={outcomeColour} xAxis={agentAxis} yLabel="requests" label="Requests per agent" testId="chart-agents" />
        )}
      </div>
    </>
  );
}
