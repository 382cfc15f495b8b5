/**
 * Agent keys as the options page manages them: created with a `pk_` key shown once (only its
 * SHA-256 is stored), edited (name, scopes, expiry), regenerated (a new key, the old one dead),
 * enabled or disabled, deleted, or all revoked at once.
 */
import { KeygateError } from '../../shared/errors';
import { checkAgentKeyChanges, mintAgentKey, type NewAgentInput } from '../../shared/agents/new-agent-key';
import { generateAgentKey } from '../../shared/agents/agent-keys';
import type { AgentKeyRecord } from '../../shared/vault/format';
import * as store from '../vault/vault-db';

export async function createAgentKey(db: store.VaultDb, input: NewAgentInput, now: number): Promise<{ key: string; record: AgentKeyRecord }> {
  const created = await mintAgentKey(input, now);
  await store.putAgent(db, created.record);
  return created;
}

async function requireAgent(db: store.VaultDb, id: string): Promise<AgentKeyRecord> {
  const record = (await store.listAgents(db)).find((agent) => agent.id === id);
  if (record === undefined) throw new KeygateError('MESSAGE_INVALID', 'No agent key with this id.');
  return record;
}

/** Same checks as a new key; an expiry already past is refused here too (disable the key instead). */
export async function updateAgentKey(db: store.VaultDb, id: string, changes: NewAgentInput, now: number): Promise<AgentKeyRecord> {
  const record = { ...(await requireAgent(db, id)), ...checkAgentKeyChanges(changes, now) };
  await store.putAgent(db, record);
  return record;
}

/** A new `pk_` key for the same record (name, scopes, expiry kept); the old key's hash is gone. */
export async function regenerateAgentKey(db: store.VaultDb, id: string): Promise<{ key: string; record: AgentKeyRecord }> {
  const { key, keyHash } = await generateAgentKey();
  const record = { ...(await requireAgent(db, id)), keyHash };
  await store.putAgent(db, record);
  return { key, record };
}

export async function setAgentEnabled(db: store.VaultDb, id: string, enabled: boolean): Promise<AgentKeyRecord> {
  const record = { ...(await requireAgent(db, id)), enabled };
  await store.putAgent(db, record);
  return record;
}

export async function deleteAgentKey(db: store.VaultDb, id: string): Promise<void> {
  await requireAgent(db, id);
  await store.deleteAgent(db, id);
}
