/**
 * The master password's only job: become a key-encryption key for long enough to wrap or unwrap
 * the data key. Its bytes and the key are wiped as soon as that is done. Storage-free, so the
 * extension's IndexedDB vault and the headless host's vault file share it.
 */
import { KeygateError } from '../errors';
import { type SealedBox, unwrapDataKey, wipe, wrapDataKey } from './envelope';
import { type KdfCost, type KdfParams, deriveKeyEncryptionKey, type KekDerivation, newKdfParams } from './kdf';
import { MIN_ACCEPTED_SCORE, passwordStrength } from './password-strength';

/**
 * NFC first: the same password typed on macOS and on Windows can arrive as different code points,
 * and a vault exported on one machine must open on the other.
 */
function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFC'));
}

export function requireStrongPassword(password: string): void {
  const { score, hint } = passwordStrength(password);
  if (score < MIN_ACCEPTED_SCORE) throw new KeygateError('PASSWORD_TOO_WEAK', hint);
}

/** The caller owns the returned key-encryption key and must wipe it. */
export async function deriveKekFromPassword(password: string, kdf: KdfParams, derive: KekDerivation = deriveKeyEncryptionKey): Promise<Uint8Array> {
  const bytes = passwordBytes(password);
  try {
    return await derive(bytes, kdf);
  } finally {
    wipe(bytes);
  }
}

/** Wrong password → VAULT_PASSWORD_WRONG; the caller owns the returned data key. */
export async function unwrapWithPassword(password: string, kdf: KdfParams, wrappedDataKey: SealedBox, derive?: KekDerivation): Promise<Uint8Array> {
  const kek = await deriveKekFromPassword(password, kdf, derive);
  try {
    return unwrapDataKey(kek, wrappedDataKey);
  } finally {
    wipe(kek);
  }
}

/** Wraps the data key under the password with fresh KDF parameters (a fresh salt; default cost unless given). */
export async function wrapWithPassword(password: string, kdfCost: KdfCost | undefined, dataKey: Uint8Array) {
  const kdf = newKdfParams(kdfCost);
  const kek = await deriveKekFromPassword(password, kdf);
  try {
    return { kdf, wrappedDataKey: wrapDataKey(kek, dataKey) };
  } finally {
    wipe(kek);
  }
}

/**
 * A password change: the same data key wrapped under the new password, with a fresh salt and the
 * vault's own KDF cost unless another is given. The records, sealed under the data key, stay as they are.
 */
export async function rewrapWithPassword(newPassword: string, currentKdf: KdfParams, dataKey: Uint8Array, kdfCost?: KdfCost) {
  requireStrongPassword(newPassword);
  const { algorithm, memoryKiB, iterations, parallelism } = currentKdf;
  return wrapWithPassword(newPassword, kdfCost ?? { algorithm, memoryKiB, iterations, parallelism }, dataKey);
}
