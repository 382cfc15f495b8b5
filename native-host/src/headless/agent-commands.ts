/**
 * `keygate-host agent create`: mints a `pk_` key for an agent and stores only its SHA-256 in the
 * vault file. stdout carries the key and nothing else, so `KEY=$(keygate-host agent create …)`
 * works; everything said to the person goes to stderr.
 */
import { AGENT_SCOPES, isValidScope } from '../../../shared/agents/agent-keys';
import { mintAgentKey } from '../../../shared/agents/new-agent-key';
import { addAgentRecord } from '../../../shared/vault/vault-document';
import { type CommandIo, readOptions, requireOption, usageError } from './command-io';
import { editAsOwner } from './owner-edit';
import { readVaultFile } from './vault-file';

/** A date (`2026-12-31`, midnight UTC) or a date-time with a zone; Date.parse alone accepts too much. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function parseExpiry(text: string | undefined): number | null {
  if (text === undefined) return null;
  const time = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw usageError(`--expires must be an ISO 8601 date or date-time with a zone (2026-12-31 or 2026-12-31T18:00:00Z), not "${text}".`);
  return time;
}

function parseScopes(text: string): string[] {
  const scopes = text.split(',').map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes.filter((scope) => !isValidScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    const known = AGENT_SCOPES.map(({ scope }) => scope).join(', ');
    throw usageError(`${unknown.length > 0 ? `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}` : 'No scope given'}; --scopes takes a comma-separated list of: ${known}.`);
  }
  return scopes;
}

async function agentCreate(args: readonly string[], io: CommandIo): Promise<void> {
  const options = readOptions(args, { file: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } });
  const path = requireOption(options.file, '--file');
  const name = requireOption(options.name, '--name');
  const input = { name, scopes: parseScopes(requireOption(options.scopes, '--scopes')), expiresAt: parseExpiry(options.expires) };
  const read = await readVaultFile(path);
  const { key, record } = await mintAgentKey(input, Date.now());
  await editAsOwner(io, path, read, (current) => addAgentRecord(current, record, Date.now()));
  io.print(key);
  const expiry = record.expiresAt === null ? 'no expiry' : `expires ${new Date(record.expiresAt).toISOString()}`;
  io.say(`agent key "${record.name}" created (id ${record.id}; scopes ${record.scopes.join(', ')}; ${expiry}). It is shown only this once.`);
}

export const AGENT_COMMANDS: Readonly<Record<string, (args: readonly string[], io: CommandIo) => Promise<void>>> = {
  create: agentCreate,
};
