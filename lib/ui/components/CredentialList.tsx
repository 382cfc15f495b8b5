import { useState } from 'preact/hooks';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { CredentialView } from '../../session/vault-session';
import { BinanceKeyWarning } from './BinanceKeyWarning';
import { CredentialHealthLine } from './CredentialHealthLine';
import { callBackground } from '../background-call';
import { DeleteConfirmation } from './DeleteConfirmation';
import { ErrorNote } from './ErrorNote';
import { useAction } from '../hooks/use-action';

const formatTime = (time: number | null) => (time === null ? 'never' : new Date(time).toLocaleString());

function CredentialRow({ credential, restrictions, health, onDeleted }: { credential: CredentialView; restrictions?: BinanceKeyRestrictions; health?: CredentialHealth; onDeleted: () => void }) {
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
      {health && <CredentialHealthLine health={health} />}
      {restrictions && <BinanceKeyWarning restrictions={restrictions} />}
      {confirming ? (
        <DeleteConfirmation
          question={`Delete “${credential.name}”? The key cannot be recovered.`}
          busy={busy}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
          testId="confirm-delete"
        />
      ) : (
        <button type="button" onClick={() => setConfirming(true)} data-testid="delete-credential">
          Delete…
        </button>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

export function CredentialList({
  credentials,
  binanceKeys,
  health,
  onChanged,
}: {
  credentials: CredentialView[] | null;
  binanceKeys: BinanceKeyRestrictions[];
  health: CredentialHealth[];
  onChanged: () => void;
}) {
  if (credentials === null) return <p class="hint">Loading credentials…</p>;
  if (credentials.length === 0) return <p class="hint" data-testid="no-credentials">No credentials yet. Add an API key below.</p>;
  return (
    <ul class="credentials" data-testid="credential-list">
      {credentials.map((credential) => (
        <CredentialRow key={credential.id} credential={credential} restrictions={binanceKeys.find((key) => key.credentialId === credential.id)}
          health={health.find((entry) => entry.credentialId === credential.id)}
          onDeleted={onChanged}
        />
      ))}
    </ul>
  );
}
