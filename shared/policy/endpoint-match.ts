/**
 * Per-service endpoint rules: `blocked_endpoints` always win; when `allowed_endpoints` is present,
 * anything it does not name is denied. Paths reach this module already checked by
 * `checkCanonicalPath`, so matching is literal and case-sensitive: no decoding, no normalising.
 * In shared/ so the options page's pattern tester decides with the proxy's own matcher, not a copy.
 */
import type { EndpointPattern, EndpointRules } from './policy-types';

/** The part of a service policy this module reads. */
export type EndpointLists = Pick<EndpointRules, 'blockedEndpoints' | 'allowedEndpoints'>;

export type EndpointDecision = { allowed: true } | { allowed: false; reason: 'blocked' | 'not_allowed'; rule?: string };

/** A pattern turned into its matcher once; decide many requests against it without recompiling. */
export interface CompiledEndpointPattern {
  /** Upper-case method, or '*' for any. */
  method: string;
  path: RegExp;
  source: string;
}

export interface CompiledEndpointRules {
  blocked: readonly CompiledEndpointPattern[];
  allowed: readonly CompiledEndpointPattern[] | null;
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * `*` matches one or more characters, `/` included. The agent controls the path, so the RegExp must
 * not backtrack: a naive `^a.+b.+c$` costs O(n^k) on a crafted path. Each inner piece is matched by
 * `(?=(.+?piece))\N` instead, which commits atomically (a lookahead is never re-entered) to the
 * earliest occurrence of the piece. Taking the earliest occurrence is always safe for patterns made
 * only of literals and `*`, as it leaves the most room for the rest; only the last piece, anchored
 * at the end, uses a plain greedy `.+`, which backtracks over at most one position range.
 */
function compilePathPattern(path: string): RegExp {
  const pieces = path.split('*').map(escapeRegExp);
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return new RegExp(`^${first}$`, 's');
  const last = pieces[pieces.length - 1] ?? '';
  const inner = pieces.slice(1, -1).map((piece, index) => `(?=(.+?${piece}))\\${index + 1}`);
  return new RegExp(`^${first}${inner.join('')}.+${last}$`, 's');
}

export function compileEndpointPattern(pattern: EndpointPattern): CompiledEndpointPattern {
  return { method: pattern.method.toUpperCase(), path: compilePathPattern(pattern.path), source: pattern.source };
}

export function compileEndpointRules(rules: EndpointLists): CompiledEndpointRules {
  return {
    blocked: rules.blockedEndpoints.map(compileEndpointPattern),
    allowed: rules.allowedEndpoints === null ? null : rules.allowedEndpoints.map(compileEndpointPattern),
  };
}

export function matchesCompiledEndpoint(pattern: CompiledEndpointPattern, method: string, path: string): boolean {
  return (pattern.method === '*' || pattern.method === method.toUpperCase()) && pattern.path.test(path);
}

/** The hot path: rules compiled once per policy change, decided once per request. */
export function decideEndpoint(rules: CompiledEndpointRules, method: string, path: string): EndpointDecision {
  const blocked = rules.blocked.find((pattern) => matchesCompiledEndpoint(pattern, method, path));
  if (blocked) return { allowed: false, reason: 'blocked', rule: blocked.source };
  if (rules.allowed !== null && !rules.allowed.some((pattern) => matchesCompiledEndpoint(pattern, method, path))) {
    return { allowed: false, reason: 'not_allowed' };
  }
  return { allowed: true };
}

/** Convenience forms for one-off checks (policy previews, tests); they compile on every call. */
export function matchesEndpoint(pattern: EndpointPattern, method: string, path: string): boolean {
  return matchesCompiledEndpoint(compileEndpointPattern(pattern), method, path);
}

export function endpointDecision(rules: EndpointLists, method: string, path: string): EndpointDecision {
  return decideEndpoint(compileEndpointRules(rules), method, path);
}
