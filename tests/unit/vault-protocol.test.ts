import { describe, expect, it } from 'vitest';
import { vaultHandlers } from '../../native-host/src/native/handlers/vault';
import { VaultKeeper } from '../../native-host/src/vault/vault-keeper';
import { type Request, validateHostFrame, validateRequest } from '../../shared/protocol';
import { bytesToBase64 } from '../../shared/vault/base64';
import { generateDataKey, sealSecret } from '../../shared/vault/envelope';
import { type CredentialRecord, newRecordId } from '../../shared/vault/format';

const dataKey = generateDataKey();

function sealedRecord(secret: string): CredentialRecord {
  const id = newRecordId();
  return {
    id,
    service: 'anthropic',
    name: 'Work key',
    kind: 'api_key',
    createdAt: 1_700_000_000_000,
    lastUsedAt: null,
    sealed: sealSecret(dataKey, id, new TextEncoder().encode(secret)),
  };
}

const record = sealedRecord('sk-test-FAKE-0001');
const unlock = (fields: Record<string, unknown> = {}) => ({
  id: 1,
  type: 'vault.unlock',
  dataKey: bytesToBase64(dataKey),
  formatVersion: 1,
  credentials: [record],
  idleLockMinutes: 15,
  ...fields,
});

function refusal(message: unknown): { code: string; detail: string } {
  const check = validateRequest(message);
  if (check.ok) throw new Error('expected the validator to refuse the message');
  return { code: check.code, detail: check.detail };
}

describe('vault messages are validated by the shared protocol', () => {
  it('accepts a well-formed vault.unlock', () => {
    expect(validateRequest(unlock())).toEqual({ ok: true, request: unlock() });
  });

  it('refuses a data key that is not base64 of exactly 32 bytes', () => {
    for (const bytes of [16, 31, 33, 64]) {
      expect(refusal(unlock({ dataKey: bytesToBase64(new Uint8Array(bytes).fill(7)) })).code).toBe('MESSAGE_INVALID');
    }
    // Same length, but a last character with unused bits set: two spellings of one key are refused.
    const sloppy = bytesToBase64(dataKey).replace(/.=$/, 'B=');
    expect(refusal(unlock({ dataKey: sloppy })).detail).toContain('dataKey (expected base64 of 32 bytes)');
  });

  it('refuses a credential record with a missing field, without echoing the record', () => {
    const { sealed: _sealed, ...withoutSealed } = record;
    const { code, detail } = refusal(unlock({ credentials: [withoutSealed] }));
    expect(code).toBe('MESSAGE_INVALID');
    expect(detail).toContain('credentials');
    expect(detail).not.toContain(record.id);
    expect(refusal({ id: 2, type: 'vault.credentials.put', record: withoutSealed }).code).toBe('MESSAGE_INVALID');
  });

  it('refuses two records with the same id', () => {
    expect(refusal(unlock({ credentials: [record, { ...record }] })).detail).toContain('credentials');
  });

  it('refuses an unknown format version and an idle time outside 1..1440 minutes', () => {
    expect(refusal(unlock({ formatVersion: 2 })).detail).toContain('formatVersion');
    expect(refusal(unlock({ idleLockMinutes: 0 })).detail).toContain('idleLockMinutes');
    expect(refusal(unlock({ idleLockMinutes: 1441 })).detail).toContain('idleLockMinutes');
    expect(refusal(unlock({ idleLockMinutes: 1.5 })).detail).toContain('idleLockMinutes');
  });

  it('names the credential to delete apart from the message id', () => {
    expect(validateRequest({ id: 3, type: 'vault.credentials.delete', credentialId: record.id }).ok).toBe(true);
    expect(refusal({ id: record.id, type: 'vault.credentials.delete' }).detail).toContain('credentialId');
    expect(refusal({ id: 3, type: 'vault.credentials.delete', credentialId: 'short' }).code).toBe('MESSAGE_INVALID');
  });

  it('accepts the vault.locked event only with a known reason', () => {
    const event = { type: 'event', event: 'vault.locked', reason: 'idle' };
    expect(validateHostFrame(event)).toEqual(event);
    expect(validateHostFrame({ ...event, reason: 'bored' })).toBeNull();
    expect(validateHostFrame({ type: 'event', event: 'vault.exploded' })).toBeNull();
  });
});

describe('the host vault handlers', () => {
  it('refuse a key of the wrong length even when handed one without validation', () => {
    const handleUnlock = vaultHandlers(new VaultKeeper())['vault.unlock'];
    const shortKey = { ...unlock({ dataKey: bytesToBase64(new Uint8Array(31)) }) } as unknown as Request<'vault.unlock'>;
    expect(() => handleUnlock(shortKey)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID' }));
  });
});
