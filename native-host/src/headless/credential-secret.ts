/**
 * Turns what arrived on stdin into the secret a credential record seals, in the form the popup's
 * form stores: an API key as its UTF-8 text; a Binance key pair as `{"api_key", "secret_key"}` or
 * `{"api_key", "private_key_pem"}` JSON. Messages name what is wrong, never the secret.
 */
import { createPrivateKey } from 'node:crypto';
import { type BinanceCredentialKind, readBinanceCredential } from '../../../shared/binance/binance-credential';
import { KeygateError } from '../../../shared/errors';
import { isPlainObject } from '../../../shared/validate';
import { type CredentialKind, isCredentialKind } from '../../../shared/vault/format';
import { usageError } from './command-io';

const BINANCE_KINDS: readonly CredentialKind[] = ['binance_hmac', 'binance_ed25519', 'binance_rsa'];
const BINANCE_FORMS = '{"api_key": "...", "secret_key": "..."} or {"api_key": "...", "private_key_pem": "..."}';

export interface ParsedSecret {
  kind: CredentialKind;
  /** Canonical text to seal; the caller turns it into bytes and wipes those. */
  text: string;
}

function apiKeySecret(input: string): ParsedSecret {
  const key = input.replace(/\r?\n$/, '').trim();
  if (key === '') throw usageError('stdin was empty; pipe the API key in (`… | keygate-host vault add …`).');
  if (/[\r\n]/.test(key)) throw usageError('Expected the API key as one line on stdin; it has several.');
  return { kind: 'api_key', text: key };
}

function stringField(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`"${field}" must be a non-empty string.`);
  return value.trim();
}

/** Binance signs with Ed25519 or RSA keys; the PEM says which, so the person need not. */
function pemKind(pem: string): BinanceCredentialKind {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw usageError('"private_key_pem" is not an unencrypted PEM private key.');
  }
  if (type === 'ed25519') return 'binance_ed25519';
  if (type === 'rsa') return 'binance_rsa';
  throw usageError(`"private_key_pem" holds a key of type ${type ?? 'unknown'}; Binance accepts Ed25519 and RSA keys.`);
}

/**
 * The popup's own check of a Binance key pair (64-character API and HMAC secret keys, PEM armour), so
 * a key the extension would refuse cannot enter the vault from the shell and fail at the first order.
 */
function checkedLikeThePopup(kind: BinanceCredentialKind, text: string): ParsedSecret {
  try {
    readBinanceCredential(kind, text);
  } catch (error) {
    if (error instanceof KeygateError) throw usageError(error.detail ?? error.message);
    throw error;
  }
  return { kind, text };
}

function binanceSecret(input: string, wanted: CredentialKind | undefined): ParsedSecret {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    throw usageError(`For --service binance, stdin must be JSON: ${BINANCE_FORMS}.`);
  }
  const fields = isPlainObject(value) ? Object.keys(value).sort().join(',') : '';
  if (!isPlainObject(value) || (fields !== 'api_key,secret_key' && fields !== 'api_key,private_key_pem')) {
    throw usageError(`For --service binance, stdin must be exactly ${BINANCE_FORMS}.`);
  }
  const apiKey = stringField(value, 'api_key');
  if (fields === 'api_key,secret_key') {
    if (wanted !== undefined && wanted !== 'binance_hmac') throw usageError(`--kind ${wanted} needs "private_key_pem", not "secret_key".`);
    return checkedLikeThePopup('binance_hmac', JSON.stringify({ api_key: apiKey, secret_key: stringField(value, 'secret_key') }));
  }
  const pem = stringField(value, 'private_key_pem');
  const kind = pemKind(pem);
  if (wanted !== undefined && wanted !== kind) throw usageError(`--kind ${wanted} does not match the key in "private_key_pem" (${kind}).`);
  return checkedLikeThePopup(kind, JSON.stringify({ api_key: apiKey, private_key_pem: pem }));
}

/** `kind` is the --kind option as typed (undefined when absent). */
export function parseCredentialSecret(service: string, input: string, kind: string | undefined): ParsedSecret {
  if (kind !== undefined && !isCredentialKind(kind)) throw usageError(`Unknown --kind "${kind}"; one of: api_key, ${BINANCE_KINDS.join(', ')}.`);
  if (service === 'binance') {
    if (kind === 'api_key') throw usageError('Binance credentials are a key pair: use --kind binance_hmac, binance_ed25519 or binance_rsa (or leave --kind out).');
    return binanceSecret(input, kind);
  }
  if (kind !== undefined && kind !== 'api_key') throw usageError(`--kind ${kind} is only for --service binance.`);
  return apiKeySecret(input);
}
