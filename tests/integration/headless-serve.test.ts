/**
 * `keygate-host serve` as a server or CI job runs it: a vault file with the default Argon2id cost,
 * a TOML policy pointing OpenAI at a local mock upstream, the password in KEYGATE_PASSWORD.
 */
import { connect } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { wipe } from '../../shared/vault/envelope';
import { validateVaultExport } from '../../shared/vault/export-file';
import { addAgentRecord, addSealedCredential, createVaultDocument } from '../../shared/vault/vault-document';
import { hostEnv, startServe, TEST_PASSWORD } from './headless-host';
import { type MockUpstream, startMockUpstream } from './mock-upstream';

const OPENAI_KEY = 'sk-proj-SERVE-FAKE-0123456789abcdef';
const LISTENING = /^keygate listening on http:\/\/127\.0\.0\.1:(\d+)$/;

let dir: string;
let vaultPath: string;
let policyPath: string;
let agentKey: string;
let upstream: MockUpstream;

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-headless-serve-'));
  upstream = await startMockUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
  });
  const now = Date.now();
  const created = await createVaultDocument(TEST_PASSWORD, { now });
  const withKey = addSealedCredential(created.document, created.dataKey, { service: 'openai', name: 'work', kind: 'api_key', secret: new TextEncoder().encode(OPENAI_KEY) }, now);
  wipe(created.dataKey);
  const agent = await mintAgentKey({ name: 'ci-agent', scopes: ['openai'], expiresAt: null }, now);
  agentKey = agent.key;
  vaultPath = join(dir, 'vault.json');
  await writeFile(vaultPath, JSON.stringify(addAgentRecord(withKey.document, agent.record, now)), { mode: 0o600 });
  policyPath = join(dir, 'keygate.toml');
  await writeFile(policyPath, `[proxy]\nport = 8472\nidle_lock_minutes = 30\n\n[services.openai]\nbase_url = "${upstream.url}"\n`);
}, 30_000);

afterAll(async () => {
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('keygate-host serve', () => {
  it('listens on the real port, injects the real key for an agent, and on SIGTERM locks and exits 0', async () => {
    const dataDir = join(dir, 'data');
    const serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--port', '0', '--data-dir', dataDir]);
    const port = Number(LISTENING.exec(await serve.firstLine)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(8472);

    const response = await fetch(`http://127.0.0.1:${port}/openai/v1/models`, { headers: { authorization: `Bearer ${agentKey}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: [] });
    expect(upstream.received.at(-1)).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${OPENAI_KEY}` } });
    expect((await fetch(`http://127.0.0.1:${port}/openai/v1/models`)).status).toBe(401);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toContain('SIGTERM; locking the vault and stopping.');
    expect(await refusesConnections(port)).toBe(true);
    const auditFile = async (name: string) => (await readFile(join(dataDir, name), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect((await auditFile('audit.log')).map((record) => [record.agentName, record.status])).toEqual([['ci-agent', 200]]);
    // Refused before an agent was known: its own file, so such requests cannot flush the agents' one.
    expect((await auditFile('audit-unauthenticated.log')).map((record) => [record.agentName, record.status])).toEqual([[null, 401]]);
    const vault = validateVaultExport(JSON.parse(await readFile(vaultPath, 'utf8')));
    expect(vault.credentials[0]?.lastUsedAt).toEqual(expect.any(Number));
    expect(serve.stdout() + serve.stderr()).not.toContain(OPENAI_KEY);
  });

  it('says on stderr when the upstream refuses a key, and when it works again', async () => {
    let refuse = true;
    upstream.setHandler((_request, res) => {
      res.writeHead(refuse ? 401 : 200, { 'content-type': 'application/json' });
      res.end(refuse ? '{"error":{"code":"invalid_api_key"}}' : '{"data":[]}');
    });
    const serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--port', '0', '--data-dir', join(dir, 'data-health')]);
    try {
      const port = Number(LISTENING.exec(await serve.firstLine)?.[1]);
      const call = () => fetch(`http://127.0.0.1:${port}/openai/v1/models`, { headers: { authorization: `Bearer ${agentKey}` } });
      expect((await call()).status).toBe(401);
      refuse = false;
      expect((await call()).status).toBe(200);
      // stderr is a pipe: the last line may arrive a moment after the answer.
      for (let wait = 0; wait < 100 && !serve.stderr().includes('works again'); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      const said = serve.stderr();
      expect(said).toMatch(/credential \S+ \(openai "work"\) was refused by the upstream \(HTTP 401, 1 in a row\)/);
      expect(said).toMatch(/credential \S+ \(openai "work"\) works again\./);
      expect(said).not.toContain(OPENAI_KEY);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      upstream.setHandler((_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":[]}');
      });
    }
  });

  it('exits 0 on SIGINT too, with the audit log in the platform data dir by default', async () => {
    const home = join(dir, 'home');
    const serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--port', '0'], hostEnv({ HOME: home }));
    expect(await serve.firstLine).toMatch(LISTENING);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    if (process.platform === 'linux') await expect(readFile(join(home, '.local', 'share', 'keygate', 'audit.log'), 'utf8')).resolves.toBe('');
  });

  it('refuses a wrong password with a clear message and never listens', async () => {
    const dataDir = join(dir, 'data-wrong');
    const serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--data-dir', dataDir], hostEnv({ KEYGATE_PASSWORD: 'correct horse battery staple 43' }));
    expect(await serve.exited).toBe(1);
    expect(serve.stdout()).toBe('');
    expect(serve.stderr()).toBe('keygate-host serve: The master password does not open this vault.\n');
    // The proxy's first step, opening the audit log, never happened.
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a bad policy with exit 2, naming every problem by line and field, before asking for the password', async () => {
    const badPolicy = join(dir, 'bad.toml');
    await writeFile(badPolicy, `[proxy]\nport = 70000\n\n[custom.github]\nauth_header = "Authorization"\nrate_limt = 5\n`);
    const serve = startServe(['--vault', vaultPath, '--policy', badPolicy], { PATH: '/usr/bin:/bin' });
    expect(await serve.exited).toBe(2);
    expect(serve.stdout()).toBe('');
    const stderr = serve.stderr();
    expect(stderr).toContain(`The policy ${badPolicy} was refused`);
    expect(stderr).toMatch(/^ {2}line 2, proxy\.port: /m);
    expect(stderr).toMatch(/^ {2}line 4, custom\.github\.base_url: is required/m);
    expect(stderr).toMatch(/^ {2}line 6, custom\.github\.rate_limt: unknown key/m);
  });
});
