import type { AgentKeyRecord } from '../../../shared/vault/format';
import { alignedTable, tableTime } from './aligned-table';

const HEADINGS = ['NAME', 'ID', 'SCOPES', 'STATE', 'EXPIRES', 'CREATED'];

/**
 * Whether the proxy would take this key at `now`, in the order it checks (agent-registry.ts): a
 * disabled key reads "disabled" even once expired, so the word says what `agent enable` would fix.
 */
export function agentState(agent: AgentKeyRecord, now: number): 'enabled' | 'disabled' | 'expired' {
  if (!agent.enabled) return 'disabled';
  return agent.expiresAt !== null && now >= agent.expiresAt ? 'expired' : 'enabled';
}

/** Lines of an aligned table, by name then age; never the key's hash: no reader needs it, and such output ends up in logs and tickets. */
export function agentTable(agents: readonly AgentKeyRecord[], now: number): string[] {
  const rows = [...agents]
    .sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt)
    .map((agent) => [agent.name, agent.id, agent.scopes.join(','), agentState(agent, now), tableTime(agent.expiresAt), tableTime(agent.createdAt)]);
  return alignedTable([HEADINGS, ...rows]);
}
