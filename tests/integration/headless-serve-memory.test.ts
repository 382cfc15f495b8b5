/**
 * An idle `keygate-host serve` gives back the memory its unlock needed: the vault's Argon2id cost
 * (256 MiB by default) is paid on a worker thread that has ended before the proxy listens, so what
 * the proxy holds is its own, not a WebAssembly memory waiting for a garbage collection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wipe } from '../../shared/vault/envelope';
import { DEFAULT_KDF_PARAMS } from '../../shared/vault/kdf';
import { createVaultDocument } from '../../shared/vault/vault-document';
import { residentMiB } from '../support/resident-memory';
import { startServe, TEST_PASSWORD } from './headless-host';

/** Far below the KDF's 256 MiB and far above an idle Node proxy (~60 MiB), so only a kept KDF memory trips it. */
const CEILING_MIB = 150;

let dir: string;
let vaultPath: string;
let policyPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keygate-serve-memory-'));
  const created = await createVaultDocument(TEST_PASSWORD, { now: Date.now(), kdfCost: DEFAULT_KDF_PARAMS });
  wipe(created.dataKey);
  vaultPath = join(dir, 'vault.json');
  await writeFile(vaultPath, JSON.stringify(created.document), { mode: 0o600 });
  policyPath = join(dir, 'keygate.toml');
  await writeFile(policyPath, '[proxy]\nport = 0\n');
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keygate-host serve memory', () => {
  it('holds well under the KDF memory as soon as it listens', async () => {
    const serve = startServe(['--vault', vaultPath, '--policy', policyPath, '--port', '0', '--data-dir', join(dir, 'data')]);
    try {
      await serve.firstLine;
      // The worker ended, and its memory was unmapped, before the proxy began to listen. On the main
      // thread the memory stayed until some later major collection (seconds when idle, unknown under load).
      const rss = residentMiB(serve.child.pid ?? -1);
      expect(rss).not.toBeNull();
      expect(rss!).toBeLessThan(CEILING_MIB);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  }, 60_000);
});
