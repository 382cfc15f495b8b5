import { describe, expect, it, vi } from 'vitest';
import * as hashWasm from 'hash-wasm';
import { bytesToBase64 } from '../../shared/vault/base64';
import {
  argon2idRaw,
  checkKdfParams,
  DEFAULT_KDF_PARAMS,
  deriveKeyEncryptionKey,
  type KdfParams,
  MIN_KDF_COST,
  newKdfParams,
} from '../../shared/vault/kdf';

// Wrap the real Argon2id in a spy (it still computes): lets a test prove a refused parameter set
// was refused BEFORE any derivation work started.
vi.mock('hash-wasm', async (importOriginal) => {
  const real = await importOriginal<typeof import('hash-wasm')>();
  return { ...real, argon2id: vi.fn(real.argon2id) };
});

const ascii = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/**
 * Argon2id v=0x13 known answers from the reference implementation, P-H-C/phc-winner-argon2
 * src/test.c, section "Test Argon2id version number": hashtest(version, t, log2(m), p, pwd, salt,
 * hexref, mcfref), 32-byte output. RFC 9106 §5.3's vector needs associated data, which hash-wasm
 * does not take, so these are the vectors hash-wasm can reproduce.
 */
const REFERENCE_VECTORS = [
  { t: 2, m: 1 << 16, p: 1, password: 'password', salt: 'somesalt', tag: '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7' },
  { t: 2, m: 1 << 18, p: 1, password: 'password', salt: 'somesalt', tag: '78fe1ec91fb3aa5657d72e710854e4c3d9b9198c742f9616c2f085bed95b2e8c' },
  { t: 2, m: 1 << 8, p: 1, password: 'password', salt: 'somesalt', tag: '9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe' },
  { t: 2, m: 1 << 8, p: 2, password: 'password', salt: 'somesalt', tag: '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037' },
  { t: 1, m: 1 << 16, p: 1, password: 'password', salt: 'somesalt', tag: 'f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98' },
  { t: 4, m: 1 << 16, p: 1, password: 'password', salt: 'somesalt', tag: '9025d48e68ef7395cca9079da4c4ec3affb3c8911fe4f86d1a2520856f63172c' },
  { t: 2, m: 1 << 16, p: 1, password: 'differentpassword', salt: 'somesalt', tag: '0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde' },
  { t: 2, m: 1 << 16, p: 1, password: 'password', salt: 'diffsalt', tag: 'bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c' },
];

const salt16 = bytesToBase64(ascii('sixteen-byte-slt'));
const minimumParams: KdfParams = { ...MIN_KDF_COST, salt: salt16 };

describe('Argon2id known answers (phc-winner-argon2 src/test.c)', () => {
  it.each(REFERENCE_VECTORS)('t=$t m=$m p=$p $password/$salt', async ({ t, m, p, password, salt, tag }) => {
    const out = await argon2idRaw(ascii(password), ascii(salt), { memoryKiB: m, iterations: t, parallelism: p });
    expect(hex(out)).toBe(tag);
  }, 30_000);

  it('derives the key-encryption key with exactly the stored parameters', async () => {
    const kek = await deriveKeyEncryptionKey(ascii('password'), minimumParams);
    const raw = await argon2idRaw(ascii('password'), ascii('sixteen-byte-slt'), MIN_KDF_COST);
    expect(kek).toHaveLength(32);
    expect(hex(kek)).toBe(hex(raw));
  });
});

describe('KDF parameters', () => {
  it('defaults to m = 256 MiB, t = 3, p = 1 and fresh 16-byte salts', () => {
    expect(DEFAULT_KDF_PARAMS).toEqual({ algorithm: 'argon2id', memoryKiB: 262_144, iterations: 3, parallelism: 1 });
    const first = newKdfParams();
    const second = newKdfParams();
    expect(first).toMatchObject(DEFAULT_KDF_PARAMS);
    expect(atob(first.salt)).toHaveLength(16);
    expect(first.salt).not.toBe(second.salt);
  });

  it('will not create a vault below the floor', () => {
    expect(() => newKdfParams({ ...MIN_KDF_COST, memoryKiB: 1024 })).toThrow(expect.objectContaining({ code: 'VAULT_KDF_TOO_WEAK' }));
  });

  it.each([
    ['memory below 64 MiB', { memoryKiB: 65_535 }, 'VAULT_KDF_TOO_WEAK'],
    ['a single pass', { iterations: 1 }, 'VAULT_KDF_TOO_WEAK'],
    ['zero lanes', { parallelism: 0 }, 'VAULT_KDF_TOO_WEAK'],
    ['an 8-byte salt', { salt: bytesToBase64(ascii('somesalt')) }, 'VAULT_KDF_TOO_WEAK'],
    ['more than 4 GiB', { memoryKiB: 4 * 1024 * 1024 + 1 }, 'VAULT_CORRUPT'],
    ['more than 100 passes', { iterations: 101 }, 'VAULT_CORRUPT'],
    ['more than 16 lanes', { parallelism: 17 }, 'VAULT_CORRUPT'],
    ['a fractional memory size', { memoryKiB: 65_536.5 }, 'VAULT_CORRUPT'],
    ['a negative pass count', { iterations: -3 }, 'VAULT_CORRUPT'],
    ['another algorithm', { algorithm: 'argon2i' }, 'VAULT_CORRUPT'],
    ['a salt that is not base64', { salt: 'not base64!' }, 'VAULT_CORRUPT'],
    ['a truncated salt', { salt: salt16.slice(0, -1) }, 'VAULT_CORRUPT'],
  ])('refuses %s', (_label, change, code) => {
    expect(() => checkKdfParams({ ...minimumParams, ...change } as KdfParams)).toThrow(expect.objectContaining({ code }));
  });

  it('accepts the floor and the default', () => {
    expect(() => checkKdfParams(minimumParams)).not.toThrow();
    expect(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, salt: salt16 })).not.toThrow();
  });

  it('refuses lowered parameters before spending any work on them', async () => {
    const argon2id = vi.mocked(hashWasm.argon2id);
    argon2id.mockClear();
    await expect(deriveKeyEncryptionKey(ascii('password'), { ...minimumParams, memoryKiB: 8 })).rejects.toMatchObject({
      code: 'VAULT_KDF_TOO_WEAK',
    });
    await expect(deriveKeyEncryptionKey(ascii('password'), { ...minimumParams, memoryKiB: 2 ** 40 })).rejects.toMatchObject({
      code: 'VAULT_CORRUPT',
    });
    expect(argon2id).not.toHaveBeenCalled();
  });
});
