/**
 * The worker thread that runs one Argon2id derivation for kdf-in-worker.ts and ends. hash-wasm grows
 * its WebAssembly memory to the vault's cost (256 MiB by default) and a WebAssembly memory cannot
 * shrink, so on the main thread that memory stayed for the life of `serve`; a worker's heap and
 * WebAssembly memories are unmapped when the worker exits. The password and the key leave this
 * thread as copies, and this thread's own copies are zeroed before it ends.
 */
import { parentPort } from 'node:worker_threads';
import { wipe } from '../../../shared/vault/envelope';
import { deriveKeyEncryptionKey, type KdfParams } from '../../../shared/vault/kdf';

export interface KdfRequest {
  password: Uint8Array;
  params: KdfParams;
}

export type KdfAnswer = { ok: true; key: Uint8Array } | { ok: false; message: string };

parentPort?.once('message', async ({ password, params }: KdfRequest) => {
  let answer: KdfAnswer;
  let key: Uint8Array | null = null;
  try {
    key = await deriveKeyEncryptionKey(password, params);
    answer = { ok: true, key };
  } catch (error) {
    answer = { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    wipe(password);
  }
  parentPort?.postMessage(answer);
  if (key !== null) wipe(key);
  parentPort?.close();
});
