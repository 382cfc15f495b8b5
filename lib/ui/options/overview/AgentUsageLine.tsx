/** The Agents section's "requests in the last 24 h" per key, from the same audit.stats as the Overview. */
import { useMemo } from 'preact/hooks';
import { STATS_WINDOWS } from './overview-series';
import { useAuditStats } from './use-audit-stats';

export interface AgentUsage {
  requests: number;
  refusals: number;
}

export const NO_USE: AgentUsage = { requests: 0, refusals: 0 };

/** Requests per agent key id over the last 24 hours; null until the host answers (or when it cannot). */
export function useAgentUsage(): ReadonlyMap<string, AgentUsage> | null {
  const { stats } = useAuditStats(STATS_WINDOWS[0]);
  return useMemo(() => (stats === null ? null : new Map(stats.agents.map((agent) => [agent.agent, { requests: agent.requests, refusals: agent.refusals }]))), [stats]);
}

export function AgentUsageLine({ usage }: { usage: AgentUsage | null }) {
  if (usage === null) {
    return (
      <div class="detail" data-testid="agent-usage">
        Requests in the last 24 h: not known yet.
      </div>
    );
  }
  const { requests, refusals } = usage;
  return (
    <div class="detail" data-testid="agent-usage" data-requests={requests} data-refusals={refusals}>
      {requests === 0 ? 'No request in the last 24 h' : `${requests.toLocaleString()} request${requests === 1 ? '' : 's'} in the last 24 h`}
      {refusals > 0 && `, ${refusals.toLocaleString()} refused`}.
    </div>
  );
}
