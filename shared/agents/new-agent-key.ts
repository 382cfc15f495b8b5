/**
 * A new agent key and the record the vault keeps for it (only the key's SHA-256). Storage-free, so
 * the options page and `keygate-host agent create` mint keys with the same checks.
 */
import { KeygateError } from '../errors';
import { type AgentKeyRecord, isDisplayName, newRecordId } from '../vault/format';
import { generateAgentKey, isValidScope } from './agent-keys';

export interface NewAgentInput {
  name: string;
  scopes: string[];
  expiresAt: number | null;
}

/** The returned `key` is shown to the user once and never stored. */
export async function mintAgentKey(input: NewAgentInput, now: number): Promise<{ key: string; record: AgentKeyRecord }> {
  if (!isDisplayName(input.name)) throw new KeygateError('MESSAGE_INVALID', 'The name must be 1-80 characters.');
  if (input.scopes.length === 0 || !input.scopes.every(isValidScope)) throw new KeygateError('MESSAGE_INVALID', 'Choose at least one valid scope.');
  if (input.expiresAt !== null && input.expiresAt <= now) throw new KeygateError('MESSAGE_INVALID', 'The expiry must be in the future.');
  const { key, keyHash } = await generateAgentKey();
  const record: AgentKeyRecord = {
    id: newRecordId(),
    name: input.name,
    keyHash,
    scopes: [...new Set(input.scopes)].sort(),
    createdAt: now,
    expiresAt: input.expiresAt,
    enabled: true,
  };
  return { key, record };
}
