/**
 * Who is calling: the presented `pk_` key is hashed and compared with every stored hash in constant
 * time. There is deliberately no map from hash to record and no early exit, so the time taken does
 * not tell a local attacker how many keys exist or how close a guess came.
 *
 * An agent sends the same key on every request of a keep-alive connection, so the key a connection
 * proved last is kept with it (until the connection is collected or the agents change): the next
 * request on that connection is compared with it in constant time instead of being hashed again.
 * Another connection, or another key, gets the full search. Whether the agent is still enabled and
 * unexpired is judged on every request.
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

/** The key a connection last proved, and whose it is. */
interface ProvenOnConnection {
  key: Buffer;
  record: AgentKeyRecord;
}

export class AgentRegistry {
  #agents: RegisteredAgent[] = [];
  #proven = new WeakMap<object, ProvenOnConnection>();

  /** Swaps in the vault's current agent keys (on unlock and on every change from the options page). */
  replace(records: AgentKeyRecord[]): void {
    this.#agents = records.map((record) => {
      if (!isKeyHash(record.keyHash)) throw new KeygateError('VAULT_CORRUPT', `Agent key "${record.id}" has a malformed key hash.`);
      return { record, digest: Buffer.from(record.keyHash, 'hex') };
    });
    this.#proven = new WeakMap();
  }

  /**
   * `now` is milliseconds since the epoch, like `expiresAt`; a key is expired from `expiresAt` on.
   * `connection` identifies the transport the key came over (a socket), when there is one.
   */
  authenticate(presentedKey: string, now: number, connection?: object): AgentAuthentication {
    if (!looksLikeAgentKey(presentedKey)) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'malformed' };
    const found = (connection && this.#provenBefore(connection, presentedKey)) || this.#search(presentedKey, connection);
    if (found === null) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'unknown' };
    if (!found.enabled) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'disabled' };
    if (found.expiresAt !== null && now >= found.expiresAt) return { ok: false, code: 'AGENT_KEY_INVALID', reason: 'expired' };
    return { ok: true, agent: found };
  }

  #provenBefore(connection: object, presentedKey: string): AgentKeyRecord | null {
    const proven = this.#proven.get(connection);
    if (proven === undefined) return null;
    const presented = Buffer.from(presentedKey, 'latin1');
    return presented.length === proven.key.length && timingSafeEqual(presented, proven.key) ? proven.record : null;
  }

  #search(presentedKey: string, connection: object | undefined): AgentKeyRecord | null {
    const presented = hash('sha256', presentedKey, 'buffer');
    let found: AgentKeyRecord | null = null;
    for (const agent of this.#agents) {
      const equal = timingSafeEqual(presented, agent.digest);
      if (equal && found === null) found = agent.record;
    }
    if (found !== null && connection !== undefined) this.#proven.set(connection, { key: Buffer.from(presentedKey, 'latin1'), record: found });
    return found;
  }
}
