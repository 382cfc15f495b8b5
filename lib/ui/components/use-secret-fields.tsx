import { useState } from 'preact/hooks';
import type { CredentialKind } from '../../../shared/vault/format';

/** Binance entries hold the API key and its secret or PEM key as one JSON secret. */
function secretPayload(kind: CredentialKind, apiKey: string, secret: string): string {
  if (kind === 'binance_hmac') return JSON.stringify({ api_key: apiKey.trim(), secret_key: secret.trim() });
  if (kind === 'binance_ed25519' || kind === 'binance_rsa') return JSON.stringify({ api_key: apiKey.trim(), private_key_pem: secret.trim() });
  return secret.trim();
}

const isPem = (kind: CredentialKind) => kind === 'binance_ed25519' || kind === 'binance_rsa';

/**
 * The secret inputs for a credential of one kind (an API key; or a Binance API key with its secret or
 * PEM key), as adding and replacing a credential both ask for them. `clear` drops the typed secret
 * from the page once it has been saved: it is never shown again.
 */
export function useSecretFields(kind: CredentialKind, testIdPrefix = 'credential') {
  const [apiKey, setApiKey] = useState('');
  const [secret, setSecret] = useState('');
  const isBinance = kind !== 'api_key';
  const fields = (
    <>
      {isBinance && (
        <label>
          API key
          <input value={apiKey} onInput={(e) => setApiKey(e.currentTarget.value)} autocomplete="off" data-testid={`${testIdPrefix}-api-key`} />
        </label>
      )}
      <label>
        {kind === 'api_key' ? 'API key' : kind === 'binance_hmac' ? 'Secret key' : 'Private key (PEM)'}
        {isPem(kind) ? (
          <textarea value={secret} onInput={(e) => setSecret(e.currentTarget.value)} rows={4} autocomplete="off" data-testid={`${testIdPrefix}-secret`} />
        ) : (
          <input type="password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} autocomplete="off" data-testid={`${testIdPrefix}-secret`} />
        )}
      </label>
    </>
  );
  const clear = () => {
    setSecret('');
    setApiKey('');
  };
  return { fields, payload: () => secretPayload(kind, apiKey, secret), complete: secret.trim() !== '' && (!isBinance || apiKey.trim() !== ''), clear };
}
