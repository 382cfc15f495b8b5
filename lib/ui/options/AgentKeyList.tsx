import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { IssuedAgentKey } from '../../extension-messages';
import type { ScopeChoice } from './agent-scope-choices';
import { AgentKeyRow } from './AgentKeyRow';
import { type AgentUsage, NO_USE } from './overview/AgentUsageLine';

interface AgentKeyListProps {
  agents: AgentKeyRecord[] | null;
  /** Each key's requests in the last 24 h (by record id); null until the host answers. */
  usage: ReadonlyMap<string, AgentUsage> | null;
  choices: readonly ScopeChoice[];
  onChanged: () => void;
  onRegenerated: (issued: IssuedAgentKey) => void;
}

export function AgentKeyList({ agents, usage, choices, onChanged, onRegenerated }: AgentKeyListProps) {
  if (agents === null) return <p class="hint">Loading agent keys…</p>;
  if (agents.length === 0) return <p class="hint" data-testid="no-agent-keys">No agent keys yet. Create one below for each agent.</p>;
  return (
    <ul class="credentials" data-testid="agent-key-list" aria-label="Agent keys">
      {agents.map((agent) => (
        <AgentKeyRow key={agent.id} agent={agent} usage={usage === null ? null : (usage.get(agent.id) ?? NO_USE)} choices={choices} onChanged={onChanged} onRegenerated={onRegenerated} />
      ))}
    </ul>
  );
}
