import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readBinanceCredential } from '../../shared/binance/binance-credential';

const FAKE_API_KEY = 'FAKEapiKEYfakeAPIkeyFAKEapiKEYfakeAPIkeyFAKEapiKEYfakeAPIkey0000';
const FAKE_SECRET = 'FAKEsecretKEYfakeSECRETkeyFAKEsecretKEYfakeSECRETkeyFAKE00000000';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('Binance credential format (checked on save and again before signing)', () => {
  it('accepts an HMAC key pair of 64 letters and digits each', () => {
    expect(readBinanceCredential('binance_hmac', JSON.stringify({ api_key: FAKE_API_KEY, secret_key: FAKE_SECRET }))).toEqual({
      kind: 'binance_hmac',
      apiKey: FAKE_API_KEY,
      secretKey: FAKE_SECRET,
    });
  });

  it('accepts an Ed25519 PEM private key with its API key', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(readBinanceCredential('binance_ed25519', JSON.stringify({ api_key: FAKE_API_KEY, private_key_pem: pem }))).toMatchObject({ kind: 'binance_ed25519' });
  });

  it.each([
    ['a short secret', 'binance_hmac', { api_key: FAKE_API_KEY, secret_key: 'tooShort' }],
    ['a secret with symbols', 'binance_hmac', { api_key: FAKE_API_KEY, secret_key: `${FAKE_SECRET.slice(0, 63)}!` }],
    ['a missing field', 'binance_hmac', { api_key: FAKE_API_KEY }],
    ['an extra field', 'binance_hmac', { api_key: FAKE_API_KEY, secret_key: FAKE_SECRET, note: 'x' }],
    ['a public key as PEM', 'binance_rsa', { api_key: FAKE_API_KEY, private_key_pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }],
    ['an encrypted PEM', 'binance_rsa', { api_key: FAKE_API_KEY, private_key_pem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----' }],
  ] as const)('refuses %s with CREDENTIAL_FORMAT_INVALID and never echoes it', (_label, kind, fields) => {
    const message = refusal(() => readBinanceCredential(kind, JSON.stringify(fields)));
    expect(message).toMatch(/^CREDENTIAL_FORMAT_INVALID: /);
    expect(message).not.toContain('tooShort');
    expect(message).not.toContain(FAKE_SECRET.slice(0, 20));
  });

  it('refuses text that is not JSON without quoting it', () => {
    const message = refusal(() => readBinanceCredential('binance_hmac', `{"api_key": "${FAKE_API_KEY}", secret`));
    expect(message).toMatch(/^CREDENTIAL_FORMAT_INVALID: .*not JSON/);
    expect(message).not.toContain(FAKE_API_KEY);
  });
});
