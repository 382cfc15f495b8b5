import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { generateDataKey, openSealedSecret, sealSecret } from '../../shared/vault/envelope';
import { nativeXChaChaDecrypt } from '../../native-host/src/vault/native-xchacha';
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
