/**
 * The headless CLI as a new user meets it: --help per command, serve without a policy file, a
 * taken port that names its holder, and relative paths under `npm run host` meaning the caller's
 * directory. All against the built keygate-host.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAgentKey } from '../../shared/agents/new-agent-key';
import { wipe } from '../../shared/vault/envelope';
import { addAgentRecord, createVaultDocument } from '../../shared/vault/vault-document';
import { hostEnv, runHostCommand, startServe, TEST_PASSWORD } from './headless-host';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;

let dir: string;
let vaultPath: string;
let agentKey: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-headless-ergonomics-'));
  const now = Date.now();
  const created = await createVaultDocument(TEST_PASSWORD, { now });
  wipe(created.dataKey);
  const agent = await mintAgentKey({ name: 'helper', scopes: ['openai'], expiresAt: null }, now);
  agentKey = agent.key;
  vaultPath = join(dir, 'vault.json');
  await writeFile(vaultPath, JSON.stringify(addAgentRecord(created.document, agent.record, now)), { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keygate-host --help', () => {
  it('explains one command, a group, and everything, each with exit 0', async () => {
    const serveHelp = await runHostCommand(['serve', '--help']);
    expect(serveHelp.code).toBe(0);
    expect(serveHelp.stdout).toMatch(/^Usage: keygate-host serve --vault FILE \[--policy FILE\.toml\]/);
    expect(serveHelp.stdout).toContain('without --policy the defaults apply');

    const addHelp = await runHostCommand(['vault', 'add', '-h']);
    expect(addHelp.code).toBe(0);
    expect(addHelp.stdout).toContain('Usage: keygate-host vault add');
    expect(addHelp.stdout).not.toContain('agent create');

    const group = await runHostCommand(['agent', '--help']);
    expect(group.stdout).toContain('keygate-host agent create');
    expect(group.stdout).toContain('keygate-host agent enable');
    expect(group.stdout).not.toContain('vault add');

    const all = await runHostCommand(['--help']);
    for (const command of ['install', 'doctor', 'vault passwd', 'agent disable', 'serve']) expect(all.stdout).toContain(`keygate-host ${command}`);
  });
});

describe('keygate-host serve', () => {
  it('runs on the default policy when no --policy is given', async () => {
    const serve = startServe(['--vault', vaultPath, '--port', '0', '--data-dir', join(dir, 'data-defaults')]);
    const port = Number(/:(\d+)$/.exec(await serve.firstLine)![1]);
    const status = await fetch(`http://127.0.0.1:${port}/_keygate/status`, { headers: { authorization: `Bearer ${agentKey}` } });
    expect(status.status).toBe(200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('names the process that holds a taken port and suggests --port', async () => {
    // The holder is another process, as it would be in life (a second serve, another proxy).
    const holder = spawn(process.execPath, ['-e', "require('node:net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = Number(await new Promise<string>((resolve) => holder.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))));
      const serve = startServe(['--vault', vaultPath, '--port', String(port), '--data-dir', join(dir, 'data-busy')]);
      expect(await serve.exited).toBe(1);
      expect(serve.stderr()).toContain(`127.0.0.1:${port}: process ${holder.pid} (`);
      expect(serve.stderr()).toContain('--port N');
    } finally {
      holder.kill();
    }
  });
});

describe('npm run host', () => {
  it('takes relative paths from the directory npm was run in, not the checkout', async () => {
    const child = spawn('npm', ['--prefix', REPO_ROOT, 'run', '--silent', 'host', '--', 'vault', 'init', '--file', 'relative-vault.json'], {
      cwd: dir,
      env: { ...process.env, ...hostEnv(), PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'relative-vault.json'), 'utf8')).format).toBe('keygate-vault');
  }, 60_000);
});
