import { useState } from 'preact/hooks';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { ScopeChoice } from './agent-scope-choices';
import { callBackground } from '../background-call';
import { ErrorNote } from '../components/ErrorNote';
import { ScopeCheckboxes } from '../components/ScopeCheckboxes';
import { useAction } from '../hooks/use-action';

export interface CreatedAgentKey {
  /** The `pk_` key: the background returns it once and keeps only its hash. */
  key: string;
  record: AgentKeyRecord;
}

/** `YYYY-MM-DD` of today in local time, the earliest expiry the date picker offers. */
function localToday(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** A key "valid through" a date works until that day ends where the user is. */
const endOfLocalDay = (date: string) => new Date(`${date}T23:59:59.999`).getTime();

export function CreateAgentKeyForm({ choices, onCreated }: { choices: readonly ScopeChoice[]; onCreated: (created: CreatedAgentKey) => void }) {
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [validThrough, setValidThrough] = useState('');
  const { busy, error, run } = useAction();
  // A custom scope stays selected only while the active policy still has that service.
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));

  const toggle = (scope: string, checked: boolean) => {
    const next = new Set(selected);
    if (checked) next.add(scope);
    else next.delete(scope);
    setSelected(next);
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const expiresAt = validThrough === '' ? null : endOfLocalDay(validThrough);
    void run(async () => {
      onCreated(await callBackground('agents.create', { name: name.trim(), scopes, expiresAt }));
      setName('');
      setSelected(new Set());
      setValidThrough('');
    });
  };

  return (
    <form onSubmit={submit} data-testid="create-agent-key" aria-labelledby="create-agent-key-heading">
      <h3 id="create-agent-key-heading">New agent key</h3>
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={80} placeholder="e.g. coding agent" data-testid="agent-name" />
      </label>
      <ScopeCheckboxes choices={choices} selected={selected} onToggle={toggle} />
      <label>
        Valid through (optional; empty = no expiry)
        <input type="date" min={localToday()} value={validThrough} onInput={(e) => setValidThrough(e.currentTarget.value)} data-testid="agent-expiry" />
      </label>
      <ErrorNote error={error} testId="create-agent-error" />
      <button type="submit" disabled={busy || name.trim() === '' || scopes.length === 0} data-testid="create-agent-submit">
        {busy ? 'Creating…' : 'Create agent key'}
      </button>
    </form>
  );
}
