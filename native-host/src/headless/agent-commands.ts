/**
 * `keygate-host agent create|list|remove|disable|enable`: the agent keys of a headless vault file.
 * `create` mints a `pk_` key and stores only its SHA-256; stdout carries the key and nothing else,
 * so `KEY=$(keygate-host agent create …)` works, and everything said to the person goes to stderr.
 * `list` needs no password (agent metadata is cleartext in the file); every change asks for it.
 */
import { mintAgentKey } from '../../../shared/agents/new-agent-key';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { addAgentRecord, removeAgentRecord, setAgentEnabled } from '../../../shared/vault/vault-document';
import { parseExpiry, parseScopes } from './agent-create-options';
import { agentState, agentTable } from './agent-table';
import { tableTime } from './aligned-table';
import { type CommandIo, readOptions, requireOption } from './command-io';
import { editAsOwner } from './owner-edit';
import { chooseRecord, type RecordKind } from './record-choice';
import { readVaultFile } from './vault-file';

const FILE_OPTION = { file: { type: 'string' } } as const;

const AGENT_KEY: RecordKind<AgentKeyRecord> = {
  noun: 'agent key',
  listCommand: 'agent list',
  describe: (agent) => `${agent.scopes.join(',')}; created ${tableTime(agent.createdAt)}`,
};

/** Said after a change: serve reads the agent keys when it starts, so an operator revoking a leaked key must know to make it re-read. */
const RUNNING_SERVE_NOTE = 'A `keygate-host serve` already running on this file goes on with the keys it read: restart it, or send it SIGHUP to re-read the file.';

async function agentCreate(args: readonly string[], io: CommandIo): Promise<void> {
  const options = readOptions(args, { ...FILE_OPTION, name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } });
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

async function agentList(args: readonly string[], io: CommandIo): Promise<void> {
  const path = requireOption(readOptions(args, FILE_OPTION).file, '--file');
  const { agents } = await readVaultFile(path);
  for (const line of agentTable(agents, Date.now())) io.print(line);
  if (agents.length === 0) io.say(`no agent keys in ${path} yet; create one with \`keygate-host agent create\`.`);
}

/** The vault file as read and the one agent key the command line names (--name or --id). */
async function readChosenAgent(args: readonly string[]) {
  const options = readOptions(args, { ...FILE_OPTION, name: { type: 'string' }, id: { type: 'string' } });
  const path = requireOption(options.file, '--file');
  const read = await readVaultFile(path);
  return { path, read, agent: chooseRecord(read.agents, AGENT_KEY, options.name, options.id) };
}

async function agentRemove(args: readonly string[], io: CommandIo): Promise<void> {
  const { path, read, agent } = await readChosenAgent(args);
  await editAsOwner(io, path, read, (current) => removeAgentRecord(current, agent.id, Date.now()));
  io.print(`removed agent key "${agent.name}" (id ${agent.id})`);
  io.say(RUNNING_SERVE_NOTE);
}

/**
 * `agent disable` (the proxy refuses the key but keeps it, to enable again without handing the agent
 * a new one) and `agent enable`. A key already in that state is left alone without asking for the
 * password: nothing changes, and the file shows the state to anyone anyway. Enabling an expired key
 * is said not to bring it back.
 */
function agentSwitch(enabled: boolean): (args: readonly string[], io: CommandIo) => Promise<void> {
  const state = enabled ? 'enabled' : 'disabled';
  return async (args, io) => {
    const { path, read, agent } = await readChosenAgent(args);
    if (agent.enabled === enabled) {
      io.print(`agent key "${agent.name}" (id ${agent.id}) is already ${state}; nothing changed`);
    } else {
      await editAsOwner(io, path, read, (current) => setAgentEnabled(current, agent.id, enabled, Date.now()));
      io.print(`${state} agent key "${agent.name}" (id ${agent.id})`);
      io.say(RUNNING_SERVE_NOTE);
    }
    if (agentState({ ...agent, enabled }, Date.now()) === 'expired') {
      io.say(`It expired at ${tableTime(agent.expiresAt)}, so the proxy still refuses it; \`keygate-host agent create\` makes a new one.`);
    }
  };
}

export const AGENT_COMMANDS: Readonly<Record<string, (args: readonly string[], io: CommandIo) => Promise<void>>> = {
  create: agentCreate,
  list: agentList,
  remove: agentRemove,
  disable: agentSwitch(false),
  enable: agentSwitch(true),
};
