/**
 * The vault's encryption envelope: XChaCha20-Poly1305 with a fresh random 24-byte nonce per seal
 * (large enough that random nonces never repeat in practice). The associated data names the place a
 * ciphertext belongs to, so a sealed secret moved to another record, or the wrapped data key pasted
 * into a credential, fails authentication instead of decrypting in the wrong place.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { KeygateError } from '../errors';
import { base64ToBytes, bytesToBase64 } from './base64';

/** Both fields base64; `ciphertext` ends with the 16-byte Poly1305 tag. */
export interface SealedBox {
  nonce: string;
  ciphertext: string;
}

export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const DATA_KEY_AD = encoder.encode('keygate/v1/data-key');

function credentialAd(recordId: string): Uint8Array {
  return encoder.encode(`keygate/v1/credential/${recordId}`);
}

/** Zeroes key or plaintext bytes once they are no longer needed (strings cannot be wiped). */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}

export function generateDataKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
}

function assertKey(key: Uint8Array): void {
  // A wrong-sized key is a bug in the caller, not a tampered record: fail loudly, not as "tampered".
  if (key.length !== DATA_KEY_BYTES) throw new TypeError(`Keys are ${DATA_KEY_BYTES} bytes.`);
}

function seal(key: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): SealedBox {
  assertKey(key);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const ciphertext = xchacha20poly1305(key, nonce, ad).encrypt(plaintext);
  return { nonce: bytesToBase64(nonce), ciphertext: bytesToBase64(ciphertext) };
}

type Opened = { ok: true; plaintext: Uint8Array } | { ok: false; reason: 'malformed' | 'unauthentic' };

/** XChaCha20-Poly1305 decryption (ciphertext includes the tag); throws when the tag does not verify. */
export type XChaChaDecrypt = (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array) => Uint8Array;

/** The portable implementation (browser and Node); the host may pass a native one of the same function. */
export const nobleXChaChaDecrypt: XChaChaDecrypt = (key, nonce, ciphertext, ad) => xchacha20poly1305(key, nonce, ad).decrypt(ciphertext);

interface BoxBytes {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Null when the box is not canonical base64 of the right sizes. */
function decodeBox(box: SealedBox): BoxBytes | null {
  try {
    const nonce = base64ToBytes(box.nonce);
    const ciphertext = base64ToBytes(box.ciphertext);
    return nonce.length === NONCE_BYTES && ciphertext.length >= TAG_BYTES ? { nonce, ciphertext } : null;
  } catch {
    return null;
  }
}

function openBytes(key: Uint8Array, ad: Uint8Array, bytes: BoxBytes, decrypt: XChaChaDecrypt): Opened {
  try {
    return { ok: true, plaintext: decrypt(key, bytes.nonce, bytes.ciphertext, ad) };
  } catch {
    return { ok: false, reason: 'unauthentic' };
  }
}

function open(key: Uint8Array, ad: Uint8Array, box: SealedBox, decrypt: XChaChaDecrypt = nobleXChaChaDecrypt): Opened {
  assertKey(key);
  const bytes = decodeBox(box);
  return bytes === null ? { ok: false, reason: 'malformed' } : openBytes(key, ad, bytes, decrypt);
}

export function wrapDataKey(kek: Uint8Array, dataKey: Uint8Array): SealedBox {
  return seal(kek, DATA_KEY_AD, dataKey);
}

/**
 * A box that authenticates under this key-encryption key holds the data key; one that does not
 * means the password is wrong (or the wrapped key was altered: the two cannot be told apart).
 */
export function unwrapDataKey(kek: Uint8Array, box: SealedBox): Uint8Array {
  const opened = open(kek, DATA_KEY_AD, box);
  if (!opened.ok && opened.reason === 'malformed') {
    throw new KeygateError('VAULT_CORRUPT', 'The wrapped data key is not a valid sealed box.');
  }
  if (!opened.ok) throw new KeygateError('VAULT_PASSWORD_WRONG');
  if (opened.plaintext.length !== DATA_KEY_BYTES) {
    wipe(opened.plaintext);
    throw new KeygateError('VAULT_CORRUPT', 'The wrapped data key has the wrong length.');
  }
  return opened.plaintext;
}

export function sealSecret(dataKey: Uint8Array, recordId: string, plaintext: Uint8Array): SealedBox {
  return seal(dataKey, credentialAd(recordId), plaintext);
}

/**
 * A credential's sealed box as bytes, with the associated data that binds it to its record: decoded
 * once by the host, which opens the same record for every request. Null when the box is malformed
 * (opening it reports CREDENTIAL_TAMPERED, as for any other damage).
 */
export interface DecodedCredential extends BoxBytes {
  ad: Uint8Array;
}

export function decodeCredential(recordId: string, box: SealedBox): DecodedCredential | null {
  const bytes = decodeBox(box);
  return bytes === null ? null : { ...bytes, ad: credentialAd(recordId) };
}

/** The caller owns the returned plaintext and should wipe it after use. */
export function openDecodedCredential(dataKey: Uint8Array, recordId: string, decoded: DecodedCredential | null, decrypt: XChaChaDecrypt = nobleXChaChaDecrypt): Uint8Array {
  assertKey(dataKey);
  const opened: Opened = decoded === null ? { ok: false, reason: 'malformed' } : openBytes(dataKey, decoded.ad, decoded, decrypt);
  // Name the record, never the content: the message reaches the popup and the audit log.
  if (!opened.ok) throw new KeygateError('CREDENTIAL_TAMPERED', `Record ${JSON.stringify(recordId)}.`);
  return opened.plaintext;
}

/** The caller owns the returned plaintext and should wipe it after use. */
export function openSealedSecret(dataKey: Uint8Array, recordId: string, box: SealedBox, decrypt?: XChaChaDecrypt): Uint8Array {
  return openDecodedCredential(dataKey, recordId, decodeCredential(recordId, box), decrypt);
}
