/**
 * The headless vault on disk: one export-format JSON file, validated on every read and replaced
 * atomically on every write (a temp file beside it, fsync, rename), so a crash leaves the old vault
 * or the new one, never half of either. The file is the user's alone: mode 0600.
 */
import { constants } from 'node:fs';
import { access, link, open, realpath, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KeygateError } from '../../../shared/errors';
import { validateVaultExport } from '../../../shared/vault/export-file';
import type { VaultExport } from '../../../shared/vault/format';
import { replaceFileDurably, syncDirectory, writeTempBeside } from '../files/durable-write';
import { CommandError, EXIT_USAGE } from './command-io';

const FILE_MODE = 0o600;
/** Far above any real vault (a thousand RSA keys); a larger file is not ours. */
const MAX_VAULT_FILE_BYTES = 16 * 1024 * 1024;

function errnoCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

export async function readVaultFile(path: string): Promise<VaultExport> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      if ((await handle.stat()).size > MAX_VAULT_FILE_BYTES) throw new CommandError(`${path} is too large to be a Keygate vault.`, EXIT_USAGE);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new CommandError(`No vault file at ${path}; create one with \`keygate-host vault init --file ${path}\`.`, EXIT_USAGE);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CommandError(`${path} is not JSON, so not a Keygate vault file.`, EXIT_USAGE);
  }
  try {
    return validateVaultExport(parsed);
  } catch (error) {
    if (error instanceof KeygateError) throw new CommandError(`${path}: ${error.message}`, EXIT_USAGE);
    throw error;
  }
}

const serialize = (document: VaultExport) => `${JSON.stringify(document, null, 2)}\n`;

/** Creates `path`, refusing (without touching it) when anything exists there already. */
export async function createVaultFile(path: string, document: VaultExport): Promise<void> {
  const temp = await writeTempBeside(path, serialize(document), FILE_MODE).catch((error: unknown) => {
    throw errnoCode(error) === 'ENOENT' ? new CommandError(`The folder ${dirname(path)} does not exist.`, EXIT_USAGE) : error;
  });
  try {
    // link() fails when the name is taken, so "refuse if FILE exists" holds even against a race.
    await link(temp, path);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') throw new CommandError(`${path} already exists; Keygate will not overwrite a vault.`);
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(dirname(path));
}

/**
 * Reads, edits and replaces the vault file; an edit that returns its input unchanged writes
 * nothing, and a file without write permission is refused. The edit sees the file as it is now, so a slow step (deriving the key from the password)
 * belongs before this call, not inside it. A symlinked path is followed: the file it points to is
 * replaced, the link stays.
 */
export async function editVaultFile(path: string, edit: (document: VaultExport) => VaultExport): Promise<VaultExport> {
  const current = await readVaultFile(path);
  const target = await realpath(path);
  const edited = edit(current);
  if (edited === current) return current;
  // A rename would replace even a read-only file; someone who made it read-only meant it.
  await access(target, constants.W_OK).catch(() => {
    throw new CommandError(`${path} is not writable; nothing was changed.`);
  });
  await replaceFileDurably(target, serialize(edited), FILE_MODE);
  return edited;
}
