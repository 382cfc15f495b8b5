import { useState } from 'preact/hooks';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { CredentialView } from '../../session/vault-session';
import { callBackground } from '../background-call';
import { useAction } from '../hooks/use-action';
import { useNow } from '../hooks/use-now';
import { BinanceKeyWarning } from './BinanceKeyWarning';
import { CredentialHealthLine } from './CredentialHealthLine';
import { credentialUsers } from './credential-users';
import { DeleteConfirmation } from './DeleteConfirmation';
import { ErrorNote } from './ErrorNote';
import { formatSince } from './format-since';
import { SaveOrCancel } from './SaveOrCancel';
import { useSecretFields } from './use-secret-fields';

/** What the options page knows on top of the popup: who uses each key, and the rename/replace actions. */
export interface CredentialManagement {
  agents: readonly AgentKeyRecord[];
  customServices: readonly string[];
}

type Step = 'view' | 'rename' | 'replace' | 'confirm-delete';

function RenameForm({ credential, onDone, onCancel }: { credential: CredentialView; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(credential.name);
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => callBackground('vault.credentials.rename', { id: credential.id, name: name.trim() })).then((ok) => ok && onDone());
  };
  return (
    <form onSubmit={submit} data-testid="rename-credential">
      <label>
        New name
        <input value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} data-testid="rename-credential-name" />
      </label>
      <ErrorNote error={error} />
      <SaveOrCancel label="Rename" busyLabel="Renaming…" busy={busy} disabled={name.trim() === ''} onCancel={onCancel} testId="rename-credential-save" />
    </form>
  );
}

/** Provider key rotation in place: same record, so every agent and policy naming it keeps working. */
function ReplaceSecretForm({ credential, onDone, onCancel }: { credential: CredentialView; onDone: () => void; onCancel: () => void }) {
  const secret = useSecretFields(credential.kind, 'replace');
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => callBackground('vault.credentials.replaceSecret', { id: credential.id, secret: secret.payload() })).then((ok) => {
      if (!ok) return;
      secret.clear();
      onDone();
    });
  };
  return (
    <form onSubmit={submit} data-testid="replace-credential">
      <p class="hint">Paste the new key from the provider. Agents keep their keys; the proxy uses the new secret from the next request.</p>
      {secret.fields}
      <ErrorNote error={error} />
      <SaveOrCancel label="Replace key" busyLabel="Replacing…" busy={busy} disabled={!secret.complete} onCancel={onCancel} testId="replace-credential-save" />
    </form>
  );
}

function UsedBy({ credential, management }: { credential: CredentialView; management: CredentialManagement }) {
  const users = credentialUsers(credential.service, management.agents, management.customServices);
  return (
    <div class="detail" data-testid="credential-users" data-agents={users.agents.map((agent) => agent.name).join(',')}>
      Serves <code>{users.route}</code>
      {!users.routed && <span class="warn"> (no [custom.{credential.service}] in the policy yet: nothing calls it)</span>} ·{' '}
      {users.agents.length === 0 ? 'no agent key may use it' : `agents: ${users.agents.map((agent) => agent.name).join(', ')}`}
    </div>
  );
}

interface CredentialRowProps {
  credential: CredentialView;
  restrictions?: BinanceKeyRestrictions;
  health?: CredentialHealth;
  management?: CredentialManagement;
  onChanged: () => void;
}

function CredentialRow({ credential, restrictions, health, management, onChanged }: CredentialRowProps) {
  const [step, setStep] = useState<Step>('view');
  const { busy, error, run } = useAction();
  const now = useNow(30_000);
  const done = () => {
    setStep('view');
    onChanged();
  };
  const remove = () => void run(() => callBackground('vault.credentials.delete', { id: credential.id })).then((ok) => ok && onChanged());
  return (
    <li data-testid="credential" data-service={credential.service} data-name={credential.name} data-hint={credential.hint ?? ''} data-problem={credential.problem?.code ?? ''}>
      <div>
        <strong>{credential.service}</strong> · {credential.name} {credential.hint && <code class="pill" title="Prefix and last 4 characters; the rest is never shown">{credential.hint}</code>}
        {credential.kind !== 'api_key' && <span class="detail"> ({credential.kind})</span>}
      </div>
      <div class="detail" data-testid="credential-times">
        added {new Date(credential.createdAt).toLocaleDateString()} · last used {formatSince(credential.lastUsedAt, now)}
      </div>
      {management && <UsedBy credential={credential} management={management} />}
      {credential.problem && <ErrorNote error={credential.problem} testId="credential-problem" />}
      {health && <CredentialHealthLine health={health} />}
      {restrictions && <BinanceKeyWarning restrictions={restrictions} />}
      {step === 'view' && (
        <div class="actions">
          {management && (
            <>
              <button type="button" onClick={() => setStep('rename')} data-testid="rename-credential-button">
                Rename
              </button>
              <button type="button" onClick={() => setStep('replace')} data-testid="replace-credential-button">
                Replace key…
              </button>
            </>
          )}
          <button type="button" onClick={() => setStep('confirm-delete')} data-testid="delete-credential">
            Delete…
          </button>
        </div>
      )}
      {step === 'rename' && <RenameForm credential={credential} onDone={done} onCancel={() => setStep('view')} />}
      {step === 'replace' && <ReplaceSecretForm credential={credential} onDone={done} onCancel={() => setStep('view')} />}
      {step === 'confirm-delete' && (
        <DeleteConfirmation
          question={`Delete “${credential.name}”? The key cannot be recovered.`}
          busy={busy}
          onConfirm={remove}
          onCancel={() => setStep('view')}
          testId="confirm-delete"
        />
      )}
      <ErrorNote error={error} />
    </li>
  );
}

interface CredentialListProps {
  credentials: CredentialView[];
  binanceKeys: BinanceKeyRestrictions[];
  health: CredentialHealth[];
  management?: CredentialManagement;
  onChanged: () => void;
}

export function CredentialList({ credentials, binanceKeys, health, management, onChanged }: CredentialListProps) {
  return (
    <ul class="credentials" data-testid="credential-list">
      {credentials.map((credential) => (
        <CredentialRow
          key={credential.id}
          credential={credential}
          restrictions={binanceKeys.find((key) => key.credentialId === credential.id)}
          health={health.find((entry) => entry.credentialId === credential.id)}
          management={management}
          onChanged={onChanged}
        />
      ))}
    </ul>
  );
}
