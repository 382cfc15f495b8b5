/**
 * Who is calling: the presented `pk_` key is hashed and compared with every stored hash in constant
 * time. There is deliberately no map from hash to record and no early exit, so the time taken does
 * not tell a local attacker how many keys exist or how close a guess came.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { looksLikeAgentKey } from '../../../shared/agents/agent-keys';
import { KeygateError } from '../../../shared/errors';
import { isKeyHash, type AgentKeyRecord } from '../../../shared/vault/format';

export type AgentAuthentication =
  | { ok: true; agent: AgentKeyRecord }
  | { ok: false; code: 'AGENT_KEY_INVALID'; reason: 'unknown' | 'disabled' | 'expired' | 'malformed' };

interface RegisteredAgent {
  record: AgentKeyRecord;
  digest: Buffer;
}

export class AgentRegistry {
  #agents: RegisteredAgent[] = [];

  /** Swaps in the vault's current agent keys (on unlock and on every change from the options page). */
  replace(records: AgentKeyRecord[]): void {
    this.#agents = records.map((record) => {
      if (!isKeyHash(record.keyHash)) throw new KeygateError('VAULT_CORRUPT', `Agent key "${record.id}" has a malformed key hash.`);
      return { record, digest: Buffer.from(record.keyHash, 'hex') };
    });
  }

  /** `now` is milliseconds since the epoch, like `expiresAt`; a key is expired from `expiresAt` on. */
  authenticate(presentedKey: string, now: number): AgentAuthentication {
    if (!looksLikeAgentKey(presentedKey)) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'malformed' };
    const presented = hash('sha256', presentedKey, 'buffer');
    let found: AgentKeyRecord | null = null;
    for (const agent of this.#agents) {
      const equal = timingSafeEqual(presented, agent.digest);
      if (equal && found === null) found = agent.record;
    }
    if (found === null) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' };
    if (!found.enabled) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'disabled' };
    if (found.expiresAt !== null && now >= found.expiresAt) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'expired' };
    return { ok: true, agent: found };
  }
}
