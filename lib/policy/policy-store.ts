/** The active policy's TOML text, kept in IndexedDB beside the vault (it holds no secret). */
import type { VaultDb } from '../vault/vault-db';

const ACTIVE_POLICY_ID = 'active';

export interface StoredPolicy {
  toml: string;
  updatedAt: number | null;
}

export async function readActivePolicy(db: VaultDb): Promise<StoredPolicy> {
  const stored = await db.get('policies', ACTIVE_POLICY_ID);
  if (stored === undefined || typeof stored.toml !== 'string') return { toml: '', updatedAt: null };
  return { toml: stored.toml, updatedAt: typeof stored.updatedAt === 'number' ? stored.updatedAt : null };
}

export async function writeActivePolicy(db: VaultDb, toml: string, now: number): Promise<void> {
  await db.put('policies', { id: ACTIVE_POLICY_ID, toml, updatedAt: now });
}
