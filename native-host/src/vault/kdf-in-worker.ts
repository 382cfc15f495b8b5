/**
 * The master password's Argon2id run on a worker thread that ends once the key is derived, so the
 * 256 MiB of WebAssembly memory it needs is given back to the system: on the main thread hash-wasm's
 * memory never shrinks, and an idle `keygate-host serve` held ~320 MB for its whole life.
 *
 * The bundle (scripts/build-host.ts) puts the worker beside keygate-host.mjs as
 * keygate-kdf-worker.mjs; run from source (tsx), the worker is kdf-worker.ts beside this file.
 */
import { Worker } from 'node:worker_threads';
import { checkKdfParams, type KdfParams } from '../../../shared/vault/kdf';
import type { KdfAnswer, KdfRequest } from './kdf-worker';

export const KDF_WORKER_BUNDLE = 'keygate-kdf-worker.mjs';

function workerUrl(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './kdf-worker.ts' : `./${KDF_WORKER_BUNDLE}`, import.meta.url);
}

/** deriveKeyEncryptionKey's twin: same checks first (a bad file costs no thread), same 32-byte key, which the caller wipes. */
export async function deriveKeyEncryptionKeyInWorker(password: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  checkKdfParams(params);
  const worker = new Worker(workerUrl());
  try {
    const answer = await new Promise<KdfAnswer>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The key-derivation worker stopped (exit code ${code}) before answering.`)));
      worker.postMessage({ password, params } satisfies KdfRequest);
    });
    if (!answer.ok) throw new Error(`Key derivation failed: ${answer.message}`);
    return answer.key;
  } finally {
    await worker.terminate();
  }
}
