import { useState } from 'preact/hooks';
import type { AgentKeyChanges } from '../../extension-messages';
import { ScopeCheckboxes } from '../components/ScopeCheckboxes';
import type { ScopeChoice } from './agent-scope-choices';

/** `YYYY-MM-DD` in local time: the date picker's value for a time, and its earliest choice (today). */
function localDate(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** A key "valid through" a date works until that day ends where the user is. */
const endOfLocalDay = (date: string) => new Date(`${date}T23:59:59.999`).getTime();

/**
 * Name, scopes and expiry of an agent key, as the create form and the edit form both ask for them.
 * `testIdPrefix` keeps the two forms' fields apart on one page (`agent-name`, `edit-agent-name`).
 */
export function useAgentKeyFields(choices: readonly ScopeChoice[], initial: AgentKeyChanges, testIdPrefix: string) {
  const [name, setName] = useState(initial.name);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set(initial.scopes));
  const [validThrough, setValidThrough] = useState(initial.expiresAt === null ? '' : localDate(initial.expiresAt));
  // A custom scope stays selected only while the active policy still has that service.
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));
  const changes: AgentKeyChanges = { name: name.trim(), scopes, expiresAt: validThrough === '' ? null : endOfLocalDay(validThrough) };

  const toggle = (scope: string, checked: boolean) => {
    const next = new Set(selected);
    if (checked) next.add(scope);
    else next.delete(scope);
    setSelected(next);
  };
  const reset = () => {
    setName(initial.name);
    setSelected(new Set(initial.scopes));
    setValidThrough('');
  };
  const fields = (
    <>
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={80} placeholder="e.g. coding agent" data-testid={`${testIdPrefix}-name`} />
      </label>
      <ScopeCheckboxes choices={choices} selected={selected} onToggle={toggle} testId={`${testIdPrefix}-scope`} />
      <label>
        Valid through (optional; empty = no expiry)
        <input type="date" min={localDate(Date.now())} value={validThrough} onInput={(e) => setValidThrough(e.currentTarget.value)} data-testid={`${testIdPrefix}-expiry`} />
      </label>
    </>
  );
  return { fields, changes, complete: changes.name !== '' && scopes.length > 0, reset };
}
