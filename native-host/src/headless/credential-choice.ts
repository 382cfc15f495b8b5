import type { CredentialRecord } from '../../../shared/vault/format';
import { CommandError, usageError } from './command-io';

/**
 * The one credential `vault remove` means: by --id, or by --name when exactly one has it. Names
 * need not be unique (a second "work" key for rotation), so an ambiguous name lists the ids.
 */
export function chooseCredential(credentials: readonly CredentialRecord[], name: string | undefined, id: string | undefined): CredentialRecord {
  if (name === undefined && id === undefined) throw usageError('Name the credential with --name NAME (or --id ID).');
  const matches = credentials.filter((record) => (id === undefined || record.id === id) && (name === undefined || record.name === name));
  const wanted = id === undefined ? `named "${name}"` : `with id ${id}${name === undefined ? '' : ` and name "${name}"`}`;
  if (matches.length === 0) throw new CommandError(`No credential ${wanted}; \`keygate-host vault list\` shows them.`);
  if (matches.length > 1) {
    const ids = matches.map((record) => `  ${record.id}  (${record.service}, ${record.kind})`).join('\n');
    throw usageError(`${matches.length} credentials are ${wanted}; choose one with --id:\n${ids}`);
  }
  return matches[0]!;
}
