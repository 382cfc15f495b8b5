import { KeygateError } from '../../../shared/errors';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** OpenSSL's verification failures as Node names them (and its own for a certificate naming another host). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Keeps our own errors (the body-size cap) and names transport failures without their details. */
export function upstreamError(error: unknown): KeygateError {
  if (error instanceof KeygateError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) return new KeygateError('UPSTREAM_TIMEOUT');
  if (CERTIFICATE_CODES.has(code)) return new KeygateError('UPSTREAM_CERTIFICATE_INVALID', `(${code})`);
  return new KeygateError('UPSTREAM_UNREACHABLE', code ? `(${code})` : undefined);
}
