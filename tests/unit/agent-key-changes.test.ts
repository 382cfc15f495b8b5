import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { hashAgentKey } from '../../shared/agents/agent-keys';
import { createAgentKey, regenerateAgentKey, updateAgentKey } from '../../lib/agents/agent-service';
import { isPageMessage } from '../../lib/extension-messages';
import { clearAgents, listAgents, openVaultDb } from '../../lib/vault/vault-db';

let dbCount = 0;
const freshDb = () => openVaultDb(`keygate-agent-changes-${++dbCount}`);
const NOW = 1_800_000_000_000;

describe('agent key changes (options page → vault)', () => {
  it('edits name, scopes and expiry in place with the same checks as a new key; the key itself is kept', async () => {
    const db = await freshDb();
    const { record } = await createAgentKey(db, { name: 'coder', scopes: ['openai'], expiresAt: null }, NOW);
    const edited = await updateAgentKey(db, record.id, { name: 'coder 2', scopes: ['openai', 'anthropic', 'openai'], expiresAt: NOW + 1000 }, NOW);
    expect(edited).toEqual({ ...record, name: 'coder 2', scopes: ['anthropic', 'openai'], expiresAt: NOW + 1000 });
    expect(await listAgents(db)).toEqual([edited]);

    await expect(updateAgentKey(db, record.id, { name: 'coder', scopes: [], expiresAt: null }, NOW)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(updateAgentKey(db, record.id, { name: 'coder', scopes: ['openai'], expiresAt: NOW }, NOW)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(updateAgentKey(db, record.id, { name: 'coder', scopes: ['gpt'], expiresAt: null }, NOW)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(updateAgentKey(db, 'missing', { name: 'x', scopes: ['openai'], expiresAt: null }, NOW)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(await listAgents(db)).toEqual([edited]);
  });

  it('regenerates: a new key for the same record, the old key’s hash gone', async () => {
    const db = await freshDb();
    const first = await createAgentKey(db, { name: 'bot', scopes: ['anthropic'], expiresAt: null }, NOW);
    const second = await regenerateAgentKey(db, first.record.id);
    expect(second.key).not.toBe(first.key);
    expect(second.record).toEqual({ ...first.record, keyHash: await hashAgentKey(second.key) });
    const stored = await listAgents(db);
    expect(stored.map((agent) => agent.keyHash)).toEqual([await hashAgentKey(second.key)]);
    expect(JSON.stringify(stored)).not.toContain(await hashAgentKey(first.key));
  });

  it('revokes every agent key in one go and says how many (grants: GrantService.revokeAll, grant-service.test.ts)', async () => {
    const db = await freshDb();
    for (const name of ['a', 'b']) await createAgentKey(db, { name, scopes: ['openai'], expiresAt: null }, NOW);
    expect(await clearAgents(db)).toBe(2);
    expect(await listAgents(db)).toEqual([]);
  });
});

describe('page messages', () => {
  it('accept the new messages with their fields and refuse them without', () => {
    expect(isPageMessage({ type: 'agents.update', agentId: 'x', name: 'n', scopes: ['openai'], expiresAt: null })).toBe(true);
    expect(isPageMessage({ type: 'agents.update', agentId: 'x', name: 'n', expiresAt: null })).toBe(false);
    expect(isPageMessage({ type: 'vault.credentials.replaceSecret', id: 'x', secret: 's' })).toBe(true);
    expect(isPageMessage({ type: 'vault.credentials.rename', id: 'x' })).toBe(false);
    expect(isPageMessage({ type: 'access.revokeAll' })).toBe(true);
    expect(isPageMessage({ type: 'toString' })).toBe(false);
  });
});
