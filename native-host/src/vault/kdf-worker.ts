/**
 * The worker process that runs one Argon2id derivation for kdf-in-worker.ts and ends. hash-wasm grows
 * its WebAssembly memory to the vault's cost (256 MiB by default) and a WebAssembly memory cannot
 * shrink, so in `serve`'s own process that memory stayed for its whole life; this process's memory
 * goes with it. The password and the key leave this process as copies over the IPC channel, and its
 * own copies are zeroed before it ends.
 */
import { wipe } from '../../../shared/vault/envelope';
import { deriveKeyEncryptionKey, type KdfParams } from '../../../shared/vault/kdf';

export interface KdfRequest {
  password: Uint8Array;
  params: KdfParams;
}

export type KdfAnswer = { ok: true; key: Uint8Array } | { ok: false; message: string };

process.once('message', async ({ password, params }: KdfRequest) => {
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
  process.send?.(answer, () => {
    if (key !== null) wipe(key);
    process.disconnect?.();
  });
});
