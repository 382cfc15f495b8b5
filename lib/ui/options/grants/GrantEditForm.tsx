import { useState } from 'preact/hooks';
import type { GrantRecord } from '../../../../shared/grants/grant-record';
import { callBackground } from '../../background-call';
import { ErrorNote } from '../../components/ErrorNote';
import { SaveOrCancel } from '../../components/SaveOrCancel';
import { ScopeCheckboxes, withScope } from '../../components/ScopeCheckboxes';
import { expiryFromDate, localDate, ValidThroughField } from '../../components/ValidThroughField';
import { useAction } from '../../hooks/use-action';
import type { ScopeChoice } from '../agent-scope-choices';

interface GrantEditFormProps {
  grant: GrantRecord;
  choices: readonly ScopeChoice[];
  onSaved: () => void;
  onCancel: () => void;
}

/**
 * A grant's scopes and expiry changed in place: the way to renew an expired grant or widen one, since
 * a subject holds one grant only (granting it again is refused). Who it names stays as it is.
 */
export function GrantEditForm({ grant, choices, onSaved, onCancel }: GrantEditFormProps) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set(grant.scopes));
  const [validThrough, setValidThrough] = useState(grant.expiresAt === null ? '' : localDate(grant.expiresAt));
  const { busy, error, run } = useAction();
  // A custom scope stays selected only while the active policy still has that service.
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));
  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => callBackground('grants.update', { grantId: grant.id, scopes, expiresAt: expiryFromDate(validThrough) })).then((ok) => ok && onSaved());
  };
  return (
    <form onSubmit={submit} data-testid="edit-grant">
      <ScopeCheckboxes choices={choices} selected={selected} onToggle={(scope, on) => setSelected((current) => withScope(current, scope, on))} legend="Scopes (what it may call)" testId="edit-grant-scope" />
      <ValidThroughField value={validThrough} onChange={setValidThrough} testId="edit-grant-expiry" />
      <ErrorNote error={error} testId="edit-grant-error" />
      <SaveOrCancel label="Save" busyLabel="Saving…" busy={busy} disabled={scopes.length === 0} onCancel={onCancel} testId="edit-grant-save" />
    </form>
  );
}
