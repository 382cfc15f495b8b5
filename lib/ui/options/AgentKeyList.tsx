import type { AgentKeyRecord } from '../../../shared/vault/format';
import { AgentKeyRow } from './AgentKeyRow';

export function AgentKeyList({ agents, onChanged }: { agents: AgentKeyRecord[] | null; onChanged: () => void }) {
  if (agents === null) return <p class="hint">Loading agent keys…</p>;
  if (agents.length === 0) return <p class="hint" data-testid="no-agent-keys">No agent keys yet. Create one below for each agent.</p>;
  return (
    <ul class="credentials" data-testid="agent-key-list" aria-label="Agent keys">
      {agents.map((agent) => (
        <AgentKeyRow key={agent.id} agent={agent} onChanged={onChanged} />
      ))}
    </ul>
  );
}
