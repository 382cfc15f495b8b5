/**
 * A new agent key and the record the vault keeps for it (only the key's SHA-256). Storage-free, so
 * the options page and `keygate-host agent create` mint keys with the same checks, and an edit of an
 * existing key passes the same checks as a new one.
 */
import { KeygateError } from '../errors';
import { type AgentKeyRecord, isDisplayName, newRecordId } from '../vault/format';
import { generateAgentKey, isValidScope } from './agent-keys';

export interface NewAgentInput {
  name: string;
  scopes: string[];
  expiresAt: number | null;
}

/** The input as a record stores it (scopes deduplicated and sorted), or MESSAGE_INVALID naming the field. */
export function checkAgentKeyChanges(input: NewAgentInput, now: number): NewAgentInput {
  if (!isDisplayName(input.name)) throw new KeygateError('MESSAGE_INVALID', 'The name must be 1-80 characters.');
  if (input.scopes.length === 0 || !input.scopes.every(isValidScope)) throw new KeygateError('MESSAGE_INVALID', 'Choose at least one valid scope.');
  if (input.expiresAt !== null && input.expiresAt <= now) throw new KeygateError('MESSAGE_INVALID', 'The expiry must be in the future.');
  return { name: input.name, scopes: [...new Set(input.scopes)].sort(), expiresAt: input.expiresAt };
}

/** The returned `key` is shown to the user once and never stored. */
export async function mintAgentKey(input: NewAgentInput, now: number): Promise<{ key: string; record: AgentKeyRecord }> {
  const checked = checkAgentKeyChanges(input, now);
  const { key, keyHash } = await generateAgentKey();
  const record: AgentKeyRecord = { id: newRecordId(), ...checked, keyHash, createdAt: now, enabled: true };
  return { key, record };
}
