import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, bytesToBase64Url } from '../../shared/vault/base64';
import {
  generateDataKey,
  openSealedSecret,
  type SealedBox,
  sealSecret,
  unwrapDataKey,
  wipe,
  wrapDataKey,
} from '../../shared/vault/envelope';
import { deriveKeyEncryptionKey, MIN_KDF_COST, newKdfParams } from '../../shared/vault/kdf';
import { XCHACHA_A31 } from '../support/xchacha-vector';

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Flips one bit of the decoded field at `index` (negative counts from the end) and re-encodes it. */
function flipByte(box: SealedBox, field: keyof SealedBox, index: number): SealedBox {
  const bytes = base64ToBytes(box[field]);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return { ...box, [field]: bytesToBase64(bytes) };
}

const RECORD_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const RECORD_B = 'BBBBBBBBBBBBBBBBBBBBBB';
const SECRET = utf8('sk-live-THIS-IS-THE-SECRET-0123456789');

describe('XChaCha20-Poly1305 known answer (draft-irtf-cfrg-xchacha-03, Appendix A.3.1)', () => {
  const { plaintext, aad, key, nonce, ciphertextHex: ciphertext, tagHex: tag } = XCHACHA_A31;

  it('encrypts to the published ciphertext and tag', () => {
    expect(toHex(xchacha20poly1305(key, nonce, aad).encrypt(plaintext))).toBe(ciphertext + tag);
  });

  it('decrypts the published ciphertext', () => {
    expect(xchacha20poly1305(key, nonce, aad).decrypt(fromHex(ciphertext + tag))).toEqual(plaintext);
  });
});

describe('sealed-box layout (what the native host and the export file rely on)', () => {
  it('is base64(nonce) + base64(ciphertext || tag), bound to "keygate/v1/credential/<id>"', () => {
    const dataKey = generateDataKey();
    const box = sealSecret(dataKey, RECORD_A, SECRET);
    const nonce = base64ToBytes(box.nonce);
    expect(nonce).toHaveLength(24);
    expect(base64ToBytes(box.ciphertext)).toHaveLength(SECRET.length + 16);
    const ad = utf8(`keygate/v1/credential/${RECORD_A}`);
    expect(xchacha20poly1305(dataKey, nonce, ad).decrypt(base64ToBytes(box.ciphertext))).toEqual(SECRET);
  });

  it('wraps the data key under "keygate/v1/data-key"', () => {
    const kek = generateDataKey();
    const dataKey = generateDataKey();
    const box = wrapDataKey(kek, dataKey);
    const opened = xchacha20poly1305(kek, base64ToBytes(box.nonce), utf8('keygate/v1/data-key')).decrypt(base64ToBytes(box.ciphertext));
    expect(opened).toEqual(dataKey);
  });
});

describe('round trips', () => {
  it('opens what it sealed, with a fresh nonce every time', () => {
    const dataKey = generateDataKey();
    const first = sealSecret(dataKey, RECORD_A, SECRET);
    const second = sealSecret(dataKey, RECORD_A, SECRET);
    expect(first.nonce).not.toBe(second.nonce);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(openSealedSecret(dataKey, RECORD_A, first)).toEqual(SECRET);
    expect(openSealedSecret(dataKey, RECORD_A, second)).toEqual(SECRET);
  });

  it('wraps and unwraps a 32-byte data key', () => {
    const kek = generateDataKey();
    const dataKey = generateDataKey();
    expect(dataKey).toHaveLength(32);
    expect(unwrapDataKey(kek, wrapDataKey(kek, dataKey))).toEqual(dataKey);
  });

  it('wipe zeroes the bytes in place', () => {
    const bytes = generateDataKey();
    wipe(bytes);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
  });
});

describe('tampering with a sealed credential', () => {
  const dataKey = generateDataKey();
  const box = sealSecret(dataKey, RECORD_A, SECRET);
  const tampered: Array<[string, SealedBox]> = [
    ['a flipped ciphertext byte', flipByte(box, 'ciphertext', 0)],
    ['a flipped tag byte', flipByte(box, 'ciphertext', -1)],
    ['a flipped nonce byte', flipByte(box, 'nonce', 5)],
    ['truncated ciphertext base64', { ...box, ciphertext: box.ciphertext.slice(0, -1) }],
    ['ciphertext cut to whole bytes', { ...box, ciphertext: bytesToBase64(base64ToBytes(box.ciphertext).subarray(0, 20)) }],
    ['truncated nonce base64', { ...box, nonce: box.nonce.slice(0, -4) }],
    ['a missing field', { nonce: box.nonce } as SealedBox],
  ];

  it.each(tampered)('refuses %s as CREDENTIAL_TAMPERED, naming the record', (_label, bad) => {
    expect(() => openSealedSecret(dataKey, RECORD_A, bad)).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_TAMPERED', message: expect.stringContaining(RECORD_A) }),
    );
  });

  it("refuses record A's box opened as record B", () => {
    expect(() => openSealedSecret(dataKey, RECORD_B, box)).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_TAMPERED', message: expect.stringContaining(RECORD_B) }),
    );
  });

  it('refuses a box opened with another data key', () => {
    expect(() => openSealedSecret(generateDataKey(), RECORD_A, box)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_TAMPERED' }));
  });

  it('never puts the secret in the error', () => {
    try {
      openSealedSecret(dataKey, RECORD_B, box);
      expect.unreachable();
    } catch (error) {
      const text = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack });
      expect(text).not.toContain('THIS-IS-THE-SECRET');
    }
  });
});

describe('tampering with the wrapped data key', () => {
  const kek = generateDataKey();
  const dataKey = generateDataKey();
  const wrapped = wrapDataKey(kek, dataKey);

  it.each([
    ['a flipped ciphertext byte', flipByte(wrapped, 'ciphertext', 3)],
    ['a flipped tag byte', flipByte(wrapped, 'ciphertext', -1)],
    ['a flipped nonce byte', flipByte(wrapped, 'nonce', 0)],
  ])('reports %s as VAULT_PASSWORD_WRONG (indistinguishable from a wrong password)', (_label, bad) => {
    expect(() => unwrapDataKey(kek, bad)).toThrow(expect.objectContaining({ code: 'VAULT_PASSWORD_WRONG' }));
  });

  it('reports truncated base64 as VAULT_CORRUPT', () => {
    expect(() => unwrapDataKey(kek, { ...wrapped, ciphertext: wrapped.ciphertext.slice(0, -2) })).toThrow(
      expect.objectContaining({ code: 'VAULT_CORRUPT' }),
    );
  });

  it('does not accept a credential box as the data key, nor the reverse', () => {
    const credentialBox = sealSecret(kek, RECORD_A, dataKey);
    expect(() => unwrapDataKey(kek, credentialBox)).toThrow(expect.objectContaining({ code: 'VAULT_PASSWORD_WRONG' }));
    expect(() => openSealedSecret(kek, RECORD_A, wrapped)).toThrow(expect.objectContaining({ code: 'CREDENTIAL_TAMPERED' }));
  });

  it('a changed KDF salt derives another key, so the password reads as wrong', async () => {
    const password = utf8('correct horse battery staple');
    const kdf = newKdfParams(MIN_KDF_COST);
    const realKek = await deriveKeyEncryptionKey(password, kdf);
    const box = wrapDataKey(realKek, dataKey);
    const otherKek = await deriveKeyEncryptionKey(password, { ...kdf, salt: newKdfParams(MIN_KDF_COST).salt });
    expect(() => unwrapDataKey(otherKek, box)).toThrow(expect.objectContaining({ code: 'VAULT_PASSWORD_WRONG' }));
    expect(unwrapDataKey(realKek, box)).toEqual(dataKey);
  });

  it('refuses keys of the wrong size loudly instead of calling the record tampered', () => {
    expect(() => wrapDataKey(new Uint8Array(16), dataKey)).toThrow(TypeError);
  });
});

describe('base64 helpers (no Buffer)', () => {
  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    for (let length = 0; length <= 256; length += 37) {
      expect(base64ToBytes(bytesToBase64(all.subarray(0, length)))).toEqual(all.subarray(0, length));
    }
  });

  it.each([
    ['missing padding', 'QQ'],
    ['non-zero trailing bits', 'QR=='],
    ['whitespace', 'QUJD RA=='],
    ['a foreign character', 'QUJD*A=='],
    ['a truncated group', 'QUJDRA='],
  ])('refuses %s', (_label, text) => {
    expect(() => base64ToBytes(text)).toThrow(RangeError);
  });

  it('makes url-safe ids without padding', () => {
    expect(bytesToBase64Url(Uint8Array.of(0xfb, 0xff, 0xfe))).toBe('-__-');
  });
});
