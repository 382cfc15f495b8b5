import { useState } from 'preact/hooks';
import type { AgentKeyChanges } from '../../extension-messages';
import { ScopeCheckboxes, withScope } from '../components/ScopeCheckboxes';
import { expiryFromDate, localDate, ValidThroughField } from '../components/ValidThroughField';
import type { ScopeChoice } from './agent-scope-choices';

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
  const changes: AgentKeyChanges = { name: name.trim(), scopes, expiresAt: expiryFromDate(validThrough) };

  const toggle = (scope: string, checked: boolean) => setSelected((current) => withScope(current, scope, checked));
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
      <ValidThroughField value={validThrough} onChange={setValidThrough} testId={`${testIdPrefix}-expiry`} />
    </>
  );
  return { fields, changes, complete: changes.name !== '' && scopes.length > 0, reset };
}
