/**
 * The export file: one JSON document in the same envelope format as the store, readable by the
 * headless host. It arrives from outside (a download, a copy on another machine), so it is checked
 * field by field before anything else looks at it.
 */
import { type VaultExport, VAULT_EXPORT_FORMAT } from './format';
import { readAgentKeyRecord, readCredentialRecord, readFormatVersion, readVaultMeta } from './format-validators';
import { is, isTime, readArray, readField, readObject, readOrThrow, requireUniqueIds } from './shape-reader';

function readVaultExport(value: unknown): VaultExport {
  const file = readObject(value, '', ['format', 'formatVersion', 'exportedAt', 'meta', 'credentials', 'agents']);
  const exported: VaultExport = {
    format: readField(file, '', 'format', is(VAULT_EXPORT_FORMAT), `"${VAULT_EXPORT_FORMAT}"`),
    formatVersion: readFormatVersion(file, ''),
    exportedAt: readField(file, '', 'exportedAt', isTime, 'a timestamp'),
    meta: readVaultMeta(file.meta, 'meta'),
    credentials: readArray(file.credentials, 'credentials', readCredentialRecord),
    agents: readArray(file.agents, 'agents', readAgentKeyRecord),
  };
  requireUniqueIds(exported.credentials, 'credentials');
  requireUniqueIds(exported.agents, 'agents');
  return exported;
}

/**
 * Refuses anything but a well-formed version-1 export (IMPORT_INVALID naming the first wrong
 * field); an unknown version is refused rather than guessed at.
 */
export function validateVaultExport(value: unknown): VaultExport {
  return readOrThrow('IMPORT_INVALID', () => readVaultExport(value));
}
