/**
 * The vault's IndexedDB store, through `idb`: thin typed reads and writes, no crypto. Records are
 * already sealed when they arrive here; nothing in this database is ever plaintext secret.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { KeygateError } from '../../shared/errors';
import type { AgentKeyRecord, CredentialRecord, VaultExport, VaultMeta } from '../../shared/vault/format';
import { validateVaultMeta } from '../../shared/vault/format-validators';

/** Policies and site grants belong to other modules; the vault only creates their stores. */
export interface StoredObject {
  id: string;
  [field: string]: unknown;
}

export interface VaultSchema extends DBSchema {
  meta: { key: 'vault'; value: VaultMeta };
  credentials: { key: string; value: CredentialRecord; indexes: { 'by-service': string } };
  policies: { key: string; value: StoredObject };
  agents: { key: string; value: AgentKeyRecord };
  grants: { key: string; value: StoredObject };
}

export type VaultDb = IDBPDatabase<VaultSchema>;

const DB_VERSION = 1;
const META_KEY = 'vault';

export function openVaultDb(name = 'keygate'): Promise<VaultDb> {
  return openDB<VaultSchema>(name, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore('meta');
      db.createObjectStore('credentials', { keyPath: 'id' }).createIndex('by-service', 'service');
      db.createObjectStore('policies', { keyPath: 'id' });
      db.createObjectStore('agents', { keyPath: 'id' });
      db.createObjectStore('grants', { keyPath: 'id' });
    },
  });
}

export async function hasMeta(db: VaultDb): Promise<boolean> {
  return (await db.count('meta', META_KEY)) > 0;
}

/** The stored meta, validated (VAULT_CORRUPT if it is damaged), or undefined when no vault exists. */
export async function readMeta(db: VaultDb): Promise<VaultMeta | undefined> {
  const stored: unknown = await db.get('meta', META_KEY);
  return stored === undefined ? undefined : validateVaultMeta(stored);
}

export async function writeMeta(db: VaultDb, meta: VaultMeta): Promise<void> {
  await db.put('meta', meta, META_KEY);
}

/** Writes the meta only if none exists, atomically: two racing "create vault" calls cannot both win. */
export async function insertMeta(db: VaultDb, meta: VaultMeta): Promise<void> {
  try {
    await db.add('meta', meta, META_KEY);
  } catch (error) {
    if (error instanceof Error && error.name === 'ConstraintError') throw new KeygateError('VAULT_EXISTS');
    throw error;
  }
}

export function listCredentials(db: VaultDb): Promise<CredentialRecord[]> {
  return db.getAll('credentials');
}

export function getCredential(db: VaultDb, id: string): Promise<CredentialRecord | undefined> {
  return db.get('credentials', id);
}

export async function putCredential(db: VaultDb, record: CredentialRecord): Promise<void> {
  await db.put('credentials', record);
}

export function deleteCredential(db: VaultDb, id: string): Promise<void> {
  return db.delete('credentials', id);
}

export function listAgents(db: VaultDb): Promise<AgentKeyRecord[]> {
  return db.getAll('agents');
}

export async function putAgent(db: VaultDb, record: AgentKeyRecord): Promise<void> {
  await db.put('agents', record);
}

export function deleteAgent(db: VaultDb, id: string): Promise<void> {
  return db.delete('agents', id);
}

/** The panic button's write for agent keys: every one gone in one transaction; returns how many. */
export async function clearAgents(db: VaultDb): Promise<number> {
  const tx = db.transaction('agents', 'readwrite');
  const agents = tx.objectStore('agents');
  const count = await agents.count();
  await Promise.all([agents.clear(), tx.done]);
  return count;
}

/** Meta, credentials and agents read in one transaction, so an export is a consistent snapshot. */
export async function readVaultSnapshot(
  db: VaultDb,
): Promise<{ meta: VaultMeta | undefined; credentials: CredentialRecord[]; agents: AgentKeyRecord[] }> {
  const tx = db.transaction(['meta', 'credentials', 'agents'], 'readonly');
  const [meta, credentials, agents] = await Promise.all([
    tx.objectStore('meta').get(META_KEY) as Promise<unknown>,
    tx.objectStore('credentials').getAll(),
    tx.objectStore('agents').getAll(),
    tx.done,
  ]);
  return { meta: meta === undefined ? undefined : validateVaultMeta(meta), credentials, agents };
}

/**
 * Replaces meta, credentials and agents in ONE transaction: an import lands whole or not at all.
 * Policies and site grants are not part of an export and stay as they are.
 */
export async function replaceVault(db: VaultDb, data: VaultExport): Promise<void> {
  const tx = db.transaction(['meta', 'credentials', 'agents'], 'readwrite');
  const credentials = tx.objectStore('credentials');
  const agents = tx.objectStore('agents');
  const pending: Promise<unknown>[] = [tx.done];
  try {
    pending.push(credentials.clear(), agents.clear(), tx.objectStore('meta').put(data.meta, META_KEY));
    for (const record of data.credentials) pending.push(credentials.put(record));
    for (const record of data.agents) pending.push(agents.put(record));
    await Promise.all(pending);
  } catch (error) {
    // A put can also throw synchronously (a record IndexedDB cannot key or clone); without an
    // explicit abort the requests already issued (the clears!) would commit on their own.
    for (const request of pending) request.catch(() => undefined);
    try {
      tx.abort();
    } catch {
      // already aborted by the failed request
    }
    throw error;
  }
}
