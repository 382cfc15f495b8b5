/**
 * The headless vault file is edited by several processes: `keygate-host agent remove` while serve
 * writes last-use times, or two shells at once. Each edit reads, changes and replaces the whole file;
 * without taking turns, one would write back a file missing the other's change (a revoked agent key
 * restored, say). Real processes here, racing on one file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { validateVaultExport } from '../../shared/vault/export-file';
import type { VaultExport } from '../../shared/vault/format';
import { REPO_ROOT } from '../../scripts/paths';

const FIXTURE = fileURLToPath(new URL('./fixtures/vault-edit-loop.ts', import.meta.url));
const EDITORS = 3;
const EDITS_EACH = 15;

/** A vault with no records: the edits only touch its agent list, so no key or password is needed. */
const EMPTY_VAULT: VaultExport = {
  format: 'keygate-vault',
  formatVersion: 1,
  exportedAt: 1_700_000_000_000,
  meta: {
    formatVersion: 1,
    kdf: { algorithm: 'argon2id', memoryKiB: 65_536, iterations: 2, parallelism: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    wrappedDataKey: { nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ciphertext: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==' },
    createdAt: 1_700_000_000_000,
  },
  credentials: [],
  agents: [],
} as unknown as VaultExport;

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-vault-edits-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function runEditor(path: string, tag: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, path, tag, String(EDITS_EACH)], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`editor ${tag} exited ${code}: ${stderr}`)))));
}

it('keeps every edit when several processes edit the vault file at once', async () => {
  const path = join(directory, 'vault.json');
  await writeFile(path, JSON.stringify(validateVaultExport(EMPTY_VAULT)), { mode: 0o600 });

  await Promise.all(Array.from({ length: EDITORS }, (_, editor) => runEditor(path, `editor${editor}`)));

  const names = validateVaultExport(JSON.parse(await readFile(path, 'utf8'))).agents.map((agent) => agent.name);
  const expected = Array.from({ length: EDITORS }, (_, editor) => Array.from({ length: EDITS_EACH }, (_, i) => `editor${editor}-${i}`)).flat();
  expect(names.sort()).toEqual(expected.sort());
  // No lock file or temp file is left behind.
  expect(await readdir(directory)).toEqual(['vault.json']);
}, 60_000);
