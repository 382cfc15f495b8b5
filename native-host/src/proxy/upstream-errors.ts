import { KeygateError } from '../../../shared/errors';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Keeps our own errors (the body-size cap) and names transport failures without their details. */
export function upstreamError(error: unknown): KeygateError {
  if (error instanceof KeygateError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) return new KeygateError('UPSTREAM_TIMEOUT');
  return new KeygateError('UPSTREAM_UNREACHABLE', code ? `(${code})` : undefined);
}
