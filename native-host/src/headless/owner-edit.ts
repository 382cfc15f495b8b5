import { wipe } from '../../../shared/vault/envelope';
import type { VaultExport } from '../../../shared/vault/format';
import { isSameVault, unlockVaultDocument } from '../../../shared/vault/vault-document';
import { CommandError, type CommandIo } from './command-io';
import { readMasterPassword } from './master-password-input';
import { editVaultFile } from './vault-file';

/** `current` when it is still the vault that was read (and unlocked) before; CommandError otherwise. */
export function requireSameVault(path: string, current: VaultExport, read: VaultExport): VaultExport {
  if (!isSameVault(current, read)) throw new CommandError(`${path} was replaced by another vault meanwhile; nothing was changed.`);
  return current;
}

/**
 * Changes the vault file only for someone who knows its password, so a mistyped --file never edits
 * someone else's vault. `read` is the file as read before asking; the password is checked against
 * it (the slow part), then `edit` runs on the file as it is at that moment, provided it is still
 * the same vault. The data key handed to `edit` is wiped afterwards.
 */
export async function editAsOwner(
  io: CommandIo,
  path: string,
  read: VaultExport,
  edit: (current: VaultExport, dataKey: Uint8Array) => VaultExport,
): Promise<VaultExport> {
  const dataKey = await unlockVaultDocument(read, await readMasterPassword(io));
  try {
    return await editVaultFile(path, (current) => edit(requireSameVault(path, current, read), dataKey));
  } finally {
    wipe(dataKey);
  }
}
