/**
 * Credential records: validate, seal and store new ones, rename them or replace their secret in
 * place, open one for a request, list them without their secrets, and check them all after an unlock
 * or before an import.
 */
import { type ErrorBody, KeygateError } from '../../shared/errors';
import { openSealedSecret, wipe } from '../../shared/vault/envelope';
import * as format from '../../shared/vault/format';
import { type NewCredential, renamedCredential, resealedCredential, sealNewCredential } from '../../shared/vault/new-credential';
import * as store from './vault-db';

/** One record's result; `error` says why it failed (by code and record id, never by content). */
export type CredentialCheck = { id: string; ok: true } | { id: string; ok: false; error: ErrorBody };

export type { NewCredential };

/** Seals and stores a new credential; the caller's secret bytes are left for the caller to wipe. */
export async function addCredential(db: store.VaultDb, dataKey: Uint8Array, input: NewCredential): Promise<format.CredentialRecord> {
  const record = sealNewCredential(dataKey, input, Date.now());
  await store.putCredential(db, record);
  return record;
}

async function requireCredential(db: store.VaultDb, id: string): Promise<format.CredentialRecord> {
  const record = await store.getCredential(db, id);
  if (record === undefined) throw new KeygateError('CREDENTIAL_NOT_FOUND');
  return record;
}

export async function renameCredential(db: store.VaultDb, id: string, name: string): Promise<format.CredentialRecord> {
  const record = renamedCredential(await requireCredential(db, id), name);
  await store.putCredential(db, record);
  return record;
}

/** Provider key rotation: same id, so the agents and services that use it need no change. */
export async function replaceCredentialSecret(db: store.VaultDb, dataKey: Uint8Array, id: string, secret: Uint8Array): Promise<format.CredentialRecord> {
  const record = resealedCredential(dataKey, await requireCredential(db, id), secret);
  await store.putCredential(db, record);
  return record;
}

export async function deleteCredential(db: store.VaultDb, id: string): Promise<void> {
  await requireCredential(db, id);
  await store.deleteCredential(db, id);
}

/** The caller owns the plaintext and wipes it once the request that needed it is done. */
export function openCredential(dataKey: Uint8Array, record: format.CredentialRecord): Uint8Array {
  return openSealedSecret(dataKey, record.id, record.sealed);
}

/** Grouped by service, then by name: the order the popup lists them in. */
export async function listCredentialSummaries(db: store.VaultDb): Promise<format.CredentialSummary[]> {
  const records = await store.listCredentials(db);
  return records
    .map(({ sealed: _sealed, ...summary }) => summary)
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** Opens every record once and reports each failure by id; the records that open stay usable. */
export function verifyCredentials(dataKey: Uint8Array, records: readonly format.CredentialRecord[]): CredentialCheck[] {
  return records.map((record): CredentialCheck => {
    try {
      wipe(openCredential(dataKey, record));
      return { id: record.id, ok: true };
    } catch (error) {
      if (!(error instanceof KeygateError)) throw error;
      return { id: record.id, ok: false, error: error.toBody() };
    }
  });
}
