import type { ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode, errorBody } from '../../../shared/errors';

/**
 * Answers an agent with the catalogue's JSON error: `{"error": {code, message, hint}}` and the
 * code's HTTP status. The detail must never carry a secret (callers pass rule names, not values).
 */
export function sendError(res: ServerResponse, code: ErrorCode, detail?: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: errorBody(code, detail) });
  res.writeHead(ERRORS[code].status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
