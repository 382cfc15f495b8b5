import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashAgentKey } from '../../shared/agents/agent-keys';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { openSealedSecret } from '../../shared/vault/envelope';
import { validateVaultExport } from '../../shared/vault/export-file';
import type { VaultExport } from '../../shared/vault/format';
import { MIN_KDF_COST } from '../../shared/vault/kdf';
import {
  addAgentRecord,
  addSealedCredential,
  createVaultDocument,
  isSameVault,
  markCredentialUsed,
  removeAgentRecord,
  removeCredential,
  setAgentEnabled,
  unlockVaultDocument,
} from '../../shared/vault/vault-document';
import { openVaultDb } from '../../lib/vault/vault-db';
import { addCredential, createVault, exportVault, importVault, openCredential } from '../../lib/vault/vault-service';

// The KDF floor (64 MiB, t = 2), as vault-service.test.ts: real Argon2id, fewer seconds.
const FAST = { kdfCost: MIN_KDF_COST };
const PASSWORD = 'correct horse battery staple';
const SECRET = 'sk-proj-DOCUMENT-SECRET-aaaaaaaaaaaaaaaa';
const NOW = Date.UTC(2026, 0, 15, 10, 0, 0);
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let empty: VaultExport;
let dataKey: Uint8Array;

beforeAll(async () => {
  ({ document: empty, dataKey } = await createVaultDocument(PASSWORD, { ...FAST, now: NOW }));
});

describe('a new vault document', () => {
  it('is a valid, empty export file whose password unwraps the returned data key', async () => {
    expect(validateVaultExport(JSON.parse(JSON.stringify(empty)))).toEqual(empty);
    expect(empty).toMatchObject({ exportedAt: NOW, credentials: [], agents: [], meta: { createdAt: NOW, kdf: { memoryKiB: MIN_KDF_COST.memoryKiB } } });
    expect(await unlockVaultDocument(empty, PASSWORD)).toEqual(dataKey);
  });

  it('opens with the same password typed in another Unicode normal form', async () => {
    const { document, dataKey: key } = await createVaultDocument('Crème brûlée à minuit 42', { ...FAST, now: NOW });
    expect(await unlockVaultDocument(document, 'Cre\u0300me bru\u0302le\u0301e a\u0300 minuit 42')).toEqual(key);
  });

  it('refuses a weak password before deriving anything, and a wrong one on unlock', async () => {
    await expect(createVaultDocument('password123', { ...FAST, now: NOW })).rejects.toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    await expect(unlockVaultDocument(empty, 'correct horse battery stapler')).rejects.toMatchObject({ code: 'VAULT_PASSWORD_WRONG' });
  });
});

describe('editing a vault document', () => {
  it('adds a sealed credential that opens to the secret, leaving the input document as it was', () => {
    const { document, record } = addSealedCredential(empty, dataKey, { service: 'openai', name: 'work', kind: 'api_key', secret: utf8(SECRET) }, NOW + 1);
    expect(empty.credentials).toEqual([]);
    expect(document.credentials).toEqual([record]);
    expect(record).toMatchObject({ service: 'openai', name: 'work', kind: 'api_key', createdAt: NOW + 1, lastUsedAt: null });
    expect(text(openSealedSecret(dataKey, record.id, record.sealed))).toBe(SECRET);
    expect(JSON.stringify(document)).not.toContain(SECRET);
    expect(validateVaultExport(JSON.parse(JSON.stringify(document)))).toEqual(document);
  });

  it('refuses a credential with a bad field', () => {
    expect(() => addSealedCredential(empty, dataKey, { service: 'Open AI', name: 'x', kind: 'api_key', secret: utf8(SECRET) }, NOW)).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_INVALID' }),
    );
  });

  it('removes a credential by id, and says so when the id is unknown', () => {
    const { document, record } = addSealedCredential(empty, dataKey, { service: 'anthropic', name: 'a', kind: 'api_key', secret: utf8(SECRET) }, NOW);
    expect(removeCredential(document, record.id, NOW + 5)).toMatchObject({ credentials: [], exportedAt: NOW + 5 });
    expect(() => removeCredential(empty, record.id, NOW)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_NOT_FOUND' }));
  });

  it('records when a credential was last used, and ignores one removed meanwhile', () => {
    const { document, record } = addSealedCredential(empty, dataKey, { service: 'openai', name: 'used', kind: 'api_key', secret: utf8(SECRET) }, NOW);
    expect(markCredentialUsed(document, record.id, NOW + 60_000).credentials[0]?.lastUsedAt).toBe(NOW + 60_000);
    expect(markCredentialUsed(empty, record.id, NOW + 60_000)).toBe(empty);
  });

  it('keeps an agent key as its SHA-256 only', async () => {
    const { key, record } = await mintAgentKey({ name: 'ci', scopes: ['openai', 'custom:github'], expiresAt: null }, NOW);
    const document = addAgentRecord(empty, record, NOW);
    expect(document.agents).toEqual([{ ...record, keyHash: await hashAgentKey(key) }]);
    expect(JSON.stringify(document)).not.toContain(key);
    expect(() => addAgentRecord(document, record, NOW)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID' }));
  });

  it('removes one agent key by id, leaving the others and the input document as they were', async () => {
    const { record: ci } = await mintAgentKey({ name: 'ci', scopes: ['openai'], expiresAt: null }, NOW);
    const { record: bot } = await mintAgentKey({ name: 'bot', scopes: ['anthropic'], expiresAt: null }, NOW);
    const both = addAgentRecord(addAgentRecord(empty, ci, NOW), bot, NOW);
    const snapshot = structuredClone(both);
    expect(removeAgentRecord(both, ci.id, NOW + 5)).toEqual({ ...both, exportedAt: NOW + 5, agents: [bot] });
    expect(both).toEqual(snapshot);
    expect(() => removeAgentRecord(empty, ci.id, NOW)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID', detail: `No agent key with id "${ci.id}".` }));
  });

  it('disables and enables one agent key by id, leaving the input document as it was', async () => {
    const { record: ci } = await mintAgentKey({ name: 'ci', scopes: ['openai'], expiresAt: null }, NOW);
    const { record: bot } = await mintAgentKey({ name: 'bot', scopes: ['anthropic'], expiresAt: null }, NOW);
    const both = addAgentRecord(addAgentRecord(empty, ci, NOW), bot, NOW);
    const snapshot = structuredClone(both);
    const disabled = setAgentEnabled(both, ci.id, false, NOW + 5);
    expect(disabled).toEqual({ ...both, exportedAt: NOW + 5, agents: [{ ...ci, enabled: false }, bot] });
    expect(both).toEqual(snapshot);
    expect(setAgentEnabled(disabled, ci.id, true, NOW + 9)).toEqual({ ...both, exportedAt: NOW + 9 });
    expect(validateVaultExport(JSON.parse(JSON.stringify(disabled)))).toEqual(disabled);
    expect(() => setAgentEnabled(empty, ci.id, false, NOW)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID' }));
  });

  it('tells its own edits apart from another vault', async () => {
    const { document: other } = await createVaultDocument(PASSWORD, { ...FAST, now: NOW });
    const edited = addSealedCredential(empty, dataKey, { service: 'openai', name: 'x', kind: 'api_key', secret: utf8(SECRET) }, NOW).document;
    expect(isSameVault(edited, empty)).toBe(true);
    expect(isSameVault(other, empty)).toBe(false);
  });
});

describe('the same file as the extension', () => {
  it('unlocks an export made by the extension and imports into it', async () => {
    const db = await openVaultDb('keygate-document-interop');
    const extensionKey = await createVault(db, PASSWORD, FAST);
    await addCredential(db, extensionKey, { service: 'openai', name: 'from popup', kind: 'api_key', secret: utf8(SECRET) });
    const exported = await exportVault(db);
    const key = await unlockVaultDocument(exported, PASSWORD);
    expect(text(openSealedSecret(key, exported.credentials[0]!.id, exported.credentials[0]!.sealed))).toBe(SECRET);

    const { document, record } = addSealedCredential(exported, key, { service: 'anthropic', name: 'from shell', kind: 'api_key', secret: utf8('sk-ant-SHELL') }, NOW);
    const imported = await importVault(db, JSON.parse(JSON.stringify(document)), PASSWORD);
    expect(text(openCredential(imported, record))).toBe('sk-ant-SHELL');
    db.close();
  });
});
