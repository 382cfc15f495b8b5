/**
 * Browser-side attacks on a localhost service: DNS rebinding (a hostile page resolving its own name
 * to 127.0.0.1) shows up as a foreign Host; a page calling from its own origin shows up as an
 * Origin header. Both are refused before anything else looks at the request. HTTP only: a browser
 * agent on the native bridge never reaches this port.
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../../../shared/errors';

export type GuardResult = { ok: true; corsOrigin: string | null } | { ok: false; code: ErrorCode; detail?: string };

/** The usual verdict (a right Host, no Origin: an agent, not a page), shared rather than made per request. */
const NO_ORIGIN: GuardResult = Object.freeze({ ok: true, corsOrigin: null });
/** No CORS headers: read-only, so every answer to an agent shares it. */
const NO_CORS: Record<string, string> = Object.freeze({});

/** Raw headers named `name` (lower case), in any case; only a name of its length is lowered (a string per header otherwise). */
function headerCount(req: IncomingMessage, name: string): number {
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i]!;
    if (header.length === name.length && (header === name || header.toLowerCase() === name)) count += 1;
  }
  return count;
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function checkHostAndOrigin(req: IncomingMessage, hosts: ReadonlySet<string>, allowedOrigins: readonly string[]): GuardResult {
  // Node keeps only the first of duplicate Host headers; count the raw ones.
  if (headerCount(req, 'host') !== 1) return { ok: false, code: 'HOST_HEADER_INVALID' };
  if (!hosts.has((req.headers.host ?? '').toLowerCase())) return { ok: false, code: 'HOST_NOT_ALLOWED' };
  const origins = headerCount(req, 'origin');
  if (origins === 0) return NO_ORIGIN;
  const origin = req.headers.origin;
  if (origins > 1 || origin === undefined || !allowedOrigins.includes(origin)) {
    return { ok: false, code: 'ORIGIN_NOT_ALLOWED', detail: origins > 1 ? 'More than one Origin header.' : undefined };
  }
  return { ok: true, corsOrigin: origin };
}

/** CORS answer for an allow-listed origin only: that origin, never a wildcard. */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (origin === null) return NO_CORS;
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-headers': 'authorization, x-api-key, content-type, anthropic-version, anthropic-beta, openai-beta',
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}
