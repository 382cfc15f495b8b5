/**
 * Export and import of the whole vault as one file in the envelope format (DESIGN.md: the headless
 * host reads the same file). Secrets stay sealed throughout; the file is as safe as the password.
 */
import { KeygateError } from '../../shared/errors';
import { wipe } from '../../shared/vault/envelope';
import { validateVaultExport } from '../../shared/vault/export-file';
import * as format from '../../shared/vault/format';
import { unwrapWithPassword } from '../../shared/vault/master-password';
import { verifyCredentials } from './credentials';
import * as store from './vault-db';

export async function exportVault(db: store.VaultDb): Promise<format.VaultExport> {
  const { meta, credentials, agents } = await store.readVaultSnapshot(db);
  if (meta === undefined) throw new KeygateError('VAULT_NOT_FOUND');
  return {
    format: format.VAULT_EXPORT_FORMAT,
    formatVersion: format.VAULT_FORMAT_VERSION,
    exportedAt: Date.now(),
    meta,
    credentials,
    agents,
  };
}

/**
 * Replaces the vault with an export file, only after proving the file whole: it validates, the
 * password opens its data key and every credential opens. Returns that data key (the caller is
 * unlocked into the imported vault). On any failure the current vault is left exactly as it was.
 */
export async function importVault(db: store.VaultDb, exportData: unknown, password: string): Promise<Uint8Array> {
  const data = validateVaultExport(exportData);
  const dataKey = await unwrapWithPassword(password, data.meta.kdf, data.meta.wrappedDataKey);
  try {
    const failed = verifyCredentials(dataKey, data.credentials).filter((check) => !check.ok);
    if (failed.length > 0) {
      const ids = failed.map((check) => JSON.stringify(check.id)).join(', ');
      throw new KeygateError('CREDENTIAL_TAMPERED', `Records ${ids}; nothing was imported.`);
    }
    await store.replaceVault(db, data);
    return dataKey;
  } catch (error) {
    wipe(dataKey);
    throw error;
  }
}
