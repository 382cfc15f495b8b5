/**
 * Endpoint patterns as policies write them: `"METHOD /path"`, e.g. `"DELETE /repos/*"`.
 *
 * Matching semantics (implemented by the proxy's endpoint matcher, native-host/src/proxy/endpoint-match.ts):
 * the method is compared upper-case, `*` matches any method and a GET rule covers HEAD; in the path
 * each `*` matches ONE OR MORE characters, `/` included, so `/repos/*` covers `/repos/a` and
 * `/repos/a/b` but not `/repos/`. A blocked rule matches the request however a router may read it
 * (percent-decoded, any case, with or without a trailing slash); an allowed rule only as written.
 * The query string is never part of the match.
 *
 * Since the proxy refuses non-canonical request paths, a pattern that is not canonical itself (`//`,
 * dot segments, percent-encoding) could never match; in `blocked_endpoints` that would silently
 * weaken the policy, so such patterns are refused here instead.
 */
import type { EndpointPattern } from './policy-types';

/** What the proxy forwards; an unknown method is far more likely a typo ("DELTE") than intended. */
export const PATTERN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

const MAX_PATTERN_CHARS = 500;
/** RFC 3986 path characters (unreserved, sub-delims, ':' and '@') minus '%' and ';' (the proxy refuses ';'). */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]+$/;

function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'the path must start with "/"';
  if (/[?#]/.test(path)) return 'patterns match the path only; remove the query string or fragment';
  if (path.includes('%')) return 'percent-encoded characters are not supported; use * in their place';
  if (!PATH_CHARS.test(path)) return 'the path holds characters a URL path cannot carry (spaces, quotes, "\\", …)';
  if (path.includes('//') || /\/\.\.?(\/|$)/.test(path)) {
    return 'the path must be canonical (no "//", "." or ".." segments): the proxy refuses such requests, so it could never match';
  }
  if (path.includes('**')) return 'use a single "*": it already matches across "/"';
  return null;
}

/** Returns the pattern, or a message saying what is wrong with it. */
export function parseEndpointPattern(text: string): EndpointPattern | string {
  if (text.length > MAX_PATTERN_CHARS) return `a pattern may be at most ${MAX_PATTERN_CHARS} characters`;
  const parts = /^(\S+) (\S+)$/.exec(text);
  if (!parts) return 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"';
  const written = parts[1] ?? '';
  const path = parts[2] ?? '';
  const method = written.toUpperCase();
  if (method !== '*' && !(PATTERN_METHODS as readonly string[]).includes(method)) {
    return `${JSON.stringify(written)} is not an HTTP method Keygate forwards; use ${PATTERN_METHODS.join(', ')} or *`;
  }
  const problem = pathProblem(path);
  if (problem) return problem;
  return { method, path, source: text };
}
