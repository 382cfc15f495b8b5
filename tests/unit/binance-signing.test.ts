import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { encodeParams, type ParamList } from '../../native-host/src/binance/binance-params';
import type { BinanceKey } from '../../native-host/src/binance/binance-keys';
import { buildSignedQuery, signPayload } from '../../native-host/src/binance/binance-signing';

/*
 * Source of the Binance vectors: Binance Spot API docs, REST API "Request Security", section
 * "SIGNED Endpoint Examples for POST /api/v3/order"
 * (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security; the same
 * text is rest-api.md in github.com/binance/binance-spot-api-docs), as updated for the change
 * announced in its CHANGELOG on 2025-12-17: "The following change to REST API will occur at
 * approximately 2026-01-15 07:00 UTC: When calling endpoints that require signatures,
 * percent-encode payloads before computing signatures. Requests that do not follow this order will
 * be rejected with -1022 INVALID_SIGNATURE."
 *
 * "HMAC Keys — The signature payload of your request is the query string concatenated without
 * separator to the HTTP body. Any non-ASCII character must be percent-encoded before signing."
 */
const DOCS_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOCS_SECRET_KEY = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

const docsHmacKey = (): BinanceKey => ({ kind: 'hmac', apiKey: DOCS_API_KEY, secret: new TextEncoder().encode(DOCS_SECRET_KEY) });

/** The docs' HMAC example parameters, in the docs' order; only the symbol differs between the two. */
const docsHmacParams = (symbol: string): ParamList => [
  ['symbol', symbol],
  ['side', 'BUY'],
  ['type', 'LIMIT'],
  ['timeInForce', 'GTC'],
  ['quantity', '1'],
  ['price', '0.1'],
  ['recvWindow', '5000'],
  ['timestamp', '1499827319559'],
];

/** The docs' RSA / Ed25519 example parameters before timestamp and recvWindow (which Keygate adds in that order). */
const docsAsymmetricParams = (symbol: string): ParamList => [
  ['symbol', symbol],
  ['side', 'SELL'],
  ['type', 'LIMIT'],
  ['timeInForce', 'GTC'],
  ['quantity', '1'],
  ['price', '0.2'],
];
const DOCS_ASYMMETRIC_TIMESTAMP = 1668481559918;

// RSA / Ed25519 docs examples, Step 1, "After percent-encoding, the signature payload should look like this:"
const DOCS_ASYMMETRIC_PAYLOAD_ASCII =
  'symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000';
const DOCS_ASYMMETRIC_PAYLOAD_UNICODE =
  'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000';

/*
 * RFC 8032 §7.1 "TEST 2": SECRET KEY 4ccd089b…a6fb, PUBLIC KEY 3d4017c3…660c, MESSAGE 72 (the
 * one byte "r"), SIGNATURE 92a009a9…bb0c00. Binance publishes no usable Ed25519 vector (see below),
 * so this pins the Ed25519 primitive to the standard instead.
 */
const RFC8032_TEST2 = {
  seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: 'r',
  signature:
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

function rfc8032PrivateKey(): KeyObject {
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(RFC8032_TEST2.seed, 'hex').toString('base64url'),
      x: Buffer.from(RFC8032_TEST2.publicKey, 'hex').toString('base64url'),
    },
  });
}

function freshKey(kind: 'ed25519' | 'rsa'): { key: BinanceKey; publicKey: KeyObject } {
  const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: { kind, apiKey: DOCS_API_KEY, privateKey: pair.privateKey }, publicKey: pair.publicKey };
}

/** Splits a signed query into the bytes that were signed and the decoded signature. */
function splitSigned(query: string): { payload: string; encodedSignature: string; signature: string } {
  const at = query.lastIndexOf('&signature=');
  const encodedSignature = query.slice(at + '&signature='.length);
  return { payload: query.slice(0, at), encodedSignature, signature: decodeURIComponent(encodedSignature) };
}

describe('signPayload with HMAC keys (Binance docs known answers)', () => {
  it('reproduces the ASCII example byte for byte', () => {
    // Docs, HMAC Step 1: "After percent-encoding, the signature payload should look like this:"
    const payload = encodeParams(docsHmacParams('LTCBTC'));
    expect(payload).toBe(
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    );
    // Docs, HMAC "Example commands": `echo -n "symbol=LTCBTC…" | openssl dgst -sha256 -hmac "NhqP…"`
    //   → c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71
    expect(signPayload(docsHmacKey(), payload)).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  });

  it('reproduces the non-ASCII example: percent-encoded payload, then its signature', () => {
    // Docs: symbol "１２３４５６" (full-width digits); "After percent-encoding, the signature payload
    // should look like this: symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY…"
    const payload = encodeParams(docsHmacParams('１２３４５６'));
    expect(payload).toBe(
      'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    );
    // Docs: `echo -n "symbol=%EF%BC%91…" | openssl dgst -sha256 -hmac "NhqP…"`
    //   → e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3
    expect(signPayload(docsHmacKey(), payload)).toBe('e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3');
  });

  it('refuses to sign a payload that is not percent-encoded', () => {
    // The pre-2026 way (signing "symbol=１２３４５６…" as raw UTF-8) now earns -1022 from Binance.
    const unencoded = 'symbol=１２３４５６&side=BUY';
    expect(() => signPayload(docsHmacKey(), unencoded)).toThrow(KeygateError);
    expect(() => signPayload(docsHmacKey(), 'symbol=A B')).toThrow(/not percent-encoded/);
  });
});

describe('signPayload with Ed25519 keys', () => {
  /*
   * Binance's Ed25519 section publishes payloads but no usable signatures: its private key
   * (./test-prv-key.pem) is not published, and the base64 strings it prints are 344 characters
   * (256 bytes, an RSA-2048 size, not Ed25519's 64) — the non-ASCII one is identical to the RSA
   * section's. So the primitive is pinned to RFC 8032, and Binance-shaped payloads are checked
   * with node:crypto's verify under a fresh key.
   */
  it('matches RFC 8032 TEST 2, as base64', () => {
    const key: BinanceKey = { kind: 'ed25519', apiKey: DOCS_API_KEY, privateKey: rfc8032PrivateKey() };
    expect(signPayload(key, RFC8032_TEST2.message)).toBe(Buffer.from(RFC8032_TEST2.signature, 'hex').toString('base64'));
  });

  it('signs the docs payloads so the matching public key verifies them', () => {
    const { key, publicKey } = freshKey('ed25519');
    for (const payload of [DOCS_ASYMMETRIC_PAYLOAD_ASCII, DOCS_ASYMMETRIC_PAYLOAD_UNICODE]) {
      const signature = signPayload(key, payload);
      expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      expect(verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(`${payload}0`), publicKey, Buffer.from(signature, 'base64'))).toBe(false);
    }
  });
});

describe('signPayload with RSA keys', () => {
  /*
   * Docs, RSA Step 2: "Sign the signature payload constructed in Step 1 using the
   * RSASSA-PKCS1-v1_5 algorithm with SHA-256 hash function. Encode the output in base64."
   * The docs' signatures (HZ8HOjiJ…, qJtv66wy…) cannot be reproduced: the private key behind
   * them, ./test-prv-key.pem, is not published. Fresh keys and verify() stand in.
   */
  it('signs with RSASSA-PKCS1-v1_5 / SHA-256, base64', () => {
    const { key, publicKey } = freshKey('rsa');
    for (const payload of [DOCS_ASYMMETRIC_PAYLOAD_ASCII, DOCS_ASYMMETRIC_PAYLOAD_UNICODE]) {
      const signature = signPayload(key, payload);
      expect(signature).toMatch(/^[A-Za-z0-9+/]{342}==$/);
      const raw = Buffer.from(signature, 'base64');
      expect(verify('sha256', Buffer.from(payload), { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, raw)).toBe(true);
      // Not PSS: the same bytes do not verify under RSASSA-PSS.
      expect(verify('sha256', Buffer.from(payload), { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING }, raw)).toBe(false);
      // PKCS#1 v1.5 is deterministic, unlike PSS.
      expect(signPayload(key, payload)).toBe(signature);
    }
  });
});

describe('buildSignedQuery', () => {
  it('appends timestamp and recvWindow, then the HMAC of exactly the preceding bytes', () => {
    const query = buildSignedQuery(docsHmacKey(), docsAsymmetricParams('BTCUSDT'), DOCS_ASYMMETRIC_TIMESTAMP, 5000);
    // The payload part is the docs' published payload (RSA/Ed25519 examples, same parameter order).
    // The signature was computed independently with OpenSSL 3 for this test, not published by Binance:
    //   echo -n "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000" \
    //     | openssl dgst -sha256 -hmac "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    expect(query).toBe(
      `${DOCS_ASYMMETRIC_PAYLOAD_ASCII}&signature=070a51d3f0218b15999ac36873e83c625fd45d4153498ab3e5198c141372fa67`,
    );
  });

  it('percent-encodes a non-ASCII symbol exactly as the docs do, and signs the encoded bytes', () => {
    const query = buildSignedQuery(docsHmacKey(), docsAsymmetricParams('１２３４５６'), DOCS_ASYMMETRIC_TIMESTAMP, 5000);
    const { payload, signature } = splitSigned(query);
    expect(payload).toBe(DOCS_ASYMMETRIC_PAYLOAD_UNICODE);
    // OpenSSL 3, computed for this test (not published): echo -n "<payload above>" | openssl dgst -sha256 -hmac "NhqP…"
    expect(signature).toBe('06ff4c1704eeafa9ddddf5132aa538524a8e23ab4316126f4bd79c89473e9ba7');
  });

  it('drops the agent\'s own signature, timestamp and recvWindow (any case) and uses Keygate\'s', () => {
    const agentParams: ParamList = [
      ['symbol', 'BTCUSDT'],
      ['Timestamp', '1'],
      ['RECVWINDOW', '60000'],
      ['signature', 'agent-made'],
      ['side', 'SELL'],
    ];
    const query = buildSignedQuery(docsHmacKey(), agentParams, DOCS_ASYMMETRIC_TIMESTAMP, 5000);
    expect(splitSigned(query).payload).toBe('symbol=BTCUSDT&side=SELL&timestamp=1668481559918&recvWindow=5000');
    expect(query.match(/signature=/g)).toHaveLength(1);
  });

  it('signs a request with no parameters of its own', () => {
    const query = buildSignedQuery(docsHmacKey(), [], DOCS_ASYMMETRIC_TIMESTAMP, 5000);
    const { payload, signature } = splitSigned(query);
    expect(payload).toBe('timestamp=1668481559918&recvWindow=5000');
    expect(signature).toBe(signPayload(docsHmacKey(), payload));
  });

  it('percent-encodes base64 signatures: "+" as %2B, "/" as %2F, "=" as %3D', () => {
    // Docs, RSA / Ed25519 Step 2.3: "Percent-encode the base64 string", e.g. "…lrqtNonCwp6%2F245…oXA%3D%3D".
    const key: BinanceKey = { kind: 'ed25519', apiKey: DOCS_API_KEY, privateKey: rfc8032PrivateKey() };
    const publicKey = createPublicKey(rfc8032PrivateKey());
    let sawPlusAndSlash = false;
    // Ed25519 is deterministic, so this walk over timestamps always finds the same signatures.
    for (let timestamp = DOCS_ASYMMETRIC_TIMESTAMP; !sawPlusAndSlash && timestamp < DOCS_ASYMMETRIC_TIMESTAMP + 50; timestamp++) {
      const query = buildSignedQuery(key, docsAsymmetricParams('BTCUSDT'), timestamp, 5000);
      const { payload, encodedSignature, signature } = splitSigned(query);
      expect(encodedSignature).toMatch(/^[A-Za-z0-9%]+%3D%3D$/);
      expect(verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
      if (signature.includes('+') && signature.includes('/')) {
        expect(encodedSignature).toBe(signature.replaceAll('+', '%2B').replaceAll('/', '%2F').replaceAll('=', '%3D'));
        sawPlusAndSlash = true;
      }
    }
    expect(sawPlusAndSlash).toBe(true);
  });

  it('produces RSA-signed queries that verify over the forwarded bytes', () => {
    const { key, publicKey } = freshKey('rsa');
    const query = buildSignedQuery(key, docsAsymmetricParams('１２３４５６'), DOCS_ASYMMETRIC_TIMESTAMP, 5000);
    const { payload, encodedSignature, signature } = splitSigned(query);
    expect(payload).toBe(DOCS_ASYMMETRIC_PAYLOAD_UNICODE);
    expect(encodedSignature).not.toMatch(/[+/=]/);
    const raw = Buffer.from(signature, 'base64');
    expect(verify('sha256', Buffer.from(payload), { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, raw)).toBe(true);
  });

  it('keeps recvWindow within Binance\'s 1..60000 ms', () => {
    const sign = (recvWindow: number) => buildSignedQuery(docsHmacKey(), [], DOCS_ASYMMETRIC_TIMESTAMP, recvWindow);
    expect(splitSigned(sign(1)).payload).toBe('timestamp=1668481559918&recvWindow=1');
    expect(splitSigned(sign(60000)).payload).toBe('timestamp=1668481559918&recvWindow=60000');
    for (const bad of [0, -1, 60001, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sign(bad)).toThrow(RangeError);
    }
  });

  it('refuses a timestamp that is not a positive whole number of ms', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => buildSignedQuery(docsHmacKey(), [], bad, 5000)).toThrow(RangeError);
    }
  });
});
