/**
 * The shape of a Binance credential as the vault stores it: UTF-8 JSON, `{"api_key","secret_key"}`
 * for HMAC keys, `{"api_key","private_key_pem"}` for Ed25519 and RSA keys. Checked when the user
 * saves one (extension) and again when the host signs with it. Errors never echo the secret.
 */
import { KeygateError } from '../errors';

export type BinanceCredentialKind = 'binance_hmac' | 'binance_ed25519' | 'binance_rsa';

export type BinanceCredentialFields =
  | { kind: 'binance_hmac'; apiKey: string; secretKey: string }
  | { kind: 'binance_ed25519' | 'binance_rsa'; apiKey: string; privateKeyPem: string };

/** Binance API keys and HMAC secret keys are 64 letters and digits (as in every documented example). */
const KEY_TEXT = /^[A-Za-z0-9]{64}$/;
const PEM_PRIVATE_KEY = /^-----BEGIN (?:RSA )?PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]+-----END (?:RSA )?PRIVATE KEY-----\s*$/;

const invalid = (detail: string) => new KeygateError('CREDENTIAL_FORMAT_INVALID', detail);

export function isBinanceCredentialKind(kind: string): kind is BinanceCredentialKind {
  return kind === 'binance_hmac' || kind === 'binance_ed25519' || kind === 'binance_rsa';
}

function readFields(text: string, names: readonly string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, i.e. part of the secret.
    throw invalid('The secret is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('The secret is not a JSON object.');
  const present = Object.keys(parsed).sort();
  const expected = [...names].sort();
  if (present.length !== expected.length || present.some((name, index) => name !== expected[index])) {
    throw invalid(`The secret must have exactly the fields ${names.join(' and ')}.`);
  }
  return parsed as Record<string, unknown>;
}

function keyText(value: unknown, field: string): string {
  if (typeof value !== 'string' || !KEY_TEXT.test(value)) throw invalid(`The ${field} is not 64 letters and digits.`);
  return value;
}

/** Parses and checks the stored JSON; the PEM is checked for its armour here, parsed by the host. */
export function readBinanceCredential(kind: BinanceCredentialKind, text: string): BinanceCredentialFields {
  if (kind === 'binance_hmac') {
    const fields = readFields(text, ['api_key', 'secret_key']);
    return { kind, apiKey: keyText(fields.api_key, 'api_key'), secretKey: keyText(fields.secret_key, 'secret_key') };
  }
  const fields = readFields(text, ['api_key', 'private_key_pem']);
  const pem = fields.private_key_pem;
  if (typeof pem !== 'string' || !PEM_PRIVATE_KEY.test(pem)) throw invalid('The private_key_pem is not an unencrypted PEM private key.');
  return { kind, apiKey: keyText(fields.api_key, 'api_key'), privateKeyPem: pem };
}
