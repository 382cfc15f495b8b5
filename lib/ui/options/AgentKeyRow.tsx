import { useState } from 'preact/hooks';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { IssuedAgentKey } from '../../extension-messages';
import { callBackground } from '../background-call';
import { DeleteConfirmation } from '../components/DeleteConfirmation';
import { ErrorNote } from '../components/ErrorNote';
import { SaveOrCancel } from '../components/SaveOrCancel';
import { useAction } from '../hooks/use-action';
import type { ScopeChoice } from './agent-scope-choices';
import { AgentUsageLine, type AgentUsage } from './overview/AgentUsageLine';
import { useAgentKeyFields } from './use-agent-key-fields';

const formatDate = (time: number) => new Date(time).toLocaleDateString();

function agentState(agent: AgentKeyRecord, now: number): 'enabled' | 'disabled' | 'expired' {
  if (!agent.enabled) return 'disabled';
  return agent.expiresAt !== null && agent.expiresAt <= now ? 'expired' : 'enabled';
}

type Step = 'view' | 'edit' | 'confirm-delete' | 'confirm-regenerate';

interface AgentKeyRowProps {
  agent: AgentKeyRecord;
  /** Requests in the last 24 h from the host's audit.stats; null until it answers. */
  usage: AgentUsage | null;
  choices: readonly ScopeChoice[];
  onChanged: () => void;
  onRegenerated: (issued: IssuedAgentKey) => void;
}

/** Name, scopes and expiry edited in place; the key itself stays the same (regenerate changes it). */
function AgentKeyEditForm({ agent, choices, onSaved, onCancel }: { agent: AgentKeyRecord; choices: readonly ScopeChoice[]; onSaved: () => void; onCancel: () => void }) {
  const { fields, changes, complete } = useAgentKeyFields(choices, agent, 'edit-agent');
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => callBackground('agents.update', { agentId: agent.id, ...changes })).then((ok) => ok && onSaved());
  };
  return (
    <form onSubmit={submit} data-testid="edit-agent-key">
      {fields}
      <ErrorNote error={error} testId="edit-agent-error" />
      <SaveOrCancel label="Save" busyLabel="Saving…" busy={busy} disabled={!complete} onCancel={onCancel} testId="edit-agent-save" />
    </form>
  );
}

export function AgentKeyRow({ agent, usage, choices, onChanged, onRegenerated }: AgentKeyRowProps) {
  const [step, setStep] = useState<Step>('view');
  const { busy, error, run } = useAction();
  const state = agentState(agent, Date.now());
  const act = (action: () => Promise<unknown>) =>
    void run(action).then((ok) => {
      if (!ok) return;
      setStep('view');
      onChanged();
    });
  const regenerate = () =>
    void run(async () => onRegenerated(await callBackground('agents.regenerate', { agentId: agent.id }))).then((ok) => ok && setStep('view'));

  return (
    <li data-testid="agent-key" data-name={agent.name} data-enabled={String(agent.enabled)} data-state={state} data-scopes={agent.scopes.join(' ')}>
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
          <AgentUsageLine usage={usage} />
        </div>
        {step === 'view' && (
          <div class="actions">
            <button type="button" onClick={() => setStep('edit')} data-testid="edit-agent-key-button">
              Edit
            </button>
            <button type="button" onClick={() => setStep('confirm-regenerate')} data-testid="regenerate-agent-key">
              Regenerate…
            </button>
            <button type="button" disabled={busy} onClick={() => act(() => callBackground('agents.setEnabled', { agentId: agent.id, enabled: !agent.enabled }))} data-testid="toggle-agent-key">
              {agent.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" onClick={() => setStep('confirm-delete')} data-testid="delete-agent-key">
              Delete…
            </button>
          </div>
        )}
      </div>
      {step === 'edit' && <AgentKeyEditForm agent={agent} choices={choices} onSaved={() => (setStep('view'), onChanged())} onCancel={() => setStep('view')} />}
      {step === 'confirm-regenerate' && (
        <DeleteConfirmation
          question={`Regenerate “${agent.name}”? Its current key stops working at once; you get a new one to give the agent.`}
          confirmLabel="Regenerate"
          busy={busy}
          onConfirm={regenerate}
          onCancel={() => setStep('view')}
          testId="confirm-regenerate-agent-key"
        />
      )}
      {step === 'confirm-delete' && (
        <DeleteConfirmation
          question={`Delete “${agent.name}”? Agents using it are refused at once; this cannot be undone.`}
          busy={busy}
          onConfirm={() => act(() => callBackground('agents.delete', { agentId: agent.id }))}
          onCancel={() => setStep('view')}
          testId="confirm-delete-agent-key"
        />
      )}
      <ErrorNote error={error} testId="agent-key-error" />
    </li>
  );
}
