import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../shared/vault/base64';
import type { CredentialRecord, VaultExport } from '../../shared/vault/format';
import { DEFAULT_KDF_PARAMS, MIN_KDF_COST } from '../../shared/vault/kdf';
import { listCredentials, openVaultDb, putCredential, readMeta, replaceVault, type VaultDb } from '../../lib/vault/vault-db';
import {
  addCredential,
  changePassword,
  createVault,
  deleteCredential,
  exportVault,
  importVault,
  listCredentialSummaries,
  type NewCredential,
  openCredential,
  unlockVault,
  verifyCredentials,
} from '../../lib/vault/vault-service';

// The KDF floor (64 MiB, t = 2): real Argon2id, ~0.2 s per derivation on the CI machines.
const FAST = { kdfCost: MIN_KDF_COST };
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'violet-anchor-meadow-42';
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const SECRETS = {
  openai: 'sk-proj-OPENAI-SECRET-aaaaaaaaaaaaaaaaaaaa',
  anthropic: 'sk-ant-ANTHROPIC-SECRET-bbbbbbbbbbbbbbbbbb',
  binance: 'BINANCE-HMAC-SECRET-cccccccccccccccccccccccc',
};

let dbCount = 0;
const freshDb = () => openVaultDb(`keygate-test-${++dbCount}`);

async function vaultWithThreeCredentials(): Promise<{ db: VaultDb; dataKey: Uint8Array; records: CredentialRecord[] }> {
  const db = await freshDb();
  const dataKey = await createVault(db, PASSWORD, FAST);
  const inputs: NewCredential[] = [
    { service: 'openai', name: 'Work OpenAI', kind: 'api_key', secret: utf8(SECRETS.openai) },
    { service: 'anthropic', name: 'Claude', kind: 'api_key', secret: utf8(SECRETS.anthropic) },
    { service: 'binance', name: 'Trading bot', kind: 'binance_hmac', secret: utf8(SECRETS.binance) },
  ];
  const records = [];
  for (const input of inputs) records.push(await addCredential(db, dataKey, input));
  return { db, dataKey, records };
}

/** Every record in the vault's stores, as JSON: what an attacker with the profile directory reads. */
async function rawStoreDump(db: VaultDb): Promise<string> {
  const stores = ['meta', 'credentials', 'policies', 'agents', 'grants'] as const;
  return JSON.stringify(await Promise.all(stores.map((store) => db.getAll(store))));
}

const codeOf = (code: string) => expect.objectContaining({ code });

describe('create and unlock', () => {
  it('creates a vault that unlocks to the same data key', async () => {
    const db = await freshDb();
    const dataKey = await createVault(db, PASSWORD, FAST);
    expect(dataKey).toHaveLength(32);
    expect(await unlockVault(db, PASSWORD)).toEqual(dataKey);
    expect((await readMeta(db))?.kdf).toMatchObject(MIN_KDF_COST);
  });

  it('uses m = 256 MiB, t = 3, p = 1 when no cost is given', async () => {
    const db = await freshDb();
    await createVault(db, PASSWORD);
    expect((await readMeta(db))?.kdf).toMatchObject(DEFAULT_KDF_PARAMS);
  }, 30_000);

  it('refuses a wrong password', async () => {
    const db = await freshDb();
    await createVault(db, PASSWORD, FAST);
    await expect(unlockVault(db, 'correct horse battery stapler')).rejects.toThrow(codeOf('VAULT_PASSWORD_WRONG'));
  });

  it('reports a missing vault', async () => {
    await expect(unlockVault(await freshDb(), PASSWORD)).rejects.toThrow(codeOf('VAULT_NOT_FOUND'));
  });

  it('refuses to create a second vault', async () => {
    const db = await freshDb();
    await createVault(db, PASSWORD, FAST);
    await expect(createVault(db, NEW_PASSWORD, FAST)).rejects.toThrow(codeOf('VAULT_EXISTS'));
    expect(await unlockVault(db, PASSWORD)).toHaveLength(32);
  });

  it.each(['password123', 'aaaaaaaaaaaa', 'hunter2'])('refuses the weak password %j and stores nothing', async (weak) => {
    const db = await freshDb();
    await expect(createVault(db, weak, FAST)).rejects.toThrow(codeOf('PASSWORD_TOO_WEAK'));
    expect(await readMeta(db)).toBeUndefined();
  });

  it('fails closed when the stored KDF parameters were lowered', async () => {
    const db = await freshDb();
    await createVault(db, PASSWORD, FAST);
    const meta = await readMeta(db);
    await db.put('meta', { ...meta!, kdf: { ...meta!.kdf, memoryKiB: 1024, iterations: 1 } }, 'vault');
    await expect(unlockVault(db, PASSWORD)).rejects.toThrow(codeOf('VAULT_KDF_TOO_WEAK'));
  });

  it('fails closed when the stored meta is damaged', async () => {
    const db = await freshDb();
    await createVault(db, PASSWORD, FAST);
    await db.put('meta', { formatVersion: 1, kdf: 'argon2id' } as never, 'vault');
    await expect(unlockVault(db, PASSWORD)).rejects.toThrow(codeOf('VAULT_CORRUPT'));
  });
});

describe('credentials', () => {
  let vault: Awaited<ReturnType<typeof vaultWithThreeCredentials>>;
  beforeAll(async () => {
    vault = await vaultWithThreeCredentials();
  });

  it('opens each credential to its secret', () => {
    const [openai, anthropic, binance] = vault.records;
    expect(text(openCredential(vault.dataKey, openai!))).toBe(SECRETS.openai);
    expect(text(openCredential(vault.dataKey, anthropic!))).toBe(SECRETS.anthropic);
    expect(text(openCredential(vault.dataKey, binance!))).toBe(SECRETS.binance);
  });

  it('lists summaries without the sealed secret', async () => {
    const summaries = await listCredentialSummaries(vault.db);
    expect(summaries.map((summary) => summary.name)).toEqual(['Claude', 'Trading bot', 'Work OpenAI']);
    for (const summary of summaries) expect(Object.keys(summary).sort()).toEqual(['createdAt', 'hint', 'id', 'kind', 'lastUsedAt', 'name', 'service']);
    const json = JSON.stringify(summaries);
    for (const secret of Object.values(SECRETS)) expect(json).not.toContain(secret);
  });

  it('never stores a secret in plaintext (raw IndexedDB scan)', async () => {
    const dump = await rawStoreDump(vault.db);
    for (const secret of Object.values(SECRETS)) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(bytesToBase64(utf8(secret)));
      expect(dump).not.toContain(secret.slice(8, 24));
    }
  });

  it('leaves the caller’s secret bytes alone', async () => {
    const secret = utf8('sk-caller-owned-bytes-0000');
    await addCredential(vault.db, vault.dataKey, { service: 'my-proxy', name: 'Own', kind: 'api_key', secret });
    expect(text(secret)).toBe('sk-caller-owned-bytes-0000');
  });

  it.each([
    ['an upper-case service', { service: 'OpenAI' }],
    ['an empty service', { service: '' }],
    ['a blank name', { name: '   ' }],
    ['an 81-character name', { name: 'x'.repeat(81) }],
    ['an unknown kind', { kind: 'password' }],
    ['an empty secret', { secret: new Uint8Array() }],
  ])('refuses %s', async (_label, change) => {
    const input = { service: 'openai', name: 'Key', kind: 'api_key', secret: utf8('sk-1'), ...change } as NewCredential;
    await expect(addCredential(vault.db, vault.dataKey, input)).rejects.toThrow(codeOf('CREDENTIAL_INVALID'));
  });

  it('deletes a credential, and reports an unknown one', async () => {
    const record = await addCredential(vault.db, vault.dataKey, { service: 'openai', name: 'Temp', kind: 'api_key', secret: utf8('sk-temp') });
    await deleteCredential(vault.db, record.id);
    expect((await listCredentialSummaries(vault.db)).map((summary) => summary.id)).not.toContain(record.id);
    await expect(deleteCredential(vault.db, record.id)).rejects.toThrow(codeOf('CREDENTIAL_NOT_FOUND'));
  });
});

describe('per-record tamper isolation', () => {
  it('reports exactly the tampered record; the other two still open', async () => {
    const { db, dataKey, records } = await vaultWithThreeCredentials();
    const victim = records[1]!;
    const ciphertext = base64ToBytes(victim.sealed.ciphertext);
    ciphertext[4] = (ciphertext[4] ?? 0) ^ 0x80;
    await putCredential(db, { ...victim, sealed: { ...victim.sealed, ciphertext: bytesToBase64(ciphertext) } });

    const checks = verifyCredentials(dataKey, await listCredentials(db));
    expect(checks.filter((check) => !check.ok)).toEqual([
      { id: victim.id, ok: false, error: expect.objectContaining({ code: 'CREDENTIAL_TAMPERED' }) },
    ]);
    expect(text(openCredential(dataKey, records[0]!))).toBe(SECRETS.openai);
    expect(text(openCredential(dataKey, records[2]!))).toBe(SECRETS.binance);
  });

  it('catches two records whose sealed secrets were swapped', async () => {
    const { dataKey, records } = await vaultWithThreeCredentials();
    const [a, b, c] = records as [CredentialRecord, CredentialRecord, CredentialRecord];
    const checks = verifyCredentials(dataKey, [{ ...a, sealed: b.sealed }, { ...b, sealed: a.sealed }, c]);
    expect(checks.map((check) => check.ok)).toEqual([false, false, true]);
  });
});

describe('change password', () => {
  it('re-wraps the data key only: credential records stay byte-identical', async () => {
    const { db, dataKey } = await vaultWithThreeCredentials();
    const before = JSON.stringify(await listCredentials(db));
    const metaBefore = await readMeta(db);

    await changePassword(db, dataKey, PASSWORD, NEW_PASSWORD);

    expect(JSON.stringify(await listCredentials(db))).toBe(before);
    const metaAfter = await readMeta(db);
    expect(metaAfter?.kdf.salt).not.toBe(metaBefore?.kdf.salt);
    expect(metaAfter?.kdf).toMatchObject(MIN_KDF_COST);
    await expect(unlockVault(db, PASSWORD)).rejects.toThrow(codeOf('VAULT_PASSWORD_WRONG'));
    const unlocked = await unlockVault(db, NEW_PASSWORD);
    expect(unlocked).toEqual(dataKey);
    expect(verifyCredentials(unlocked, await listCredentials(db)).every((check) => check.ok)).toBe(true);
  });

  it('refuses a wrong old password, a weak new one, or a stale session, and changes nothing', async () => {
    const db = await freshDb();
    const dataKey = await createVault(db, PASSWORD, FAST);
    const before = await rawStoreDump(db);
    await expect(changePassword(db, dataKey, 'not the password at all', NEW_PASSWORD)).rejects.toThrow(codeOf('VAULT_PASSWORD_WRONG'));
    await expect(changePassword(db, dataKey, PASSWORD, 'password1')).rejects.toThrow(codeOf('PASSWORD_TOO_WEAK'));
    await expect(changePassword(db, new Uint8Array(32), PASSWORD, NEW_PASSWORD)).rejects.toThrow(codeOf('VAULT_LOCKED'));
    expect(await rawStoreDump(db)).toBe(before);
  });
});

describe('export and import', () => {
  let source: Awaited<ReturnType<typeof vaultWithThreeCredentials>>;
  let exported: VaultExport;
  beforeAll(async () => {
    source = await vaultWithThreeCredentials();
    // Through JSON, as the file on disk would be.
    exported = JSON.parse(JSON.stringify(await exportVault(source.db))) as VaultExport;
  });

  it('exports only sealed secrets', () => {
    const json = JSON.stringify(exported);
    for (const secret of Object.values(SECRETS)) expect(json).not.toContain(secret);
    expect(exported).toMatchObject({ format: 'keygate-vault', formatVersion: 1 });
  });

  it('imports into a fresh database, where the same credentials open', async () => {
    const target = await freshDb();
    const dataKey = await importVault(target, exported, PASSWORD);
    expect(dataKey).toEqual(source.dataKey);
    expect(await unlockVault(target, PASSWORD)).toEqual(dataKey);
    expect(await listCredentialSummaries(target)).toEqual(await listCredentialSummaries(source.db));
    const secrets = (await listCredentials(target)).map((record) => text(openCredential(dataKey, record)));
    expect(secrets.sort()).toEqual(Object.values(SECRETS).sort());
  });

  /** A copy of the exported file with one edit (built lazily: the export exists only after beforeAll). */
  const edited = (edit: (copy: VaultExport & Record<string, unknown>) => void) => (): unknown => {
    const copy = structuredClone(exported) as VaultExport & Record<string, unknown>;
    edit(copy);
    return copy;
  };

  const flipCiphertextByte = (copy: VaultExport) => {
    const record = copy.credentials[2]!;
    const bytes = base64ToBytes(record.sealed.ciphertext);
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    record.sealed.ciphertext = bytesToBase64(bytes);
  };
  const dropKind = (copy: VaultExport) => void delete (copy.credentials[0] as Partial<CredentialRecord>).kind;

  it.each([
    ['one byte of a credential ciphertext edited', edited(flipCiphertextByte), PASSWORD, 'CREDENTIAL_TAMPERED'],
    ['the KDF memory lowered', edited((copy) => void (copy.meta.kdf.memoryKiB = 1024)), PASSWORD, 'VAULT_KDF_TOO_WEAK'],
    ['the KDF salt changed', edited((copy) => void (copy.meta.kdf.salt = bytesToBase64(new Uint8Array(16)))), PASSWORD, 'VAULT_PASSWORD_WRONG'],
    ['the wrong password', edited(() => {}), NEW_PASSWORD, 'VAULT_PASSWORD_WRONG'],
    ['formatVersion 99', edited((copy) => void (copy.formatVersion = 99 as never)), PASSWORD, 'IMPORT_INVALID'],
    ['a missing field', edited(dropKind), PASSWORD, 'IMPORT_INVALID'],
    ['a foreign JSON file', () => ({ name: 'package', version: '1.0.0' }), PASSWORD, 'IMPORT_INVALID'],
  ])('refuses %s and leaves the target vault untouched', async (_label, makeFile, password, code) => {
    const target = await freshDb();
    const dataKey = await createVault(target, NEW_PASSWORD, FAST);
    await addCredential(target, dataKey, { service: 'openai', name: 'Existing', kind: 'api_key', secret: utf8('sk-existing') });
    const before = await rawStoreDump(target);

    await expect(importVault(target, makeFile(), password)).rejects.toThrow(codeOf(code));
    expect(await rawStoreDump(target)).toBe(before);
  });

  it('names the wrong field of an invalid file', async () => {
    await expect(importVault(await freshDb(), edited(dropKind)(), PASSWORD)).rejects.toThrow(/credentials\[0\]\.kind: missing/);
  });

  it('replaceVault lands whole or not at all', async () => {
    const { db } = await vaultWithThreeCredentials();
    const before = await rawStoreDump(db);
    const broken = { ...exported, credentials: [...exported.credentials, { name: 'no id' } as unknown as CredentialRecord] };
    await expect(replaceVault(db, broken)).rejects.toThrow();
    expect(await rawStoreDump(db)).toBe(before);
  });
});
