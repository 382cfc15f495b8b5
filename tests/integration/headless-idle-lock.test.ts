/**
 * The idle lock in headless mode: after `idle_lock_minutes` without requests the key is wiped and
 * agents get VAULT_LOCKED, with a line on stderr. Run in-process with the keeper's timer in the
 * test's hand (the shortest policy setting is a minute); the proxy, HTTP and crypto are real.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { parsePolicy } from '../../shared/policy/parse-policy';
import { MIN_KDF_COST } from '../../shared/vault/kdf';
import { addAgentRecord, addSealedCredential, createVaultDocument } from '../../shared/vault/vault-document';
import { startHeadlessProxy } from '../../native-host/src/headless/headless-proxy';
import { VaultKeeper } from '../../native-host/src/vault/vault-keeper';
import { startMockUpstream } from './mock-upstream';

let dir: string | undefined;

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('locks after the idle time: requests get VAULT_LOCKED and stderr says so', async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-headless-idle-'));
  const upstream = await startMockUpstream((_request, res) => {
    res.end('{}');
  });
  const parsed = parsePolicy(`[proxy]\nport = 0\nidle_lock_minutes = 5\n\n[services.openai]\nbase_url = "${upstream.url}"\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const now = Date.now();
  const created = await createVaultDocument('correct horse battery staple 42', { now, kdfCost: MIN_KDF_COST });
  const { document } = addSealedCredential(created.document, created.dataKey, { service: 'openai', name: 'w', kind: 'api_key', secret: new TextEncoder().encode('sk-IDLE-FAKE') }, now);
  const agent = await mintAgentKey({ name: 'idle-agent', scopes: ['openai'], expiresAt: null }, now);
  const vaultFile = { path: join(dir, 'vault.json'), document: addAgentRecord(document, agent.record, now) };
  await writeFile(vaultFile.path, JSON.stringify(vaultFile.document), { mode: 0o600 });

  let idleTimer: { fire: () => void; ms: number } | null = null;
  let clock = now;
  const vault = new VaultKeeper({ now: () => clock, timers: { set: (fire, ms) => (idleTimer = { fire, ms }), clear: () => (idleTimer = null) } });
  const said: string[] = [];
  const proxy = await startHeadlessProxy({
    vaultPath: vaultFile.path,
    document: vaultFile.document,
    dataKey: created.dataKey,
    policy: parsed.policy,
    port: undefined,
    dataDir: dir,
    say: (line) => said.push(line),
    vault,
  });
  try {
    const call = () => fetch(`http://127.0.0.1:${proxy.port}/openai/v1/models`, { headers: { authorization: `Bearer ${agent.key}` } });
    expect((await call()).status).toBe(200);
    expect(idleTimer).toMatchObject({ ms: 5 * 60_000 });

    clock += 5 * 60_000;
    idleTimer!.fire();
    expect(said).toContain('keygate-host serve: vault locked after 5 idle minutes; requests now get VAULT_LOCKED. Restart keygate-host serve to unlock it.');
    const locked = await call();
    expect(locked.status).toBe(423);
    expect(await locked.json()).toMatchObject({ error: { code: 'VAULT_LOCKED' } });
    expect(upstream.received).toHaveLength(1);
    expect(said.filter((line) => line.includes('cannot record'))).toEqual([]);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
