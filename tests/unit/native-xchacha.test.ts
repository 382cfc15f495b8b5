import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { generateDataKey, openSealedSecret, sealSecret } from '../../shared/vault/envelope';
import { nativeXChaChaDecrypt } from '../../native-host/src/vault/native-xchacha';

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

describe('the host’s native XChaCha20-Poly1305 decryption', () => {
  it('decrypts the draft-irtf-cfrg-xchacha-03 A.3.1 vector', () => {
    const plaintext = fromHex(
      '4c616469657320616e642047656e746c656d656e206f662074686520636c6173' +
        '73206f66202739393a204966204920636f756c64206f6666657220796f75206f' +
        '6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73' +
        '637265656e20776f756c642062652069742e',
    );
    const sealed = fromHex(
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb' +
        '731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452' +
        '2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
        '21f9664c97637da9768812f615c68b13b52e' +
        'c0875924c1c7987947deafd8780acf49',
    );
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
    expect(nativeXChaChaDecrypt(key, nonce, sealed, fromHex('50515253c0c1c2c3c4c5c6c7'))).toEqual(plaintext);
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
