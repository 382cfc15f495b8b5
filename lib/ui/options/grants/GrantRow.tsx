import { type GrantRecord, grantUsable } from '../../../../shared/grants/grant-record';
import { callBackground } from '../../background-call';
import { ErrorNote } from '../../components/ErrorNote';
import { ScopePills } from '../../components/ScopePills';
import { useAction } from '../../hooks/use-action';

const formatDate = (time: number) => new Date(time).toLocaleDateString();
const formatTime = (time: number) => new Date(time).toLocaleString();

export function GrantRow({ grant, onChanged }: { grant: GrantRecord; onChanged: () => void }) {
  const { busy, error, run } = useAction();
  const state = grantUsable(grant, Date.now());
  const act = (action: () => Promise<unknown>) => void run(action).then((ok) => ok && onChanged());

  return (
    <li data-testid="grant" data-subject={grant.subject} data-kind={grant.kind} data-enabled={String(grant.enabled)} data-state={state}>
      <div class="row">
        <div>
          <strong>{grant.kind === 'site' ? grant.subject : `Extension ${grant.subject}`}</strong>{' '}
          <span class={state === 'ok' ? 'ok' : 'warn'}>{state === 'ok' ? 'allowed' : state}</span>
          <ScopePills scopes={grant.scopes} />
          <div class="detail" data-testid="grant-last-used">
            granted {formatDate(grant.createdAt)} · {grant.expiresAt === null ? 'no expiry' : `valid through ${formatDate(grant.expiresAt)}`} ·{' '}
            {grant.lastUsedAt === null ? 'never used' : `last used ${formatTime(grant.lastUsedAt)}`}
          </div>
        </div>
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => act(() => callBackground('grants.update', { grantId: grant.id, enabled: !grant.enabled }))} data-testid="toggle-grant">
            {grant.enabled ? 'Disable' : 'Enable'}
          </button>
          {/* One click: a revoked grant is easy to give again, and a user revoking may be in a hurry. */}
          <button type="button" class="danger" disabled={busy} onClick={() => act(() => callBackground('grants.revoke', { grantId: grant.id }))} data-testid="revoke-grant">
            Revoke
          </button>
        </div>
      </div>
      <ErrorNote error={error} testId="grant-row-error" />
    </li>
  );
}
