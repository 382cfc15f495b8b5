import { describe, expect, it } from 'vitest';
import { credentialHint, isCredentialHint } from '../../shared/vault/credential-hint';
import { validateCredentialRecord } from '../../shared/vault/format-validators';
import { generateDataKey } from '../../shared/vault/envelope';
import { renamedCredential, resealedCredential, sealNewCredential } from '../../shared/vault/new-credential';
import { openSealedSecret } from '../../shared/vault/envelope';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('credential hint (prefix and last 4, never more)', () => {
  it('shows the provider prefix and the last 4 of a long key', () => {
    expect(credentialHint('api_key', bytes('sk-proj-FAKEabcdefghijklmnopqrstuvwxyz0123a1b2'))).toBe('sk-proj-…a1b2');
    expect(credentialHint('api_key', bytes('sk-ant-api03-FAKEabcdefghijklmnopqrstuvwxyzQRST'))).toBe('sk-ant-…QRST');
    expect(credentialHint('api_key', bytes('ghp_FAKE0123456789abcdefghijklmnop9z9z'))).toBe('ghp_…9z9z');
  });

  it('hides the tail of a short key and never shows a non-printable byte', () => {
    expect(credentialHint('api_key', bytes('sk-short-key-0001'))).toBe('…');
    expect(credentialHint('api_key', bytes('plainsecretwithoutprefix-12345\n'))).toBe('…');
  });

  it("takes a Binance key's hint from its API key, never from the secret key", () => {
    const apiKey = 'A'.repeat(60) + 'wxyz';
    const secret = bytes(JSON.stringify({ api_key: apiKey, secret_key: 'S'.repeat(60) + '9999' }));
    expect(credentialHint('binance_hmac', secret)).toBe('…wxyz');
  });

  it('is kept on the record, checked by the record validator, and follows a replaced secret', () => {
    const dataKey = generateDataKey();
    const record = sealNewCredential(dataKey, { service: 'openai', name: 'personal', kind: 'api_key', secret: bytes('sk-test-FAKE0123456789abcdefghij0001') }, 1);
    expect(record.hint).toBe('sk-test-…0001');
    expect(validateCredentialRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
    expect(() => validateCredentialRecord({ ...record, hint: 'sk-test-FAKE0123456789abcdefghij0001' })).toThrow(/hint/);
    expect(isCredentialHint(record.hint)).toBe(true);

    const replaced = resealedCredential(dataKey, renamedCredential(record, 'work'), bytes('sk-test-FAKE9876543210zyxwvutsrqpo0002'));
    expect(replaced).toMatchObject({ id: record.id, name: 'work', hint: 'sk-test-…0002' });
    expect(new TextDecoder().decode(openSealedSecret(dataKey, replaced.id, replaced.sealed))).toBe('sk-test-FAKE9876543210zyxwvutsrqpo0002');
  });
});
