/**
 * Grant records in the vault database's `grants` store. A record that does not read back as a
 * valid grant (edited by hand, or from a newer version) is left out rather than half-trusted: it
 * grants nothing.
 */
import { type GrantRecord, isGrantRecord } from '../../shared/grants/grant-record';
import type { VaultDb } from '../vault/vault-db';

/**
 * Sites first, then extensions, each by name: the store returns them by their random ids, so a new
 * grant would land anywhere in the options page's list and the rows would move between installs.
 */
export async function listGrants(db: VaultDb): Promise<GrantRecord[]> {
  const stored: unknown[] = await db.getAll('grants');
  return stored.filter(isGrantRecord).sort((a, b) => (a.kind === b.kind ? a.subject.localeCompare(b.subject) : a.kind === 'site' ? -1 : 1));
}

export async function putGrant(db: VaultDb, grant: GrantRecord): Promise<void> {
  await db.put('grants', { ...grant });
}

export async function deleteGrant(db: VaultDb, id: string): Promise<void> {
  await db.delete('grants', id);
}

export async function clearGrants(db: VaultDb): Promise<void> {
  await db.clear('grants');
}
