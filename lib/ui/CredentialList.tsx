import { useState } from 'preact/hooks';
import type { CredentialView } from '../session/vault-session';
import { callBackground } from './background-call';
import { ErrorNote } from './ErrorNote';
import { useAction } from './use-action';

const formatTime = (time: number | null) => (time === null ? 'never' : new Date(time).toLocaleString());

function CredentialRow({ credential, onDeleted }: { credential: CredentialView; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const remove = () => void run(() => callBackground('vault.credentials.delete', { id: credential.id })).then((ok) => ok && onDeleted());
  return (
    <li data-testid="credential" data-service={credential.service} data-name={credential.name} data-problem={credential.problem?.code ?? ''}>
      <div>
        <strong>{credential.service}</strong> · {credential.name} <span class="detail">({credential.kind})</span>
      </div>
      <div class="detail">
        added {formatTime(credential.createdAt)} · last used {formatTime(credential.lastUsedAt)}
      </div>
      {credential.problem && <ErrorNote error={credential.problem} testId="credential-problem" />}
      {confirming ? (
        <div class="confirm">
          Delete “{credential.name}”? The key cannot be recovered.{' '}
          <button type="button" class="danger" disabled={busy} onClick={remove} data-testid="confirm-delete">
            Delete
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} data-testid="delete-credential">
          Delete…
        </button>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

export function CredentialList({ credentials, onChanged }: { credentials: CredentialView[] | null; onChanged: () => void }) {
  if (credentials === null) return <p class="hint">Loading credentials…</p>;
  if (credentials.length === 0) return <p class="hint" data-testid="no-credentials">No credentials yet. Add an API key below.</p>;
  return (
    <ul class="credentials" data-testid="credential-list">
      {credentials.map((credential) => (
        <CredentialRow key={credential.id} credential={credential} onDeleted={onChanged} />
      ))}
    </ul>
  );
}
