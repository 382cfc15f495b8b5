/**
 * The vault operations the background worker calls: this module's own create / unlock / change
 * password, plus the credential and export/import operations re-exported below. No UI and no
 * browser API but IndexedDB. Key ownership: a data key returned here belongs to the caller (who
 * wipes it on lock); keys and password bytes made along the way are wiped before returning;
 * caller-owned inputs are left alone.
 */
import { KeygateError } from '../../shared/errors';
import { generateDataKey, wipe } from '../../shared/vault/envelope';
import * as format from '../../shared/vault/format';
import type { KdfCost } from '../../shared/vault/kdf';
import { requireStrongPassword, rewrapWithPassword, unwrapWithPassword, wrapWithPassword } from '../../shared/vault/master-password';
import * as store from './vault-db';

export {
  addCredential,
  type CredentialCheck,
  deleteCredential,
  listCredentialSummaries,
  type NewCredential,
  openCredential,
  renameCredential,
  replaceCredentialSecret,
  verifyCredentials,
} from './credentials';
export { exportVault, importVault } from './vault-transfer';

/** Tests pass the minimum cost (64 MiB, t = 2); production uses DEFAULT_KDF_PARAMS. */
export interface KdfOptions {
  kdfCost?: KdfCost;
}

async function requireMeta(db: store.VaultDb): Promise<format.VaultMeta> {
  const meta = await store.readMeta(db);
  if (meta === undefined) throw new KeygateError('VAULT_NOT_FOUND');
  return meta;
}

/** Creates the vault and returns its data key, so the user starts unlocked. */
export async function createVault(db: store.VaultDb, password: string, options: KdfOptions = {}): Promise<Uint8Array> {
  requireStrongPassword(password);
  // Checked before the KDF runs so a mistaken "create" fails at once; insertMeta re-checks atomically.
  if (await store.hasMeta(db)) throw new KeygateError('VAULT_EXISTS');
  const dataKey = generateDataKey();
  try {
    const sealed = await wrapWithPassword(password, options.kdfCost, dataKey);
    await store.insertMeta(db, { formatVersion: format.VAULT_FORMAT_VERSION, ...sealed, createdAt: Date.now() });
    return dataKey;
  } catch (error) {
    wipe(dataKey);
    throw error;
  }
}

export async function unlockVault(db: store.VaultDb, password: string): Promise<Uint8Array> {
  const meta = await requireMeta(db);
  return unwrapWithPassword(password, meta.kdf, meta.wrappedDataKey);
}

/**
 * Re-wraps the data key under the new password (fresh salt; the vault's KDF cost unless given);
 * credential records are not touched. The old password is asked again, as for a reveal.
 */
export async function changePassword(
  db: store.VaultDb,
  dataKey: Uint8Array,
  oldPassword: string,
  newPassword: string,
  options: KdfOptions = {},
): Promise<void> {
  requireStrongPassword(newPassword);
  const meta = await requireMeta(db);
  const storedKey = await unwrapWithPassword(oldPassword, meta.kdf, meta.wrappedDataKey);
  try {
    // A session key from before an import would re-wrap a key that no record uses any more.
    if (!sameBytes(storedKey, dataKey)) throw new KeygateError('VAULT_LOCKED', 'The vault changed since it was unlocked.');
    await store.writeMeta(db, { ...meta, ...(await rewrapWithPassword(newPassword, meta.kdf, storedKey, options.kdfCost)) });
  } finally {
    wipe(storedKey);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let at = 0; at < a.length; at++) difference |= (a[at] ?? 0) ^ (b[at] ?? 0);
  return difference === 0;
}
