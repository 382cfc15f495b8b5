/**
 * What a reloaded vault file changes among the credentials a running `serve` holds. A record is
 * changed when anything but its last-use time differs (serve rewrites that itself, once a minute);
 * unchanged records are left alone in the keeper, so their rotation health survives a reload.
 */
import type { CredentialRecord } from '../../../shared/vault/format';

export interface CredentialChanges {
  added: CredentialRecord[];
  /** Same id, other content: re-checked and replaced. */
  replaced: CredentialRecord[];
  removed: CredentialRecord[];
}

/** Everything but the last-use time: the same sealed secret under the same name. */
export function sameCredentialContent(a: CredentialRecord, b: CredentialRecord): boolean {
  return (
    a.service === b.service &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.createdAt === b.createdAt &&
    a.sealed.nonce === b.sealed.nonce &&
    a.sealed.ciphertext === b.sealed.ciphertext
  );
}

export function credentialChanges(held: readonly CredentialRecord[], reloaded: readonly CredentialRecord[]): CredentialChanges {
  const heldById = new Map(held.map((record) => [record.id, record]));
  const reloadedIds = new Set(reloaded.map((record) => record.id));
  const changes: CredentialChanges = { added: [], replaced: [], removed: held.filter((record) => !reloadedIds.has(record.id)) };
  for (const record of reloaded) {
    const before = heldById.get(record.id);
    if (before === undefined) changes.added.push(record);
    else if (!sameCredentialContent(before, record)) changes.replaced.push(record);
  }
  return changes;
}
