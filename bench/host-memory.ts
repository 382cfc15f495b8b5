/**
 * Resident memory of the real built keygate-host, read from /proc: idle, as the browser runs it
 * (native messaging, after `vault.unlock`) and as `keygate-host serve` runs it (after the password
 * unlocked a vault file with the default Argon2id cost, 256 MiB), once when ready and once after
 * sitting idle. The proxy benchmark records these beside its goals (idle RSS ≤ 60 MB for both).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostEnv, runHostCommand, startServe } from '../tests/integration/headless-host';
import { startProxyHost } from '../tests/integration/proxy-host';
import { residentMiB } from '../tests/support/resident-memory';

/**
 * Long enough for V8's memory reducer to collect start-up garbage when nothing happens (it runs a few
 * seconds after allocation stops), so the second reading is what an idle host keeps.
 */
const IDLE_SETTLE_MS = 10_000;

export interface IdleResident {
  /** Right after the host is ready to serve. */
  readyMiB: number | null;
  /** After IDLE_SETTLE_MS of doing nothing. */
  settledMiB: number | null;
}

async function readIdle(pid: number): Promise<IdleResident> {
  const readyMiB = residentMiB(pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  return { readyMiB, settledMiB: residentMiB(pid) };
}

/** The browser's host: started with the extension's caller argument, policy, agent keys, then vault.unlock. */
async function browserHostIdle(): Promise<IdleResident> {
  const keygate = await startProxyHost({
    policy: '[proxy]\nport = 0\n\n[services.openai]\nbase_url = "http://127.0.0.1:9"\n',
    credentials: [{ service: 'openai', secret: 'sk-test-FAKE-idle-memory-000000000000' }],
    agents: [{ name: 'idle', scopes: ['openai'] }],
  });
  try {
    return await readIdle(keygate.host.child.pid ?? -1);
  } finally {
    await keygate.stop();
  }
}

/** `serve` on an empty vault file made by `vault init` (default KDF cost), after the password unlocked it. */
async function serveIdle(): Promise<IdleResident> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-bench-memory-'));
  try {
    const vault = join(dir, 'vault.json');
    const policy = join(dir, 'keygate.toml');
    const init = await runHostCommand(['vault', 'init', '--file', vault]);
    if (init.code !== 0) throw new Error(`vault init failed: ${init.stderr}`);
    await writeFile(policy, '[proxy]\nport = 0\n');
    const serve = startServe(['--vault', vault, '--policy', policy, '--port', '0', '--data-dir', join(dir, 'data')], hostEnv());
    try {
      await serve.firstLine;
      return await readIdle(serve.child.pid ?? -1);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both modes one after the other (each alone on the machine's memory). */
export async function measureIdleResident(): Promise<{ browserHost: IdleResident; serve: IdleResident }> {
  return { browserHost: await browserHostIdle(), serve: await serveIdle() };
}
