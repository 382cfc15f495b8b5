/**
 * The master password's Argon2id run in a worker process that ends once the key is derived, so the
 * 256 MiB of WebAssembly memory it needs is given back to the system: on the main thread hash-wasm's
 * memory never shrinks, and an idle `keygate-host serve` held ~320 MB for its whole life. A worker
 * thread gave the WebAssembly memory back too, but left `serve` ~7 MB heavier for good (the thread's
 * malloc arena and the code pages of compiling the WebAssembly stay with the process); a process of
 * its own takes everything with it. The password and the key cross the IPC channel (a private pipe).
 *
 * The bundle (scripts/build-host.ts) puts the worker beside keygate-host.mjs as
 * keygate-kdf-worker.mjs; run from source (tsx), the worker is kdf-worker.ts beside this file (the
 * child inherits tsx's loader with the parent's execArgv).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkKdfParams, type KdfParams } from '../../../shared/vault/kdf';
import type { KdfAnswer, KdfRequest } from './kdf-worker';

export const KDF_WORKER_BUNDLE = 'keygate-kdf-worker.mjs';

function workerPath(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './kdf-worker.ts' : `./${KDF_WORKER_BUNDLE}`, import.meta.url));
}

/** deriveKeyEncryptionKey's twin: same checks first (a bad file costs no process), same 32-byte key, which the caller wipes. */
export async function deriveKeyEncryptionKeyInWorker(password: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  checkKdfParams(params);
  // No environment: the worker needs none, and `serve` may have been given the password in one.
  const worker = fork(workerPath(), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: {} });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    const answer = await new Promise<KdfAnswer>((resolve, reject) => {
      worker.once('message', (message) => resolve(message as KdfAnswer));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The key-derivation worker stopped (exit code ${code}) before answering.`)));
      worker.send({ password, params } satisfies KdfRequest);
    });
    if (!answer.ok) throw new Error(`Key derivation failed: ${answer.message}`);
    return answer.key;
  } finally {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill();
    await exited;
  }
}
