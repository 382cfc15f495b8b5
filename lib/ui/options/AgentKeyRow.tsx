import { useState } from 'preact/hooks';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { callBackground } from '../background-call';
import { DeleteConfirmation } from '../components/DeleteConfirmation';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks/use-action';

const formatDate = (time: number) => new Date(time).toLocaleDateString();

function agentState(agent: AgentKeyRecord, now: number): 'enabled' | 'disabled' | 'expired' {
  if (!agent.enabled) return 'disabled';
  return agent.expiresAt !== null && agent.expiresAt <= now ? 'expired' : 'enabled';
}

export function AgentKeyRow({ agent, onChanged }: { agent: AgentKeyRecord; onChanged: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const state = agentState(agent, Date.now());
  const act = (type: 'agents.setEnabled' | 'agents.delete', fields: Record<string, unknown>) =>
    void run(() => callBackground(type, { agentId: agent.id, ...fields })).then((ok) => ok && onChanged());

  return (
    <li data-testid="agent-key" data-name={agent.name} data-enabled={String(agent.enabled)} data-state={state}>
      <div class="row">
        <div>
          <strong>{agent.name}</strong> <span class={state === 'enabled' ? 'ok' : 'warn'}>{state}</span>
          <div>
            {agent.scopes.map((scope) => (
              <code key={scope} class="pill">
                {scope}
              </code>
            ))}
          </div>
          <div class="detail">
            created {formatDate(agent.createdAt)} · {agent.expiresAt === null ? 'no expiry' : `valid through ${formatDate(agent.expiresAt)}`}
          </div>
        </div>
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => act('agents.setEnabled', { enabled: !agent.enabled })} data-testid="toggle-agent-key">
            {agent.enabled ? 'Disable' : 'Enable'}
          </button>
          {!confirming && (
            <button type="button" onClick={() => setConfirming(true)} data-testid="delete-agent-key">
              Delete…
            </button>
          )}
        </div>
      </div>
      {confirming && (
        <DeleteConfirmation
          question={`Delete “${agent.name}”? Agents using it are refused at once; this cannot be undone.`}
          busy={busy}
          onConfirm={() => act('agents.delete', {})}
          onCancel={() => setConfirming(false)}
          testId="confirm-delete-agent-key"
        />
      )}
      <ErrorNote error={error} testId="agent-key-error" />
    </li>
  );
}
