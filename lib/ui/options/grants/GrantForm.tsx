import { useState } from 'preact/hooks';
import type { GrantKind, GrantRecord } from '../../../../shared/grants/grant-record';
import { ErrorNote } from '../../components/ErrorNote';
import { ScopeCheckboxes, withScope } from '../../components/ScopeCheckboxes';
import { expiryFromDate, ValidThroughField } from '../../components/ValidThroughField';
import { useAction } from '../../hooks/use-action';
import { grantFromClick } from '../../hooks/use-grants';
import type { ScopeChoice } from '../agent-scope-choices';

export interface GrantPrefill {
  kind: GrantKind;
  subject: string;
}

interface GrantFormProps {
  choices: readonly ScopeChoice[];
  existing: readonly GrantRecord[];
  prefill: GrantPrefill | null;
  onGranted: () => void;
}

/** "Allow a site or an extension": one origin or one extension id, its scopes, an optional expiry. */
export function GrantForm({ choices, existing, prefill, onGranted }: GrantFormProps) {
  const [kind, setKind] = useState<GrantKind>(prefill?.kind ?? 'site');
  const [subject, setSubject] = useState(prefill?.subject ?? '');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [validThrough, setValidThrough] = useState('');
  const { busy, error, run } = useAction();
  const scopes = choices.map(({ scope }) => scope).filter((scope) => selected.has(scope));

  const toggle = (scope: string, checked: boolean) => setSelected((current) => withScope(current, scope, checked));
  const submit = (event: Event) => {
    event.preventDefault();
    const expiresAt = expiryFromDate(validThrough);
    // No await before this call: the browser's permission prompt needs the click to be this one.
    void run(() => grantFromClick({ kind, subject, scopes, expiresAt }, existing)).then((granted) => {
      if (!granted) return;
      setSubject('');
      setSelected(new Set());
      setValidThrough('');
      onGranted();
    });
  };

  return (
    <form onSubmit={submit} data-testid="grant-form" aria-labelledby="grant-form-heading">
      <h3 id="grant-form-heading">Allow a site or an extension</h3>
      <label>
        Who
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value as GrantKind)} data-testid="grant-kind">
          <option value="site">A web site (origin)</option>
          <option value="extension">Another extension (id)</option>
        </select>
      </label>
      <label>
        {kind === 'site' ? 'Origin' : 'Extension id'}
        <input
          value={subject}
          onInput={(e) => setSubject(e.currentTarget.value)}
          placeholder={kind === 'site' ? 'https://app.example or http://localhost:3000' : 'abcdefghijklmnopabcdefghijklmnop'}
          data-testid="grant-subject"
        />
      </label>
      <ScopeCheckboxes choices={choices} selected={selected} onToggle={toggle} legend="Scopes (what it may call)" testId="grant-scope" />
      <ValidThroughField value={validThrough} onChange={setValidThrough} testId="grant-expiry" />
      <p class="warn" data-testid="grant-warning">
        {kind === 'site'
          ? 'Any script running on this origin — its own code, its ads and analytics, a compromised dependency — can use this grant within its scopes. Grant only sites you trust that much.'
          : 'Everything this extension does can use this grant within its scopes. Grant only extensions you trust that much.'}
      </p>
      <ErrorNote error={error} testId="grant-error" />
      <button type="submit" class="primary" disabled={busy || subject.trim() === '' || scopes.length === 0} data-testid="grant-submit">
        {busy ? 'Granting…' : 'Grant'}
      </button>
    </form>
  );
}
