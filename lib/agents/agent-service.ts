/**
 * Agent keys as the options page manages them: created with a `pk_` key shown once (only its
 * SHA-256 is stored), listed, enabled or disabled, deleted.
 */
import { KeygateError } from '../../shared/errors';
import { mintAgentKey, type NewAgentInput } from '../../shared/agents/new-agent-key';
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

export async function setAgentEnabled(db: store.VaultDb, id: string, enabled: boolean): Promise<AgentKeyRecord> {
  const record = { ...(await requireAgent(db, id)), enabled };
  await store.putAgent(db, record);
  return record;
}

export async function deleteAgentKey(db: store.VaultDb, id: string): Promise<void> {
  await requireAgent(db, id);
  await store.deleteAgent(db, id);
}
