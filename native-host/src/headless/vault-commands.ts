/**
 * `keygate-host vault init|add|list|remove`: edit a headless vault file from the shell. Secrets
 * arrive on stdin; the password from KEYGATE_PASSWORD or a hidden prompt. Reading the list needs no
 * password (the file keeps that metadata in cleartext anyway); every change asks for it.
 */
import { existsSync } from 'node:fs';
import { wipe } from '../../../shared/vault/envelope';
import { type CredentialRecord, isDisplayName, isServiceName } from '../../../shared/vault/format';
import { addSealedCredential, createVaultDocument, removeCredential } from '../../../shared/vault/vault-document';
import { CommandError, type CommandIo, readOptions, requireOption, usageError } from './command-io';
import { credentialTable } from './credential-table';
import { parseCredentialSecret } from './credential-secret';
import { readNewMasterPassword } from './master-password-input';
import { editAsOwner } from './owner-edit';
import { chooseRecord, type RecordKind } from './record-choice';
import { readSecretInput } from './secret-input';
import { createVaultFile, readVaultFile } from './vault-file';

const FILE_OPTION = { file: { type: 'string' } } as const;

const CREDENTIAL: RecordKind<CredentialRecord> = { noun: 'credential', listCommand: 'vault list', describe: (record) => `${record.service}, ${record.kind}` };

async function vaultInit(args: readonly string[], io: CommandIo): Promise<void> {
  const path = requireOption(readOptions(args, FILE_OPTION).file, '--file');
  // Checked before the password is asked for; createVaultFile re-checks without a race.
  if (existsSync(path)) throw new CommandError(`${path} already exists; Keygate will not overwrite a vault.`);
  const { document, dataKey } = await createVaultDocument(await readNewMasterPassword(io), { now: Date.now() });
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

export const VAULT_COMMANDS: Readonly<Record<string, (args: readonly string[], io: CommandIo) => Promise<void>>> = {
  init: vaultInit,
  add: vaultAdd,
  list: vaultList,
  remove: vaultRemove,
};
