/**
 * Turns a Binance credential opened from the vault into a signing key. The vault stores each one
 * as UTF-8 JSON: `{"api_key","secret_key"}` for HMAC keys, `{"api_key","private_key_pem"}` for
 * Ed25519 and RSA keys (see lib/ui/AddCredentialForm.tsx). Format errors never echo the secret.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type BinanceCredentialKind, readBinanceCredential } from '../../../shared/binance/binance-credential';
import { KeygateError } from '../../../shared/errors';

export type BinanceKey =
  | { kind: 'hmac'; apiKey: string; secret: Uint8Array }
  | { kind: 'ed25519' | 'rsa'; apiKey: string; privateKey: KeyObject };

export type { BinanceCredentialKind } from '../../../shared/binance/binance-credential';

/**
 * Parses and checks one stored Binance credential. `secret` stays the caller's to wipe; the HMAC
 * secret is copied into bytes of its own, which `wipeBinanceKey` zeroes. The JSON text and the
 * strings parsed from it cannot be zeroed (JavaScript strings are immutable); they become garbage
 * as soon as this returns.
 */
export function parseBinanceSecret(kind: BinanceCredentialKind, secret: Uint8Array): BinanceKey {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(secret);
  } catch {
    throw invalid('The stored secret is not UTF-8 JSON.');
  }
  const fields = readBinanceCredential(kind, text);
  if (fields.kind === 'binance_hmac') return { kind: 'hmac', apiKey: fields.apiKey, secret: new TextEncoder().encode(fields.secretKey) };
  const keyType = fields.kind === 'binance_ed25519' ? 'ed25519' : 'rsa';
  return { kind: keyType, apiKey: fields.apiKey, privateKey: privateKeyOf(fields.privateKeyPem, keyType) };
}

/**
 * Zeroes the HMAC secret bytes. An Ed25519 or RSA KeyObject holds its key inside OpenSSL, where
 * Node offers no way to clear it; dropping the last reference is all that can be done.
 */
export function wipeBinanceKey(key: BinanceKey): void {
  if (key.kind === 'hmac') key.secret.fill(0);
}

function privateKeyOf(pem: string, keyType: 'ed25519' | 'rsa'): KeyObject {
  let privateKey: KeyObject;
  try {
    // An encrypted PEM fails here too: the host has no passphrase to open it with.
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw invalid('The private_key_pem is not an unencrypted PEM private key.');
  }
  if (privateKey.asymmetricKeyType !== keyType) {
    throw invalid(`The private_key_pem is not an ${keyType === 'rsa' ? 'RSA' : 'Ed25519'} key.`);
  }
  return privateKey;
}

function invalid(detail: string): KeygateError {
  return new KeygateError('CREDENTIAL_FORMAT_INVALID', detail);
}
