/**
 * Master password → key-encryption key, with Argon2id. The parameters travel with the vault (meta,
 * export file), so they are attacker-controlled input: every derivation checks them first, and a
 * file that asks for less work than the floor is refused instead of quietly becoming cheap to crack.
 */
import { argon2id } from 'hash-wasm';
import { KeygateError } from '../errors';
import { base64ToBytes, bytesToBase64 } from './base64';

export interface KdfParams {
  algorithm: 'argon2id';
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  /** base64, 16+ random bytes */
  salt: string;
}

/** The cost part of the parameters; the salt is always fresh, so it is never a default. */
export type KdfCost = Omit<KdfParams, 'salt'>;

export const DEFAULT_KDF_PARAMS: Readonly<KdfCost> = Object.freeze({
  algorithm: 'argon2id',
  memoryKiB: 256 * 1024,
  iterations: 3,
  parallelism: 1,
});

/** The floor (DESIGN.md: nothing below m = 64 MiB or t = 2); tests run at exactly this cost. */
export const MIN_KDF_COST: Readonly<KdfCost> = Object.freeze({
  algorithm: 'argon2id',
  memoryKiB: 64 * 1024,
  iterations: 2,
  parallelism: 1,
});

// Beyond these a vault could not be opened on a normal machine: a file asking for them is damaged
// or hostile (a denial of service on unlock), not a stronger vault.
const MAX_MEMORY_KIB = 4 * 1024 * 1024;
const MAX_ITERATIONS = 100;
const MAX_PARALLELISM = 16;
const SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
export const KEK_BYTES = 32;

function isIntegerIn(value: unknown, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;
}

/** Throws VAULT_CORRUPT for malformed or absurd parameters, VAULT_KDF_TOO_WEAK below the floor. */
export function checkKdfParams(params: KdfParams): void {
  if (params.algorithm !== 'argon2id') throw new KeygateError('VAULT_CORRUPT', 'Unknown key-derivation algorithm.');
  if (!isIntegerIn(params.memoryKiB, MAX_MEMORY_KIB)) throw new KeygateError('VAULT_CORRUPT', 'Bad KDF memory size.');
  if (!isIntegerIn(params.iterations, MAX_ITERATIONS)) throw new KeygateError('VAULT_CORRUPT', 'Bad KDF pass count.');
  if (!isIntegerIn(params.parallelism, MAX_PARALLELISM)) throw new KeygateError('VAULT_CORRUPT', 'Bad KDF parallelism.');
  let salt: Uint8Array;
  try {
    salt = base64ToBytes(params.salt);
  } catch {
    throw new KeygateError('VAULT_CORRUPT', 'The KDF salt is not valid base64.');
  }
  if (salt.length > MAX_SALT_BYTES) throw new KeygateError('VAULT_CORRUPT', 'The KDF salt is too long.');
  if (params.memoryKiB < MIN_KDF_COST.memoryKiB) throw new KeygateError('VAULT_KDF_TOO_WEAK', 'Memory below 64 MiB.');
  if (params.iterations < MIN_KDF_COST.iterations) throw new KeygateError('VAULT_KDF_TOO_WEAK', 'Fewer than 2 passes.');
  if (params.parallelism < MIN_KDF_COST.parallelism) throw new KeygateError('VAULT_KDF_TOO_WEAK', 'Parallelism below 1.');
  if (salt.length < SALT_BYTES) throw new KeygateError('VAULT_KDF_TOO_WEAK', 'Salt shorter than 16 bytes.');
}

/** Fresh parameters for a new vault or a password change; a cost below the floor is refused. */
export function newKdfParams(cost: KdfCost = DEFAULT_KDF_PARAMS): KdfParams {
  const params: KdfParams = {
    algorithm: 'argon2id',
    memoryKiB: cost.memoryKiB,
    iterations: cost.iterations,
    parallelism: cost.parallelism,
    salt: bytesToBase64(crypto.getRandomValues(new Uint8Array(SALT_BYTES))),
  };
  checkKdfParams(params);
  return params;
}

/**
 * The bare primitive, unchecked: exported only so known-answer tests can pin the wiring with the
 * reference vectors (their 8-byte salt is below our floor). Vault code calls deriveKeyEncryptionKey.
 */
export async function argon2idRaw(
  password: Uint8Array,
  salt: Uint8Array,
  cost: Pick<KdfCost, 'memoryKiB' | 'iterations' | 'parallelism'>,
): Promise<Uint8Array> {
  return argon2id({
    password,
    salt,
    memorySize: cost.memoryKiB,
    iterations: cost.iterations,
    parallelism: cost.parallelism,
    hashLength: KEK_BYTES,
    outputType: 'binary',
  });
}

/**
 * Password bytes + the vault's parameters → the 32-byte key-encryption key. deriveKeyEncryptionKey
 * runs it here; the headless host's `serve` passes one that runs it on a worker thread, so its
 * memory is given back after unlock (native-host/src/vault/kdf-in-worker.ts).
 */
export type KekDerivation = (password: Uint8Array, params: KdfParams) => Promise<Uint8Array>;

/** Checks the parameters before spending any work, then derives the 32-byte key-encryption key. */
export async function deriveKeyEncryptionKey(password: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  checkKdfParams(params);
  return argon2idRaw(password, base64ToBytes(params.salt), params);
}
