import { describe, expect, it } from 'vitest';
import { validateVaultExport } from '../../shared/vault/export-file';
import { isRecordId, newRecordId } from '../../shared/vault/format';
import { validateAgentKeyRecord, validateCredentialRecord, validateVaultMeta } from '../../shared/vault/format-validators';

const box = { nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ciphertext: 'AAAAAAAAAAAAAAAAAAAAAA==' };
const meta = {
  formatVersion: 1,
  kdf: { algorithm: 'argon2id', memoryKiB: 65536, iterations: 2, parallelism: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' },
  wrappedDataKey: box,
  createdAt: 1_700_000_000_000,
};
const credential = {
  id: 'cred-AAAAAAAAAAAAAAAAAAAA',
  service: 'openai',
  name: 'Work key',
  kind: 'api_key',
  createdAt: 1_700_000_000_000,
  lastUsedAt: null,
  sealed: box,
};
const agent = {
  id: 'agent-AAAAAAAAAAAAAAAAAA',
  name: 'Coding agent',
  keyHash: 'a'.repeat(64),
  scopes: ['openai:chat', 'anthropic:*'],
  createdAt: 1_700_000_000_000,
  expiresAt: null,
  enabled: true,
};
const validFile = () => ({
  format: 'keygate-vault',
  formatVersion: 1,
  exportedAt: 1_700_000_000_001,
  meta: structuredClone(meta),
  credentials: [structuredClone(credential), { ...structuredClone(credential), id: 'cred-BBBBBBBBBBBBBBBBBBBB', service: 'my-proxy-2' }],
  agents: [structuredClone(agent)],
});

function refusal(value: unknown): string {
  try {
    validateVaultExport(value);
  } catch (error) {
    expect(error).toMatchObject({ code: 'IMPORT_INVALID' });
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('validateVaultExport', () => {
  it('accepts a well-formed file and returns a clean copy', () => {
    const file = validFile();
    const checked = validateVaultExport(file);
    expect(checked).toEqual(file);
    expect(checked).not.toBe(file);
    expect(checked.credentials[0]).not.toBe(file.credentials[0]);
  });

  it.each<[string, (file: ReturnType<typeof validFile>) => unknown, string]>([
    ['an unknown format version', (file) => ({ ...file, formatVersion: 99 }), 'formatVersion: expected format version 1'],
    ['an unknown meta version', (file) => ({ ...file, meta: { ...file.meta, formatVersion: 2 } }), 'meta.formatVersion'],
    ['another format', (file) => ({ ...file, format: 'bitwarden' }), 'format: expected "keygate-vault"'],
    ['a missing field', (file) => ({ ...file, credentials: [{ ...file.credentials[0], kind: undefined }] }), 'credentials[0].kind: expected'],
    ['a deleted field', ({ exportedAt: _dropped, ...file }) => file, 'exportedAt: missing'],
    ['an unknown kind', (file) => ({ ...file, credentials: [{ ...file.credentials[0], kind: 'password' }] }), 'credentials[0].kind'],
    ['an upper-case service', (file) => ({ ...file, credentials: [{ ...file.credentials[0], service: 'OpenAI' }] }), 'credentials[0].service'],
    ['a short record id', (file) => ({ ...file, credentials: [{ ...file.credentials[0], id: 'abc' }] }), 'credentials[0].id'],
    ['a control character in a name', (file) => ({ ...file, agents: [{ ...file.agents[0], name: 'bad\u0007name' }] }), 'agents[0].name'],
    ['a sealed box that is not base64', (file) => ({ ...file, meta: { ...file.meta, wrappedDataKey: { ...box, nonce: 'not base64!' } } }), 'meta.wrappedDataKey.nonce'],
    ['an extra field', (file) => ({ ...file, credentials: [{ ...file.credentials[0], plaintext: 'sk-x' }] }), 'credentials[0]."plaintext": unexpected field'],
    ['credentials that are not a list', (file) => ({ ...file, credentials: {} }), 'credentials: expected an array'],
    ['a string kdf', (file) => ({ ...file, meta: { ...file.meta, kdf: 'argon2id' } }), 'meta.kdf: expected an object'],
    ['an uppercase key hash', (file) => ({ ...file, agents: [{ ...file.agents[0], keyHash: 'A'.repeat(64) }] }), 'agents[0].keyHash'],
  ])('refuses %s, naming the field', (_label, edit, path) => {
    expect(refusal(edit(validFile()))).toContain(path);
  });

  it('refuses duplicate credential ids', () => {
    const file = validFile();
    file.credentials[1]!.id = file.credentials[0]!.id;
    expect(refusal(file)).toContain('credentials[1].id: duplicate id');
  });

  it('refuses a __proto__ key smuggled in through JSON', () => {
    const json = JSON.stringify(validFile()).replace('"meta":{', '"meta":{"__proto__":{"polluted":true},');
    expect(refusal(JSON.parse(json))).toContain('meta."__proto__": unexpected field');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses values that are not plain objects', () => {
    expect(refusal(null)).toContain('value: expected an object');
    expect(refusal([validFile()])).toContain('expected an object');
    expect(refusal(new (class Vault {})())).toContain('expected a plain object');
  });

  it('never echoes field values in its message', () => {
    const file = validFile();
    const message = refusal({ ...file, credentials: [{ ...file.credentials[0], kind: 'sk-live-SECRET-VALUE' }] });
    expect(message).not.toContain('SECRET');
  });
});

describe('stored-record validators', () => {
  it('accept valid records', () => {
    expect(validateVaultMeta(meta)).toEqual(meta);
    expect(validateCredentialRecord(credential)).toEqual(credential);
    expect(validateAgentKeyRecord(agent)).toEqual(agent);
  });

  it('report damage as VAULT_CORRUPT', () => {
    expect(() => validateVaultMeta({ ...meta, createdAt: -1 })).toThrow(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
    expect(() => validateCredentialRecord({ ...credential, lastUsedAt: 'yesterday' })).toThrow(/credential\.lastUsedAt/);
    expect(() => validateAgentKeyRecord({ ...agent, enabled: 'yes' })).toThrow(/agent\.enabled/);
  });
});

describe('record ids', () => {
  it('are 16 random bytes, url-safe', () => {
    const ids = new Set(Array.from({ length: 100 }, newRecordId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(isRecordId(id)).toBe(true);
    }
  });
});
