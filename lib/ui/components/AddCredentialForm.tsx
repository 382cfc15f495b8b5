import { useState } from 'preact/hooks';
import type { CredentialKind } from '../../../shared/vault/format';
import { callBackground } from '../background-call';
import { ErrorNote } from './ErrorNote';
import { useAction } from '../hooks/use-action';

const KINDS_BY_SERVICE: Record<string, Array<[CredentialKind, string]>> = {
  binance: [
    ['binance_hmac', 'API key + secret key (HMAC)'],
    ['binance_ed25519', 'API key + Ed25519 private key (PEM)'],
    ['binance_rsa', 'API key + RSA private key (PEM)'],
  ],
  other: [['api_key', 'API key']],
};

/** Binance entries hold the API key and its secret or PEM key as one JSON secret. */
function secretPayload(kind: CredentialKind, apiKey: string, secret: string): string {
  if (kind === 'binance_hmac') return JSON.stringify({ api_key: apiKey.trim(), secret_key: secret.trim() });
  if (kind === 'binance_ed25519' || kind === 'binance_rsa') return JSON.stringify({ api_key: apiKey.trim(), private_key_pem: secret.trim() });
  return secret.trim();
}

export function AddCredentialForm({ onAdded }: { onAdded: () => void }) {
  const [service, setService] = useState('openai');
  const [customService, setCustomService] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<CredentialKind>('api_key');
  const [apiKey, setApiKey] = useState('');
  const [secret, setSecret] = useState('');
  const { busy, error, run } = useAction();
  const kinds = KINDS_BY_SERVICE[service === 'binance' ? 'binance' : 'other']!;
  const isBinance = service === 'binance';

  const chooseService = (value: string) => {
    setService(value);
    setKind(value === 'binance' ? 'binance_hmac' : 'api_key');
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const serviceName = service === 'custom' ? customService.trim() : service;
    void run(() => callBackground('vault.credentials.add', { service: serviceName, name: name.trim(), kind, secret: secretPayload(kind, apiKey, secret) })).then((ok) => {
      if (!ok) return;
      // The secret leaves the form for good: it is never shown again.
      setSecret('');
      setApiKey('');
      setName('');
      onAdded();
    });
  };

  return (
    <form class="card" onSubmit={submit} data-testid="add-credential">
      <h2>Add a credential</h2>
      <label>
        Service
        <select value={service} onChange={(e) => chooseService(e.currentTarget.value)} data-testid="credential-service">
          <option value="openai">OpenAI</option>
          <option value="anthropic">Anthropic</option>
          <option value="binance">Binance</option>
          <option value="custom">Custom REST API…</option>
        </select>
      </label>
      {service === 'custom' && (
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
            {kinds.map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </label>
      )}
      {isBinance && (
        <label>
          API key
          <input value={apiKey} onInput={(e) => setApiKey(e.currentTarget.value)} autocomplete="off" data-testid="credential-api-key" />
        </label>
      )}
      <label>
        {kind === 'api_key' ? 'API key' : kind === 'binance_hmac' ? 'Secret key' : 'Private key (PEM)'}
        {kind === 'binance_ed25519' || kind === 'binance_rsa' ? (
          <textarea value={secret} onInput={(e) => setSecret(e.currentTarget.value)} rows={4} autocomplete="off" data-testid="credential-secret" />
        ) : (
          <input type="password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} autocomplete="off" data-testid="credential-secret" />
        )}
      </label>
      <p class="hint">The key is encrypted at once and never shown again.</p>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy || name.trim() === '' || secret.trim() === ''} data-testid="add-credential-submit">
        {busy ? 'Saving…' : 'Save credential'}
      </button>
    </form>
  );
}
