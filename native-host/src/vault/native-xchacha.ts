/**
 * XChaCha20-Poly1305 decryption on Node's native ChaCha20-Poly1305: HChaCha20 derives the subkey
 * from the key and the first 16 nonce bytes (noble's audited core), then OpenSSL does the AEAD with
 * the last 8 nonce bytes. Same function as the portable one (a test compares them), at a fraction of
 * the cost of noble's: unlock test-opens every record with it. The unlocked vault, which opens the
 * same few records for every request, keeps each record's subkey and opens with ChaChaOpener
 * (chacha-opener.ts) instead: a createDecipheriv per request cost far more in the running host than
 * its loop benchmark shows. Every intermediate key is zeroed (the vault's cached subkeys when it locks).
 */
import { createDecipheriv } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import type { XChaChaDecrypt } from '../../../shared/vault/envelope';
import { ChaChaOpener } from './chacha-opener';

/** "expand 32-byte k" as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const TAG_BYTES = 16;

function readWords(bytes: Uint8Array, count: number): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

/** HChaCha20(key, nonce[0..16]) as 8 words, in a Buffer.alloc buffer of their own like the data key; the caller zeroes them. */
function deriveSubkeyWords(key: Uint8Array, nonce: Uint8Array): Uint32Array {
  const keyWords = readWords(key, 8);
  const bytes = Buffer.alloc(32);
  const subkeyWords = new Uint32Array(bytes.buffer, bytes.byteOffset, 8);
  try {
    hchacha(SIGMA, keyWords, readWords(nonce, 4), subkeyWords);
    return subkeyWords;
  } finally {
    keyWords.fill(0);
  }
}

/** The subkey as bytes in a fresh buffer of its own (not Buffer's pool), so it can be zeroed. */
function deriveSubkey(key: Uint8Array, nonce: Uint8Array): Buffer {
  const subkeyWords = deriveSubkeyWords(key, nonce);
  const subkey = Buffer.alloc(32);
  try {
    const subkeyView = new DataView(subkey.buffer, subkey.byteOffset, 32);
    for (let i = 0; i < 8; i++) subkeyView.setUint32(i * 4, subkeyWords[i]!, true);
    return subkey;
  } finally {
    subkeyWords.fill(0);
  }
}

/** ChaCha20's 12-byte nonce inside XChaCha20: four zero bytes, then the last 8 of the 24. */
function innerNonce(nonce: Uint8Array): Uint8Array {
  const inner = new Uint8Array(12);
  inner.set(nonce.subarray(16, 24), 4);
  return inner;
}

/** ChaCha20-Poly1305 with the derived subkey and the nonce's last 8 bytes; throws when the tag fails. */
function openWithSubkey(subkey: Buffer, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array {
  const iv = Buffer.from(innerNonce(nonce));
  let plaintext: Buffer | null = null;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_BYTES });
    const body = ciphertext.subarray(0, ciphertext.length - TAG_BYTES);
    decipher.setAAD(ad, { plaintextLength: body.length });
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    plaintext = decipher.update(body);
    decipher.final(); // throws when the tag does not verify
    const result = new Uint8Array(plaintext.length);
    result.set(plaintext);
    return result;
  } finally {
    plaintext?.fill(0);
  }
}

function checkSizes(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): void {
  if (key.length !== 32 || nonce.length !== 24 || ciphertext.length < TAG_BYTES) throw new RangeError('Bad XChaCha20-Poly1305 input sizes.');
}

export const nativeXChaChaDecrypt: XChaChaDecrypt = (key, nonce, ciphertext, ad) => {
  checkSizes(key, nonce, ciphertext);
  const subkey = deriveSubkey(key, nonce);
  try {
    return openWithSubkey(subkey, nonce, ciphertext, ad);
  } finally {
    subkey.fill(0);
  }
};

/**
 * The same decryption for the unlocked vault, which opens the same few records over and over: the
 * HChaCha20 subkey of each record's nonce is derived once and kept, like the data key it comes from,
 * in a buffer of its own that `wipe` zeroes when the vault locks (`forget` when a record goes). A
 * subkey opens only its own record. Cached by the nonce array's identity (the vault decodes each
 * record once) and only for the vault's own key buffer.
 */
export class VaultXChaCha {
  /** Per record (by its nonce array): the subkey's words and ChaCha20's nonce. */
  private readonly subkeys = new Map<Uint8Array, { key: Uint32Array; nonce: Uint8Array }>();
  private readonly opener = new ChaChaOpener();

  constructor(private readonly vaultKey: Uint8Array) {}

  readonly decrypt: XChaChaDecrypt = (key, nonce, ciphertext, ad) => {
    if (key !== this.vaultKey) return nativeXChaChaDecrypt(key, nonce, ciphertext, ad);
    checkSizes(key, nonce, ciphertext);
    let subkey = this.subkeys.get(nonce);
    if (subkey === undefined) {
      subkey = { key: deriveSubkeyWords(key, nonce), nonce: innerNonce(nonce) };
      this.subkeys.set(nonce, subkey);
    }
    return this.opener.open(subkey.key, subkey.nonce, ciphertext, ad);
  };

  forget(nonce: Uint8Array): void {
    this.subkeys.get(nonce)?.key.fill(0);
    this.subkeys.delete(nonce);
  }

  wipe(): void {
    for (const subkey of this.subkeys.values()) subkey.key.fill(0);
    this.subkeys.clear();
  }
}
