import { useEffect, useState } from 'preact/hooks';
import type { ErrorBody } from '../../../shared/errors';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { callHost, errorOf } from '../background-call';

export interface AgentUsage {
  /** When the audit log last saw the key (any decision); null when it never did. */
  lastUsedAt: number | null;
  requests24h: number;
  refusals24h: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Each agent key's use, from the host's audit log: requests in the last 24 hours (`audit.stats`) and
 * its latest line (`audit.query`, one line per key). Null while the host is away or still answering.
 */
export function useAgentUsage(agents: readonly AgentKeyRecord[] | null, hostConnected: boolean): { usage: Map<string, AgentUsage> | null; error: ErrorBody | null } {
  const [usage, setUsage] = useState<Map<string, AgentUsage> | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  useEffect(() => {
    if (agents === null || !hostConnected) return;
    let current = true;
    const now = Date.now();
    void (async () => {
      try {
        const stats = await callHost('audit.stats', { since: now - DAY_MS, until: now, bucket: 'hour' });
        const latest = await Promise.all(agents.map((agent) => callHost('audit.query', { agent: agent.id, limit: 1 })));
        const counts = new Map(stats.agents.map((count) => [count.agent, count]));
        const next = new Map(
          agents.map((agent, index) => {
            const line = latest[index]?.records[0];
            const count = counts.get(agent.id);
            return [agent.id, { lastUsedAt: line ? Date.parse(line.time) : null, requests24h: count?.requests ?? 0, refusals24h: count?.refusals ?? 0 }];
          }),
        );
        if (!current) return;
        setUsage(next);
        setError(null);
      } catch (caught) {
        if (current) setError(errorOf(caught));
      }
    })();
    return () => {
      current = false;
    };
  }, [agents, hostConnected]);
  return { usage: hostConnected ? usage : null, error };
}
