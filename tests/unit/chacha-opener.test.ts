/**
 * The unlocked vault's ChaCha20-Poly1305 opening in plain JS (chacha-opener.ts) must be the RFC 8439
 * function exactly: the XChaCha draft's vector through the vault, node:crypto's answer on random
 * keys, nonces, associated data and lengths (block and Poly1305 edges included), every tampering
 * refused, and nothing of the key stream or one-time key left in its scratch arrays.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChaChaOpener } from '../../native-host/src/vault/chacha-opener';
import { VaultXChaCha } from '../../native-host/src/vault/native-xchacha';
import { XCHACHA_A31 } from '../support/xchacha-vector';

/** node:crypto's ChaCha20-Poly1305: ciphertext then tag. */
function sealWithNode(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

const words = (key: Uint8Array) => Uint32Array.from({ length: 8 }, (_, i) => Buffer.from(key).readUInt32LE(4 * i));
const flip = (bytes: Uint8Array, at: number) => bytes.map((byte, index) => (index === at ? byte ^ 1 : byte));

describe('ChaChaOpener', () => {
  it('opens the draft-irtf-cfrg-xchacha-03 A.3.1 vector through the vault’s cached subkey, twice', () => {
    const { plaintext, aad, key, nonce, ciphertextHex, tagHex, fromHex } = XCHACHA_A31;
    const cipher = new VaultXChaCha(key);
    expect(cipher.decrypt(key, nonce, fromHex(ciphertextHex + tagHex), aad)).toEqual(plaintext);
    expect(cipher.decrypt(key, nonce, fromHex(ciphertextHex + tagHex), aad)).toEqual(plaintext);
  });

  it('agrees with node:crypto on random inputs of every length up to five blocks', () => {
    const opener = new ChaChaOpener();
    for (let length = 0; length <= 5 * 64 + 1; length++) {
      const key = new Uint8Array(randomBytes(32));
      const nonce = new Uint8Array(randomBytes(12));
      const ad = new Uint8Array(randomBytes(length % 49));
      const plaintext = new Uint8Array(randomBytes(length));
      expect(opener.open(words(key), nonce, sealWithNode(key, nonce, plaintext, ad), ad), `length ${length}`).toEqual(plaintext);
    }
  });

  it('refuses a changed ciphertext, tag, nonce, associated data or key, and a sealed text shorter than a tag', () => {
    const opener = new ChaChaOpener();
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(12));
    const ad = new TextEncoder().encode('keygate/v1/credential/AAAAAAAAAAAAAAAAAAAAAA');
    const sealed = sealWithNode(key, nonce, new TextEncoder().encode('sk-test-FAKE-opener-0001'), ad);
    expect(() => opener.open(words(key), nonce, flip(sealed, 0), ad)).toThrow();
    expect(() => opener.open(words(key), nonce, flip(sealed, sealed.length - 1), ad)).toThrow();
    expect(() => opener.open(words(key), flip(nonce, 11), sealed, ad)).toThrow();
    expect(() => opener.open(words(key), nonce, sealed, flip(ad, 3))).toThrow();
    expect(() => opener.open(words(flip(key, 0)), nonce, sealed, ad)).toThrow();
    expect(() => opener.open(words(key), nonce, sealed.subarray(0, 15), ad)).toThrow(RangeError);
    expect(new TextDecoder().decode(opener.open(words(key), nonce, sealed, ad))).toBe('sk-test-FAKE-opener-0001');
  });

  it('leaves every scratch array zeroed after an opening, whether the tag verified or not', () => {
    const opener = new ChaChaOpener();
    const key = new Uint8Array(randomBytes(32));
    const nonce = new Uint8Array(randomBytes(12));
    const ad = new Uint8Array(randomBytes(20));
    const sealed = sealWithNode(key, nonce, new Uint8Array(randomBytes(100)), ad);
    const scratch = () => Object.values(opener).filter((value): value is Uint8Array | Uint16Array | Uint32Array => ArrayBuffer.isView(value));
    expect(scratch().length).toBeGreaterThanOrEqual(5);
    opener.open(words(key), nonce, sealed, ad);
    expect(scratch().every((array) => array.every((value) => value === 0))).toBe(true);
    expect(() => opener.open(words(key), nonce, flip(sealed, 5), ad)).toThrow();
    expect(scratch().every((array) => array.every((value) => value === 0))).toBe(true);
  });
});
