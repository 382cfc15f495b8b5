import { useState } from 'preact/hooks';
import { type GrantRecord, grantUsable } from '../../../../shared/grants/grant-record';
import { callBackground } from '../../background-call';
import { ErrorNote } from '../../components/ErrorNote';
import { ScopePills } from '../../components/ScopePills';
import { useAction } from '../../hooks/use-action';
import { askAgainFromClick } from '../../hooks/use-grants';
import type { ScopeChoice } from '../agent-scope-choices';
import { GrantEditForm } from './GrantEditForm';

const formatDate = (time: number) => new Date(time).toLocaleDateString();
const formatTime = (time: number) => new Date(time).toLocaleString();

interface GrantRowProps {
  grant: GrantRecord;
  /** The user removed Keygate's access to the site in the browser's settings: the grant is kept but cannot work. */
  accessRemoved: boolean;
  /** The scopes the active policy offers, for the edit form. */
  choices: readonly ScopeChoice[];
  onChanged: () => void;
}

export function GrantRow({ grant, accessRemoved, choices, onChanged }: GrantRowProps) {
  const [editing, setEditing] = useState(false);
  const { busy, error, run } = useAction();
  const usable = grantUsable(grant, Date.now());
  const state = usable === 'ok' && accessRemoved ? 'access-removed' : usable;
  const act = (action: () => Promise<unknown>) => void run(action).then((ok) => ok && onChanged());
  const label = { ok: 'allowed', disabled: 'disabled', expired: 'expired', 'access-removed': 'access removed in the browser' }[state];

  return (
    <li data-testid="grant" data-subject={grant.subject} data-kind={grant.kind} data-enabled={String(grant.enabled)} data-state={state}>
      <div class="row">
        <div>
          <strong>{grant.kind === 'site' ? grant.subject : `Extension ${grant.subject}`}</strong>{' '}
          <span class={state === 'ok' ? 'ok' : 'warn'} data-testid="grant-state">
            {label}
          </span>
          <ScopePills scopes={grant.scopes} />
          <div class="detail" data-testid="grant-last-used">
            granted {formatDate(grant.createdAt)} · {grant.expiresAt === null ? 'no expiry' : `valid through ${formatDate(grant.expiresAt)}`} ·{' '}
            {grant.lastUsedAt === null ? 'never used' : `last used ${formatTime(grant.lastUsedAt)}`}
          </div>
          {accessRemoved && (
            <div class="detail" data-testid="grant-access-removed">
              Keygate’s access to this site was removed in the browser’s extension settings, so the site cannot use this grant. Ask the browser
              again to give it back, or revoke the grant.
            </div>
          )}
        </div>
        {!editing && (
        <div class="actions">
          {accessRemoved && (
            // No await before the prompt: the browser shows it only from the click itself.
            <button type="button" class="primary" disabled={busy} onClick={() => act(() => askAgainFromClick(grant))} data-testid="reask-site-access">
              Ask the browser again
            </button>
          )}
          <button type="button" onClick={() => setEditing(true)} data-testid="edit-grant-button">
            Edit
          </button>
          <button type="button" disabled={busy} onClick={() => act(() => callBackground('grants.update', { grantId: grant.id, enabled: !grant.enabled }))} data-testid="toggle-grant">
            {grant.enabled ? 'Disable' : 'Enable'}
          </button>
          {/* One click: a revoked grant is easy to give again, and a user revoking may be in a hurry. */}
          <button type="button" class="danger" disabled={busy} onClick={() => act(() => callBackground('grants.revoke', { grantId: grant.id }))} data-testid="revoke-grant">
            Revoke
          </button>
        </div>
        )}
      </div>
      {editing && <GrantEditForm grant={grant} choices={choices} onSaved={() => (setEditing(false), onChanged())} onCancel={() => setEditing(false)} />}
      <ErrorNote error={error} testId="grant-row-error" />
    </li>
  );
}
