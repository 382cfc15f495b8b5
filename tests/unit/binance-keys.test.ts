import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { type BinanceCredentialKind, parseBinanceSecret, wipeBinanceKey } from '../../native-host/src/binance/binance-keys';

// The example keys from Binance's Spot API docs, "Request Security" → "HMAC Keys"
// ("The example keys are provided here only for illustrative purposes").
const DOCS_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOCS_SECRET_KEY = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

/** What the vault holds: the popup's JSON (lib/ui/AddCredentialForm.tsx) as UTF-8 bytes. */
const stored = (fields: unknown) => new TextEncoder().encode(JSON.stringify(fields));

const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const rsaPem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Parses, expecting CREDENTIAL_FORMAT_INVALID, and returns the error's message. */
function refusedMessage(kind: BinanceCredentialKind, secret: Uint8Array): string {
  try {
    parseBinanceSecret(kind, secret);
  } catch (error) {
    expect(error).toBeInstanceOf(KeygateError);
    expect((error as KeygateError).code).toBe('CREDENTIAL_FORMAT_INVALID');
    return (error as KeygateError).message;
  }
  throw new Error('expected CREDENTIAL_FORMAT_INVALID');
}

describe('parseBinanceSecret', () => {
  it('reads an HMAC key: API key, and the secret key as bytes', () => {
    const key = parseBinanceSecret('binance_hmac', stored({ api_key: DOCS_API_KEY, secret_key: DOCS_SECRET_KEY }));
    expect(key.kind).toBe('hmac');
    expect(key.apiKey).toBe(DOCS_API_KEY);
    if (key.kind !== 'hmac') throw new Error('unreachable');
    expect(new TextDecoder().decode(key.secret)).toBe(DOCS_SECRET_KEY);
  });

  it('reads Ed25519 and RSA PEM keys into KeyObjects of their type', () => {
    const ed = parseBinanceSecret('binance_ed25519', stored({ api_key: DOCS_API_KEY, private_key_pem: ed25519Pem() }));
    expect(ed.kind).toBe('ed25519');
    if (ed.kind === 'hmac') throw new Error('unreachable');
    expect(ed.privateKey.asymmetricKeyType).toBe('ed25519');

    const rsa = parseBinanceSecret('binance_rsa', stored({ api_key: DOCS_API_KEY, private_key_pem: rsaPem() }));
    expect(rsa.kind).toBe('rsa');
    if (rsa.kind === 'hmac') throw new Error('unreachable');
    expect(rsa.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('refuses HMAC keys that are not 64 letters and digits, without echoing them', () => {
    const cases = [
      { api_key: DOCS_API_KEY, secret_key: DOCS_SECRET_KEY.slice(1) },
      { api_key: DOCS_API_KEY, secret_key: `${DOCS_SECRET_KEY.slice(1)}-` },
      { api_key: ` ${DOCS_API_KEY.slice(1)}`, secret_key: DOCS_SECRET_KEY },
      { api_key: DOCS_API_KEY, secret_key: 12345 },
    ];
    for (const fields of cases) {
      const message = refusedMessage('binance_hmac', stored(fields));
      expect(message).not.toContain(DOCS_SECRET_KEY.slice(1, 20));
      expect(message).not.toContain(DOCS_API_KEY.slice(1, 20));
    }
  });

  it('refuses a stored secret that is not the expected JSON object, without quoting it', () => {
    const notJson = new TextEncoder().encode(`secret=${DOCS_SECRET_KEY}`);
    expect(refusedMessage('binance_hmac', notJson)).not.toContain(DOCS_SECRET_KEY.slice(0, 8));
    expect(refusedMessage('binance_hmac', new Uint8Array([0x7b, 0xff, 0x7d]))).toMatch(/UTF-8 JSON/);
    expect(refusedMessage('binance_hmac', stored([DOCS_API_KEY, DOCS_SECRET_KEY]))).toMatch(/JSON object/);
    // The wrong shape for the kind: an HMAC credential holding a PEM, and a stray field.
    expect(refusedMessage('binance_hmac', stored({ api_key: DOCS_API_KEY, private_key_pem: 'x' }))).toMatch(/fields/);
    expect(
      refusedMessage('binance_hmac', stored({ api_key: DOCS_API_KEY, secret_key: DOCS_SECRET_KEY, note: 'x' })),
    ).toMatch(/fields/);
  });

  it('refuses a PEM that does not parse, is public, or is of the other key type', () => {
    const pem = ed25519Pem();
    const publicPem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const [header, body, footer] = pem.trim().split('\n');
    const truncated = `${header}\n${body!.slice(0, 20)}\n${footer}\n`;
    for (const privateKeyPem of [truncated, publicPem, 'not a pem']) {
      const message = refusedMessage('binance_ed25519', stored({ api_key: DOCS_API_KEY, private_key_pem: privateKeyPem }));
      // Only Keygate's own words: no run of PEM base64 from the key.
      expect(message).not.toMatch(/[A-Za-z0-9+/]{16,}/);
    }
    expect(refusedMessage('binance_rsa', stored({ api_key: DOCS_API_KEY, private_key_pem: pem }))).toMatch(/not an RSA key/);
    expect(refusedMessage('binance_ed25519', stored({ api_key: DOCS_API_KEY, private_key_pem: rsaPem() }))).toMatch(
      /not an Ed25519 key/,
    );
  });

  it('refuses an encrypted PEM (the host has no passphrase for it)', () => {
    const encrypted = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
      .toString();
    expect(refusedMessage('binance_ed25519', stored({ api_key: DOCS_API_KEY, private_key_pem: encrypted }))).toMatch(
      /unencrypted PEM/,
    );
  });

  it('checks the API key of asymmetric credentials too', () => {
    expect(refusedMessage('binance_ed25519', stored({ api_key: 'short', private_key_pem: ed25519Pem() }))).toMatch(/api_key/);
  });
});

describe('wipeBinanceKey', () => {
  it('zeroes the HMAC secret bytes and leaves the caller\'s stored bytes to the caller', () => {
    const secret = stored({ api_key: DOCS_API_KEY, secret_key: DOCS_SECRET_KEY });
    const before = Uint8Array.from(secret);
    const key = parseBinanceSecret('binance_hmac', secret);
    wipeBinanceKey(key);
    if (key.kind !== 'hmac') throw new Error('unreachable');
    expect(key.secret.length).toBe(64);
    expect(key.secret.every((byte) => byte === 0)).toBe(true);
    expect(secret).toEqual(before);
  });

  it('accepts asymmetric keys (a KeyObject cannot be wiped; nothing to do)', () => {
    const key = parseBinanceSecret('binance_ed25519', stored({ api_key: DOCS_API_KEY, private_key_pem: ed25519Pem() }));
    expect(() => wipeBinanceKey(key)).not.toThrow();
  });
});
