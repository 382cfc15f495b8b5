/**
 * `keygate-host serve` reloading its vault file and policy on SIGHUP, against the built host: what
 * the files say now is what the running proxy does, without the password; a file that does not pass
 * changes nothing; a removed key's requests in flight end. One serve process runs through the whole file, as an operator's would.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { wipe } from '../../shared/vault/envelope';
import { validateVaultExport } from '../../shared/vault/export-file';
import type { VaultExport } from '../../shared/vault/format';
import { addAgentRecord, addSealedCredential, createVaultDocument } from '../../shared/vault/vault-document';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { editVaultFile } from '../../native-host/src/headless/vault-file';
import { hostEnv, runHostCommand, type ServeProcess, startServe, TEST_PASSWORD } from './headless-host';
import { type MockUpstream, startMockUpstream } from './mock-upstream';

const OPENAI_KEY = 'sk-proj-RELOAD-FAKE-OPENAI-0000000000';
const ANTHROPIC_KEY = 'sk-ant-RELOAD-FAKE-ANTHROPIC-000000000';
const LISTENING = /^keygate listening on http:\/\/127\.0\.0\.1:(\d+)$/;

let dir: string;
let vaultPath: string;
let policyPath: string;
let dataKey: Uint8Array;
let upstream: MockUpstream;
let serve: ServeProcess;
let port: number;
/** Resolves when Keygate closes the upstream's endless `/v1/stream` answer. */
let streamClosed: () => void = () => undefined;
const agentKeys: Record<'builder' | 'reviewer', string> = { builder: '', reviewer: '' };

const policyText = (extra = '') =>
  `[proxy]\nport = 8472\n\n[services.openai]\nbase_url = "${upstream.url}"\n${extra}\n[services.anthropic]\nbase_url = "${upstream.url}"\n`;

const readVault = async (): Promise<VaultExport> => validateVaultExport(JSON.parse(await readFile(vaultPath, 'utf8')));
const writeVault = (vault: VaultExport) => writeFile(vaultPath, JSON.stringify(vault), { mode: 0o600 });
/** As `keygate-host agent remove` and the rest edit it: in turn with serve's own last-use writes. */
const editVault = (edit: (vault: VaultExport) => VaultExport) => editVaultFile(vaultPath, edit);

function withCredential(vault: VaultExport, service: string, secret: string): VaultExport {
  return addSealedCredential(vault, dataKey, { service, name: `${service}-key`, kind: 'api_key', secret: new TextEncoder().encode(secret) }, Date.now()).document;
}

function call(service: 'openai' | 'anthropic', agent: keyof typeof agentKeys) {
  return fetch(`http://127.0.0.1:${port}/${service}/v1/models`, { headers: { authorization: `Bearer ${agentKeys[agent]}` } });
}

async function errorCode(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}

/** Sends SIGHUP and resolves with what serve said about it (stderr is a pipe: it may lag the signal). */
async function reload(): Promise<string> {
  const before = serve.stderr().split('SIGHUP;').length;
  serve.child.kill('SIGHUP');
  for (let wait = 0; wait < 250; wait++) {
    const parts = serve.stderr().split('SIGHUP;');
    if (parts.length > before && parts.at(-1)!.includes('\n')) return parts.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`serve said nothing about the SIGHUP; stderr:\n${serve.stderr()}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-serve-reload-'));
  upstream = await startMockUpstream((request, res) => {
    if (request.url === '/v1/stream') {
      // An answer that never ends on its own: only Keygate closing the call stops it.
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: 0\n\n');
      const ticker = setInterval(() => res.write('data: more\n\n'), 50);
      res.once('close', () => {
        clearInterval(ticker);
        streamClosed();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
  });
  const now = Date.now();
  const created = await createVaultDocument(TEST_PASSWORD, { now });
  dataKey = created.dataKey;
  let vault = withCredential(created.document, 'openai', OPENAI_KEY);
  for (const name of ['builder', 'reviewer'] as const) {
    const agent = await mintAgentKey({ name, scopes: ['openai', 'anthropic'], expiresAt: null }, now);
    agentKeys[name] = agent.key;
    vault = addAgentRecord(vault, agent.record, now);
  }
  vaultPath = join(dir, 'vault.json');
  policyPath = join(dir, 'keygate.toml');
  await writeVault(vault);
  await writeFile(policyPath, policyText());
  serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--port', '0', '--data-dir', join(dir, 'data')]);
  port = Number(LISTENING.exec(await serve.firstLine)?.[1]);
}, 30_000);

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  if (dataKey) wipe(dataKey);
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('keygate-host serve on SIGHUP', () => {
  it('stops accepting an agent key removed from the file, ends its stream in flight, and keeps the others', async () => {
    expect((await call('openai', 'builder')).status).toBe(200);
    expect((await call('openai', 'reviewer')).status).toBe(200);
    const upstreamClosed = new Promise<void>((resolve) => (streamClosed = resolve));
    const streaming = await fetch(`http://127.0.0.1:${port}/openai/v1/stream`, { headers: { authorization: `Bearer ${agentKeys.builder}` } });
    expect(streaming.status).toBe(200);
    const reader = streaming.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('data: 0');

    await editVault((vault) => ({ ...vault, agents: vault.agents.filter((agent) => agent.name !== 'builder') }));
    expect(await reload()).toContain('1 agent key, policy applied');
    await upstreamClosed;
    // The agent's answer breaks off instead of streaming on.
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })()).rejects.toThrow();
    const streamLines = async () => (await readAuditLines(join(dir, 'data'))).filter((line) => line.path === '/openai/v1/stream');
    for (let tries = 0; (await streamLines()).length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await streamLines()).map((line) => [line.status, line.reason])).toEqual([[200, 'AGENT_KEY_INVALID: ended in flight']]);

    const revoked = await call('openai', 'builder');
    expect(revoked.status).toBe(401);
    expect(await errorCode(revoked)).toBe('AGENT_KEY_INVALID');
    expect((await call('openai', 'reviewer')).status).toBe(200);
  });

  it('applies credentials added and removed in the file, with no password asked', async () => {
    const missing = await call('anthropic', 'reviewer');
    expect(await errorCode(missing)).toBe('CREDENTIAL_NOT_FOUND');

    await editVault((vault) => {
      const added = withCredential(vault, 'anthropic', ANTHROPIC_KEY);
      return { ...added, credentials: added.credentials.filter((record) => record.service !== 'openai') };
    });
    expect(await reload()).toContain('1 credential (1 added, 0 replaced, 1 removed)');

    upstream.reset();
    expect((await call('anthropic', 'reviewer')).status).toBe(200);
    expect(upstream.received.at(-1)?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(await errorCode(await call('openai', 'reviewer'))).toBe('CREDENTIAL_NOT_FOUND');
    expect(upstream.received).toHaveLength(1);
  });

  it('reports a reloaded record that fails its integrity check and leaves it out of rotation', async () => {
    const older = await readVault();
    const added = withCredential(older, 'anthropic', 'sk-ant-RELOAD-FAKE-NEVER-SENT-000000').credentials.at(-1)!;
    const ciphertext = Buffer.from(added.sealed.ciphertext, 'base64');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01;
    // The oldest anthropic record now: rotation would try it first if it were usable.
    const tampered = { ...added, createdAt: 1, sealed: { ...added.sealed, ciphertext: ciphertext.toString('base64') } };
    await editVault((vault) => ({ ...vault, credentials: [...vault.credentials, tampered] }));
    expect(await reload()).toContain('(1 added, 0 replaced, 0 removed)');
    expect(serve.stderr()).toContain(`credential ${added.id} (anthropic "anthropic-key") failed its integrity check (CREDENTIAL_TAMPERED)`);

    upstream.reset();
    expect((await call('anthropic', 'reviewer')).status).toBe(200);
    expect(upstream.received.map((request) => request.headers['x-api-key'])).toEqual([ANTHROPIC_KEY]);
    await editVault((vault) => ({ ...vault, credentials: vault.credentials.filter((record) => record.id !== added.id) }));
    expect(await reload()).toContain('(0 added, 0 replaced, 1 removed)');
  });

  it('applies a changed policy, and refuses a bad one whole, keeping the running rules', async () => {
    await writeFile(policyPath, policyText('blocked_endpoints = ["GET /v1/models"]\n'));
    expect(await reload()).toContain('policy applied');
    const blocked = await call('openai', 'reviewer');
    expect(blocked.status).toBe(403);
    expect(await errorCode(blocked)).toBe('ENDPOINT_BLOCKED');

    await writeFile(policyPath, `${policyText()}\n[proxy.extra]\nrate_limt = 5\n`);
    const refused = await reload();
    expect(refused).toContain('nothing reloaded, still serving as before');
    expect(refused).toContain(`The policy ${policyPath} was refused`);
    expect(serve.stderr()).toMatch(/line \d+, proxy\.extra/);
    expect(await errorCode(await call('openai', 'reviewer'))).toBe('ENDPOINT_BLOCKED');

    await writeFile(policyPath, policyText());
    expect(await reload()).toContain('policy applied');
  });

  it('refuses a vault file that is not valid, or holds another vault, and changes nothing', async () => {
    const good = await readFile(vaultPath, 'utf8');
    await writeFile(vaultPath, '{"format":"keygate-vault", "truncated');
    expect(await reload()).toContain('nothing reloaded, still serving as before');
    expect((await call('anthropic', 'reviewer')).status).toBe(200);

    const other = await createVaultDocument(TEST_PASSWORD, { now: Date.now() });
    wipe(other.dataKey);
    await writeVault(other.document);
    expect(await reload()).toContain(`${vaultPath} now holds another vault`);
    expect((await call('anthropic', 'reviewer')).status).toBe(200);
    await writeFile(vaultPath, good);
  }, 20_000);

  it('takes the file after `vault passwd` as the same vault: the reload applies and last use is still written', async () => {
    const secondOpenai = 'sk-proj-RELOAD-FAKE-AFTER-PASSWD-0000';
    await editVault((vault) => withCredential(vault, 'openai', secondOpenai));
    const changed = await runHostCommand(['vault', 'passwd', '--file', vaultPath], { env: hostEnv({ KEYGATE_NEW_PASSWORD: 'purple elephant marmalade 1999' }) });
    expect(changed.code, changed.stderr).toBe(0);
    expect(await reload()).toContain('(1 added, 0 replaced, 0 removed)');

    upstream.reset();
    expect((await call('openai', 'reviewer')).status).toBe(200);
    expect(upstream.received.at(-1)?.headers.authorization).toBe(`Bearer ${secondOpenai}`);
    // serve writes the last use back to the re-wrapped file (a moment after the answer).
    let used: number | null | undefined = null;
    for (let wait = 0; wait < 100 && !used; wait++) {
      used = (await readVault()).credentials.find((record) => record.service === 'openai')?.lastUsedAt;
      if (!used) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(used).toEqual(expect.any(Number));
  }, 20_000);

  it('survives SIGHUPs in quick succession and still stops cleanly on SIGTERM', async () => {
    for (let i = 0; i < 5; i++) serve.child.kill('SIGHUP');
    for (let wait = 0; wait < 250 && serve.stderr().split('SIGHUP;').length < 12; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await call('anthropic', 'reviewer')).status).toBe(200);
    expect(serve.child.exitCode).toBeNull();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const written = [serve.stdout(), serve.stderr(), await readFile(join(dir, 'data', 'audit.log'), 'utf8'), await readFile(vaultPath, 'utf8')].join('\n');
    expect(written).toContain('"agentName":"reviewer"');
    for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, ...Object.values(agentKeys)]) expect(written).not.toContain(secret);
  });
});
