/**
 * Vault unlock against its floor, the bare Argon2id with the same cost measured in the same run
 * (goal: unlock ≤ 1.1× raw), in Node through the library and in headless Chromium through the real
 * extension; then opening 1,000 sealed credentials, alone and as keygate-host's check at unlock.
 */
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { openVaultDb } from '../lib/vault/vault-db';
import { createVault as createLibraryVault, unlockVault } from '../lib/vault/vault-service';
import type { AppState } from '../lib/extension-messages';
import { VaultKeeper } from '../native-host/src/vault/vault-keeper';
import { launchKeygateBrowser } from '../scripts/keygate-browser';
import { generateDataKey, openSealedSecret, sealSecret, wipe } from '../shared/vault/envelope';
import type { CredentialRecord } from '../shared/vault/format';
import { argon2idRaw, DEFAULT_KDF_PARAMS, KEK_BYTES } from '../shared/vault/kdf';
import { askBackground, createVault, MASTER_PASSWORD } from '../tests/e2e/popup-driver';
import { round, summarizeDurations, timeMs } from './stats';

declare const chrome: { runtime: { sendMessage(message: unknown): Promise<{ ok: boolean }> } };
declare const hashwasm: typeof import('hash-wasm');

const NODE_REPETITIONS = 5;
const EXTENSION_REPETITIONS = 5;
const CREDENTIALS = 1000;
const OPEN_ROUNDS = 5;
const { memoryKiB, iterations, parallelism } = DEFAULT_KDF_PARAMS;
const cost = { memoryKiB, iterations, parallelism };

/** One warm-up of each (WASM compile, JIT), then raw and measured alternate so drift hits both. */
async function alternate(repetitions: number, raw: () => Promise<number>, measured: () => Promise<number>) {
  await raw();
  await measured();
  const rawMs: number[] = [];
  const measuredMs: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    rawMs.push(await raw());
    measuredMs.push(await measured());
  }
  return { raw: summarizeDurations(rawMs), measured: summarizeDurations(measuredMs) };
}

async function benchLibraryUnlock() {
  const db = await openVaultDb('keygate-bench');
  wipe(await createLibraryVault(db, MASTER_PASSWORD));
  const password = new TextEncoder().encode(MASTER_PASSWORD);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return alternate(
    NODE_REPETITIONS,
    () => timeMs(async () => wipe(await argon2idRaw(password, salt, cost))),
    () => timeMs(async () => wipe(await unlockVault(db, MASTER_PASSWORD))),
  );
}

/**
 * The page times the same message the popup sends; the background answers it only after the host
 * hand-off (VaultSession.unlock awaits becomeUnlocked). The raw figure is hash-wasm's own UMD build
 * from node_modules, evaluated into the extension's service worker, where the unlock's KDF runs.
 */
async function benchExtensionUnlock() {
  const keygate = await launchKeygateBrowser();
  try {
    const popup = await keygate.openExtensionPage('popup.html');
    await createVault(popup);
    const worker = await keygate.background();
    await worker.evaluate(await readFile(createRequire(import.meta.url).resolve('hash-wasm/dist/argon2.umd.min.js'), 'utf8'));
    const raw = () =>
      worker.evaluate(
        async ({ memoryKiB, iterations, parallelism }, hashLength) => {
          const password = new TextEncoder().encode('fake-bench-password');
          const salt = crypto.getRandomValues(new Uint8Array(16));
          const start = performance.now();
          await hashwasm.argon2id({ password, salt, memorySize: memoryKiB, iterations, parallelism, hashLength, outputType: 'binary' });
          return performance.now() - start;
        },
        cost,
        KEK_BYTES,
      );
    const unlock = async () => {
      await askBackground(popup, { type: 'vault.lock' });
      const ms = await popup.evaluate(async (password) => {
        const start = performance.now();
        const reply = await chrome.runtime.sendMessage({ type: 'vault.unlock', password });
        if (!reply.ok) throw new Error('Unlock failed during the benchmark.');
        return performance.now() - start;
      }, MASTER_PASSWORD);
      const { vault } = await askBackground<AppState>(popup, { type: 'state.get' });
      if (vault.status !== 'unlocked' || vault.handoff.status !== 'ready') throw new Error('Unlock did not reach the host.');
      return ms;
    };
    return await alternate(EXTENSION_REPETITIONS, raw, unlock);
  } finally {
    await keygate.close();
  }
}

async function benchOpenThousand() {
  const dataKey = generateDataKey();
  const records: CredentialRecord[] = Array.from({ length: CREDENTIALS }, (_, i) => {
    const id = `bench-credential-${i}`;
    const secret = new TextEncoder().encode(`sk-FAKE-benchmark-not-a-real-key-${String(i).padStart(4, '0')}`);
    return { id, service: 'openai', name: `Fake key ${i}`, kind: 'api_key', createdAt: 0, lastUsedAt: null, sealed: sealSecret(dataKey, id, secret) };
  });
  const openAll = () => records.forEach((record) => wipe(openSealedSecret(dataKey, record.id, record.sealed)));
  const keeper = new VaultKeeper();
  const hostCheck = () => {
    const checks = keeper.unlock(dataKey, records, 60_000);
    keeper.lock('request');
    if (checks.some((check) => !check.ok)) throw new Error('A sealed credential failed to open.');
  };
  const rounds = async (run: () => void) => {
    run();
    const samples: number[] = [];
    for (let i = 0; i < OPEN_ROUNDS; i++) samples.push(await timeMs(run));
    return summarizeDurations(samples);
  };
  return { open: await rounds(openAll), hostCheck: await rounds(hostCheck) };
}

export async function benchVaultUnlock() {
  const library = await benchLibraryUnlock();
  const extension = await benchExtensionUnlock();
  const { open, hostCheck } = await benchOpenThousand();
  return {
    name: 'vault-unlock',
    kdf: cost,
    rawKdfMs: library.raw,
    libraryUnlockMs: library.measured,
    libraryRatio: round(library.measured.median / library.raw.median),
    rawKdfInExtensionWorkerMs: extension.raw,
    extensionUnlockMs: extension.measured,
    extensionRatio: round(extension.measured.median / extension.raw.median),
    extensionRatioVsNodeRaw: round(extension.measured.median / library.raw.median),
    goalRatio: 1.1,
    open1000: { totalMs: open.median, perCredentialUs: round((open.median * 1000) / CREDENTIALS, 1), samplesMs: open.samples },
    hostCheck1000Ms: hostCheck,
  };
}
