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
import { ProcessLock } from '../files/process-lock';
import { CommandError, EXIT_USAGE } from './command-io';

const FILE_MODE = 0o600;
/** An edit holds the lock for a read, a small write and a rename: milliseconds, unless a disk stalls. */
const EDIT_LOCK_WAIT_MS = 10_000;
const EDIT_LOCK_RETRY_MS = 20;
/** Far above any real vault (a thousand RSA keys); a larger file is not ours. */
const MAX_VAULT_FILE_BYTES = 16 * 1024 * 1024;

function errnoCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

const noVaultFile = (path: string) => new CommandError(`No vault file at ${path}; create one with \`keygate-host vault init --file ${path}\`.`, EXIT_USAGE);

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
    throw errnoCode(error) === 'ENOENT' ? noVaultFile(path) : error;
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

/** Waits for another process's edit of the same file to finish; CommandError after EDIT_LOCK_WAIT_MS. */
async function lockForEdit(path: string, target: string): Promise<ProcessLock> {
  const deadline = Date.now() + EDIT_LOCK_WAIT_MS;
  for (;;) {
    const lock = await ProcessLock.acquire(target);
    if (lock instanceof ProcessLock) return lock;
    if (Date.now() >= deadline) {
      throw new CommandError(`${path} has been locked for editing by process ${lock.heldBy} for ${EDIT_LOCK_WAIT_MS / 1000} s; nothing was changed. If that process is not a keygate-host, remove ${target}.lock.`);
    }
    await new Promise((resolve) => setTimeout(resolve, EDIT_LOCK_RETRY_MS));
  }
}

/**
 * Reads, edits and replaces the vault file; an edit that returns its input unchanged writes
 * nothing, and a file without write permission is refused. Edits from several processes (serve
 * writing a last-use time while `agent remove` runs) take turns, so none writes back a file without
 * the other's change. The edit sees the file as it is now, so a slow step (deriving the key from the
 * password) belongs before this call, not inside it. A symlinked path is followed: the file it
 * points to is replaced, the link stays.
 */
export async function editVaultFile(path: string, edit: (document: VaultExport) => VaultExport): Promise<VaultExport> {
  const target = await realpath(path).catch((error: unknown) => {
    throw errnoCode(error) === 'ENOENT' ? noVaultFile(path) : error;
  });
  const lock = await lockForEdit(path, target);
  try {
    const current = await readVaultFile(path);
    const edited = edit(current);
    if (edited === current) return current;
    // A rename would replace even a read-only file; someone who made it read-only meant it.
    await access(target, constants.W_OK).catch(() => {
      throw new CommandError(`${path} is not writable; nothing was changed.`);
    });
    await replaceFileDurably(target, serialize(edited), FILE_MODE);
    return edited;
  } finally {
    await lock.release();
  }
}
