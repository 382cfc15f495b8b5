/**
 * `keygate-host vault init|add|list|remove|passwd`: edit a headless vault file from the shell. Secrets
 * arrive on stdin; the password from KEYGATE_PASSWORD or a hidden prompt. Reading the list needs no
 * password (the file keeps that metadata in cleartext anyway); every change asks for it.
 */
import { existsSync } from 'node:fs';
import { wipe } from '../../../shared/vault/envelope';
import { type CredentialRecord, isDisplayName, isServiceName } from '../../../shared/vault/format';
import { rewrapWithPassword } from '../../../shared/vault/master-password';
import { addSealedCredential, createVaultDocument, removeCredential, unlockVaultDocument, withWrappedKey } from '../../../shared/vault/vault-document';
import { CommandError, type CommandIo, readOptions, requireOption, usageError } from './command-io';
import { credentialTable } from './credential-table';
import { parseCredentialSecret } from './credential-secret';
import { NEW_PASSWORD_ENV, PASSWORD_ENV, readMasterPassword, readNewMasterPassword } from './master-password-input';
import { editAsOwner, requireSameVault } from './owner-edit';
import { chooseRecord, type RecordKind } from './record-choice';
import { readSecretInput } from './secret-input';
import { createVaultFile, editVaultFile, readVaultFile } from './vault-file';

const FILE_OPTION = { file: { type: 'string' } } as const;

const CREDENTIAL: RecordKind<CredentialRecord> = { noun: 'credential', listCommand: 'vault list', describe: (record) => `${record.service}, ${record.kind}` };

async function vaultInit(args: readonly string[], io: CommandIo): Promise<void> {
  const path = requireOption(readOptions(args, FILE_OPTION).file, '--file');
  // Checked before the password is asked for; createVaultFile re-checks without a race.
  if (existsSync(path)) throw new CommandError(`${path} already exists; Keygate will not overwrite a vault.`);
  const { document, dataKey } = await createVaultDocument(await readNewMasterPassword(io, { env: PASSWORD_ENV, nothingDone: 'nothing was created' }), { now: Date.now() });
  wipe(dataKey);
  await createVaultFile(path, document);
  io.print(`created vault ${path}`);
}

async function vaultAdd(args: readonly string[], io: CommandIo): Promise<void> {
  const options = readOptions(args, { ...FILE_OPTION, service: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } });
  const path = requireOption(options.file, '--file');
  const service = requireOption(options.service, '--service');
  const name = requireOption(options.name, '--name');
  if (!isServiceName(service)) throw usageError('--service must be 1-40 characters a-z, 0-9 or "-" (openai, anthropic, binance, or a [custom.NAME] name).');
  if (!isDisplayName(name)) throw usageError('--name must be 1-80 characters, without control characters.');
  const read = await readVaultFile(path);
  const parsed = parseCredentialSecret(service, await readSecretInput(io, service), options.kind);
  const secret = new TextEncoder().encode(parsed.text);
  let record: CredentialRecord | undefined;
  try {
    await editAsOwner(io, path, read, (current, dataKey) => {
      const added = addSealedCredential(current, dataKey, { service, name, kind: parsed.kind, secret }, Date.now());
      record = added.record;
      return added.document;
    });
  } finally {
    wipe(secret);
  }
  io.print(`added ${service} credential "${name}" (${parsed.kind}, id ${record!.id})`);
}

async function vaultList(args: readonly string[], io: CommandIo): Promise<void> {
  const path = requireOption(readOptions(args, FILE_OPTION).file, '--file');
  const { credentials } = await readVaultFile(path);
  for (const line of credentialTable(credentials)) io.print(line);
  if (credentials.length === 0) io.say(`no credentials in ${path} yet; add one with \`keygate-host vault add\`.`);
}

async function vaultRemove(args: readonly string[], io: CommandIo): Promise<void> {
  const options = readOptions(args, { ...FILE_OPTION, name: { type: 'string' }, id: { type: 'string' } });
  const path = requireOption(options.file, '--file');
  const read = await readVaultFile(path);
  const record = chooseRecord(read.credentials, CREDENTIAL, options.name, options.id);
  await editAsOwner(io, path, read, (current) => removeCredential(current, record.id, Date.now()));
  io.print(`removed ${record.service} credential "${record.name}" (id ${record.id})`);
}

/**
 * A new master password for the file: the data key is re-wrapped, the records stay as they are (the
 * popup's "Change password" does the same). The old password is asked first; the new one comes from
 * KEYGATE_NEW_PASSWORD or is typed twice. A copy of the file made before still opens with the old
 * password, and holds the same data key: that is said, so nobody mistakes this for a key rotation.
 */
async function vaultPasswd(args: readonly string[], io: CommandIo): Promise<void> {
  const path = requireOption(readOptions(args, FILE_OPTION).file, '--file');
  const read = await readVaultFile(path);
  const dataKey = await unlockVaultDocument(read, await readMasterPassword(io));
  try {
    const newPassword = await readNewMasterPassword(io, { env: NEW_PASSWORD_ENV, nothingDone: 'the password was not changed' });
    const wrapped = await rewrapWithPassword(newPassword, read.meta.kdf, dataKey);
    await editVaultFile(path, (current) => withWrappedKey(requireSameVault(path, current, read), wrapped, Date.now()));
  } finally {
    wipe(dataKey);
  }
  io.print(`changed the master password of ${path}`);
  io.say(
    'Copies of the file made before this (backups, exports) still open with the old password, and hold the same data key. ' +
      'If the old password leaked together with a copy, replace the API keys themselves at their providers.',
  );
}

export const VAULT_COMMANDS: Readonly<Record<string, (args: readonly string[], io: CommandIo) => Promise<void>>> = {
  init: vaultInit,
  add: vaultAdd,
  list: vaultList,
  remove: vaultRemove,
  passwd: vaultPasswd,
};
