import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it, vi } from 'vitest';
import { generateDataKey, openSealedSecret, sealSecret } from '../../shared/vault/envelope';
import { nativeXChaChaDecrypt, VaultXChaCha } from '../../native-host/src/vault/native-xchacha';
import { XCHACHA_A31 } from '../support/xchacha-vector';

const { fromHex } = XCHACHA_A31;

describe('the host’s native XChaCha20-Poly1305 decryption', () => {
  it('decrypts the draft-irtf-cfrg-xchacha-03 A.3.1 vector', () => {
    const { plaintext, aad, key, nonce, ciphertextHex, tagHex } = XCHACHA_A31;
    const sealed = fromHex(ciphertextHex + tagHex);
    expect(nativeXChaChaDecrypt(key, nonce, sealed, aad)).toEqual(plaintext);
  });

  it('agrees with the portable implementation on 300 random inputs', () => {
    for (let round = 0; round < 300; round++) {
      const key = new Uint8Array(randomBytes(32));
      const nonce = new Uint8Array(randomBytes(24));
      const ad = new Uint8Array(randomBytes(round % 40));
      const plaintext = new Uint8Array(randomBytes(round % 257));
      const sealed = xchacha20poly1305(key, nonce, ad).encrypt(plaintext);
      expect(nativeXChaChaDecrypt(key, nonce, sealed, ad)).toEqual(plaintext);
    }
  });

  it.each(['ciphertext', 'tag', 'nonce prefix', 'nonce suffix', 'associated data', 'key'] as const)('refuses a changed %s', (part) => {
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const ad = new TextEncoder().encode('keygate/v1/credential/AAAAAAAAAAAAAAAAAAAAAA');
    const sealed = xchacha20poly1305(key, nonce, ad).encrypt(new TextEncoder().encode('sk-test-FAKE-native-0001'));
    const flip = (bytes: Uint8Array, at: number) => bytes.map((byte, index) => (index === at ? byte ^ 1 : byte));
    const attempt = {
      ciphertext: () => nativeXChaChaDecrypt(key, nonce, flip(sealed, 0), ad),
      tag: () => nativeXChaChaDecrypt(key, nonce, flip(sealed, sealed.length - 1), ad),
      'nonce prefix': () => nativeXChaChaDecrypt(key, flip(nonce, 3), sealed, ad),
      'nonce suffix': () => nativeXChaChaDecrypt(key, flip(nonce, 20), sealed, ad),
      'associated data': () => nativeXChaChaDecrypt(key, nonce, sealed, flip(ad, ad.length - 1)),
      key: () => nativeXChaChaDecrypt(flip(key, 31), nonce, sealed, ad),
    }[part];
    expect(attempt).toThrow();
  });

  it('opens a vault record exactly as the portable path does, and reports tampering the same way', () => {
    const dataKey = generateDataKey();
    const box = sealSecret(dataKey, 'AAAAAAAAAAAAAAAAAAAAAA', new TextEncoder().encode('sk-test-FAKE-native-0002'));
    expect(openSealedSecret(dataKey, 'AAAAAAAAAAAAAAAAAAAAAA', box, nativeXChaChaDecrypt)).toEqual(openSealedSecret(dataKey, 'AAAAAAAAAAAAAAAAAAAAAA', box));
    expect(() => openSealedSecret(dataKey, 'BBBBBBBBBBBBBBBBBBBBBB', box, nativeXChaChaDecrypt)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_TAMPERED' }));
  });
});

describe('the unlocked vault’s XChaCha20-Poly1305 with per-record subkeys', () => {
  const encoder = new TextEncoder();
  const sealedUnder = (key: Uint8Array, nonce: Uint8Array, text: string, ad: Uint8Array) => xchacha20poly1305(key, nonce, ad).encrypt(encoder.encode(text));

  it('opens records exactly as the portable path does, every time, from the subkey derived once', () => {
    const key = new Uint8Array(randomBytes(32));
    const cipher = new VaultXChaCha(key);
    const records = Array.from({ length: 5 }, (_, index) => {
      const nonce = new Uint8Array(randomBytes(24));
      const ad = encoder.encode(`keygate/v1/credential/record-${index}`);
      return { nonce, ad, sealed: sealedUnder(key, nonce, `sk-test-FAKE-cached-${index}`, ad) };
    });
    for (let round = 0; round < 3; round++) {
      for (const [index, { nonce, ad, sealed }] of records.entries()) {
        expect(new TextDecoder().decode(cipher.decrypt(key, nonce, sealed, ad))).toBe(`sk-test-FAKE-cached-${index}`);
      }
    }
  });

  it('still refuses a changed ciphertext, tag or associated data once the subkey is cached', () => {
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const ad = encoder.encode('keygate/v1/credential/AAAAAAAAAAAAAAAAAAAAAA');
    const sealed = sealedUnder(key, nonce, 'sk-test-FAKE-cached-tamper', ad);
    const cipher = new VaultXChaCha(key);
    cipher.decrypt(key, nonce, sealed, ad);
    const flip = (bytes: Uint8Array, at: number) => bytes.map((byte, index) => (index === at ? byte ^ 1 : byte));
    expect(() => cipher.decrypt(key, nonce, flip(sealed, 0), ad)).toThrow();
    expect(() => cipher.decrypt(key, nonce, flip(sealed, sealed.length - 1), ad)).toThrow();
    expect(() => cipher.decrypt(key, nonce, sealed, flip(ad, 0))).toThrow();
  });

  it('serves the cache only to the vault’s own key: another key with the same nonce is not let in', () => {
    const key = new Uint8Array(randomBytes(32));
    const otherKey = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(24));
    const ad = encoder.encode('keygate/v1/credential/AAAAAAAAAAAAAAAAAAAAAA');
    const sealed = sealedUnder(key, nonce, 'sk-test-FAKE-cached-key', ad);
    const cipher = new VaultXChaCha(key);
    cipher.decrypt(key, nonce, sealed, ad);
    expect(() => cipher.decrypt(otherKey, nonce, sealed, ad)).toThrow();
  });

  it('zeroes the forgotten record’s subkey, and every subkey on wipe', () => {
    const key = new Uint8Array(randomBytes(32));
    const cipher = new VaultXChaCha(key);
    const allocated: Buffer[] = [];
    const alloc = Buffer.alloc.bind(Buffer);
    const spy = vi.spyOn(Buffer, 'alloc').mockImplementation((size: number, ...rest: unknown[]) => {
      const buffer = alloc(size, ...(rest as []));
      if (size === 32) allocated.push(buffer);
      return buffer;
    });
    const nonces = [new Uint8Array(randomBytes(24)), new Uint8Array(randomBytes(24))];
    const ad = encoder.encode('keygate/v1/credential/AAAAAAAAAAAAAAAAAAAAAA');
    try {
      for (const nonce of nonces) cipher.decrypt(key, nonce, sealedUnder(key, nonce, 'sk-test-FAKE-cached-wipe', ad), ad);
    } finally {
      spy.mockRestore();
    }
    expect(allocated).toHaveLength(2);
    expect(allocated.every((subkey) => subkey.some((byte) => byte !== 0))).toBe(true);
    cipher.forget(nonces[0]!);
    expect(allocated[0]!.every((byte) => byte === 0)).toBe(true);
    expect(allocated[1]!.some((byte) => byte !== 0)).toBe(true);
    cipher.wipe();
    expect(allocated[1]!.every((byte) => byte === 0)).toBe(true);
  });
});
