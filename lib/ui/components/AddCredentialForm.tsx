import { useState } from 'preact/hooks';
import type { CredentialKind } from '../../../shared/vault/format';
import { callBackground } from '../background-call';
import { useAction } from '../hooks/use-action';
import { ErrorNote } from './ErrorNote';
import { useSecretFields } from './use-secret-fields';

const BINANCE_KINDS: Array<[CredentialKind, string]> = [
  ['binance_hmac', 'API key + secret key (HMAC)'],
  ['binance_ed25519', 'API key + Ed25519 private key (PEM)'],
  ['binance_rsa', 'API key + RSA private key (PEM)'],
];

interface AddCredentialFormProps {
  onAdded: () => void;
  /** Fixes the service (the "add a custom API" flow adds the key for the service it just made). */
  fixedService?: string;
  /** The popup folds the form behind a button; the options page shows it open. */
  onCancel?: () => void;
}

export function AddCredentialForm({ onAdded, fixedService, onCancel }: AddCredentialFormProps) {
  const [service, setService] = useState(fixedService === undefined ? 'openai' : 'custom');
  const [customService, setCustomService] = useState(fixedService ?? '');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<CredentialKind>('api_key');
  const secret = useSecretFields(kind);
  const { busy, error, run } = useAction();
  const isBinance = service === 'binance';

  const chooseService = (value: string) => {
    setService(value);
    setKind(value === 'binance' ? 'binance_hmac' : 'api_key');
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const serviceName = service === 'custom' ? customService.trim() : service;
    void run(() => callBackground('vault.credentials.add', { service: serviceName, name: name.trim(), kind, secret: secret.payload() })).then((ok) => {
      if (!ok) return;
      // The secret leaves the form for good: it is never shown again.
      secret.clear();
      setName('');
      onAdded();
    });
  };

  return (
    <form class="card" onSubmit={submit} data-testid="add-credential">
      <h2>{fixedService === undefined ? 'Add a credential' : `Add the key for ${fixedService}`}</h2>
      {fixedService === undefined && (
        <label>
          Service
          <select value={service} onChange={(e) => chooseService(e.currentTarget.value)} data-testid="credential-service">
            <option value="openai">OpenAI</option>
            <option value="anthropic">Anthropic</option>
            <option value="binance">Binance</option>
            <option value="custom">Custom REST API…</option>
          </select>
        </label>
      )}
      {service === 'custom' && fixedService === undefined && (
        <label>
          Service name (as in the policy, e.g. github)
          <input value={customService} onInput={(e) => setCustomService(e.currentTarget.value)} pattern="[a-z0-9-]{1,40}" data-testid="credential-custom-service" />
        </label>
      )}
      <label>
        Name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={80} placeholder="e.g. personal" data-testid="credential-name" />
      </label>
      {isBinance && (
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as CredentialKind)} data-testid="credential-kind">
            {BINANCE_KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      )}
      {secret.fields}
      <p class="hint">The key is encrypted at once and never shown again; Keygate keeps only a hint like sk-…a1b2 to tell keys apart.</p>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || name.trim() === '' || !secret.complete} data-testid="add-credential-submit">
          {busy ? 'Saving…' : 'Save credential'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} data-testid="add-credential-cancel">
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
