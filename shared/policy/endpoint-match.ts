/**
 * Per-service endpoint rules: `blocked_endpoints` always win; when `allowed_endpoints` is present,
 * anything it does not name is denied. Paths reach this module already checked by
 * `checkCanonicalPath` (no dot segments, no encoded slashes or letters), but an upstream still routes
 * on its own reading of the path: Flask, Spring and ASP.NET percent-decode it, Express and ASP.NET
 * ignore case, most ignore a trailing slash, Rails (its optional `(.:format)`) and Spring before 5.3
 * (suffix pattern matching) route `/x.json` to `/x`, and all of them run the GET handler for HEAD.
 * So the two lists are read in opposite directions:
 * - a blocked rule matches when ANY reading a router could make of the request matches it (decoded
 *   or not, case-folded, without its trailing slash or a suffix on its last segment, HEAD as GET);
 * - an allowed rule matches only when ONE rule matches EVERY reading of the path exactly as written
 *   (as sent and percent-decoded, case and trailing slash as the rule spells them), so no spelling can
 *   make an allowed rule cover a route the upstream tells apart. HEAD counts as GET here too: the
 *   upstream answers it with the GET handler, minus the body.
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
  /** The path as written: what an allowed rule must match, for every reading of the request. */
  path: RegExp;
  /** The path case-folded and without a trailing slash: what a blocked rule is matched with. */
  foldedPath: RegExp;
  source: string;
}

export interface CompiledEndpointRules {
  blocked: readonly CompiledEndpointPattern[];
  allowed: readonly CompiledEndpointPattern[] | null;
  /** The methods some rule names (not `*`), each once. */
  namedMethods: readonly string[];
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

/**
 * Case and a final "/" are what routers most often ignore. Folding through upper case too catches
 * the characters that Java's `equalsIgnoreCase` equates with ASCII ones (`ſ` with `s`, `K` with `k`)
 * once a `%C5%BF` is decoded; folding more than a router does only makes a blocked rule wider.
 */
function foldPath(path: string): string {
  const folded = path.toUpperCase().toLowerCase();
  return folded.length > 1 && folded.endsWith('/') ? folded.slice(0, -1) : folded;
}

const lenientUtf8 = new TextDecoder();
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** One round of percent-decoding; bytes that are not UTF-8 become U+FFFD, as Werkzeug decodes them. */
function decodeOnce(path: string): string {
  return path.replace(ESCAPE_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let at = 0; at < bytes.length; at++) bytes[at] = Number.parseInt(run.slice(at * 3 + 1, at * 3 + 3), 16);
    return lenientUtf8.decode(bytes);
  });
}

/** `%25` nests: a few rounds cover an upstream (or a proxy in front of it) that decodes twice or more. */
const MAX_DECODING_ROUNDS = 4;

/** The path as sent, then as each further round of percent-decoding leaves it. */
function pathReadings(path: string): string[] {
  const readings = [path];
  let current = path;
  for (let round = 0; round < MAX_DECODING_ROUNDS && current.includes('%'); round++) {
    const decoded = decodeOnce(current);
    if (decoded === current) break;
    readings.push(decoded);
    current = decoded;
  }
  return readings;
}

export function compileEndpointPattern(pattern: EndpointPattern): CompiledEndpointPattern {
  return {
    method: pattern.method.toUpperCase(),
    path: compilePathPattern(pattern.path),
    foldedPath: compilePathPattern(foldPath(pattern.path)),
    source: pattern.source,
  };
}

export function compileEndpointRules(rules: EndpointLists): CompiledEndpointRules {
  const blocked = rules.blockedEndpoints.map(compileEndpointPattern);
  const allowed = rules.allowedEndpoints === null ? null : rules.allowedEndpoints.map(compileEndpointPattern);
  const named = [...blocked, ...(allowed ?? [])].map((pattern) => pattern.method).filter((method) => method !== '*');
  return { blocked, allowed, namedMethods: [...new Set(named)] };
}

/** Every router runs a GET handler for HEAD, so a GET rule speaks for HEAD too. */
function methodCovered(pattern: CompiledEndpointPattern, method: string): boolean {
  return pattern.method === '*' || pattern.method === method || (method === 'HEAD' && pattern.method === 'GET');
}

/** The literal reading: the method and the path exactly as the rule spells them. */
export function matchesCompiledEndpoint(pattern: CompiledEndpointPattern, method: string, path: string): boolean {
  return methodCovered(pattern, method.toUpperCase()) && pattern.path.test(path);
}

/** The request as a router may read it, computed once and matched against every rule. */
interface RequestReadings {
  method: string;
  paths: string[];
  foldedPaths: string[];
}

function readingsOf(method: string, path: string): RequestReadings {
  const paths = pathReadings(path);
  const foldedPaths = paths.map(foldPath);
  // Runs for every request a rule is checked against: no copy of the list, and nothing made for a path without a suffix.
  const unsuffixed = foldedPaths.length;
  for (let at = 0; at < unsuffixed; at++) {
    const cuts = withoutSuffixes(foldedPaths[at]!);
    if (cuts.length > 0) foldedPaths.push(...cuts);
  }
  return { method: method.toUpperCase(), paths, foldedPaths };
}

const NO_SUFFIX: readonly string[] = Object.freeze([]);

/**
 * `/x.tar.gz` read as `/x.tar` and `/x`, as a format-suffix router does; none (and nothing made) for
 * a last segment without a dot. Binance's fund-moving check reads its paths the same way.
 */
export function withoutSuffixes(path: string): readonly string[] {
  const lastSegmentAt = path.lastIndexOf('/');
  let dot = path.lastIndexOf('.');
  if (dot <= lastSegmentAt + 1) return NO_SUFFIX;
  const cuts: string[] = [];
  for (; dot > lastSegmentAt + 1; dot = path.lastIndexOf('.', dot - 1)) cuts.push(path.slice(0, dot));
  return cuts;
}

function blockedBy(pattern: CompiledEndpointPattern, request: RequestReadings): boolean {
  return methodCovered(pattern, request.method) && request.foldedPaths.some((path) => pattern.foldedPath.test(path));
}

function allowedBy(pattern: CompiledEndpointPattern, request: RequestReadings): boolean {
  return methodCovered(pattern, request.method) && request.paths.every((path) => pattern.path.test(path));
}

/** The one answer for a request no rule stops: shared, since every request of a service without rules gets it. */
const ALLOWED: EndpointDecision = Object.freeze({ allowed: true });

/** The hot path: rules compiled once per policy change, decided once per request. */
export function decideEndpoint(rules: CompiledEndpointRules, method: string, path: string): EndpointDecision {
  // A service with no rules at all (the default) allows every request: no readings to work out.
  if (rules.blocked.length === 0 && rules.allowed === null) return ALLOWED;
  const request = readingsOf(method, path);
  const blocked = rules.blocked.find((pattern) => blockedBy(pattern, request));
  if (blocked) return { allowed: false, reason: 'blocked', rule: blocked.source };
  if (rules.allowed !== null && !rules.allowed.some((pattern) => allowedBy(pattern, request))) {
    return { allowed: false, reason: 'not_allowed' };
  }
  return ALLOWED;
}

/** A method no rule names: it stands for every method that only `*` rules (or none) speak for. */
const UNNAMED_METHOD = 'UNNAMED-METHOD';

/**
 * Whether the rules judge `path` differently for some method than for `method`: only then could a
 * request that makes the upstream run another method (a `_method` field) slip past a rule. Every
 * method no rule names is judged alike (HEAD as GET), so one stands for them all.
 */
export function decisionVariesByMethod(rules: CompiledEndpointRules, method: string, path: string): boolean {
  // Rules that name no method judge every method alike (the common case: checked on every POST).
  if (rules.namedMethods.length === 0) return false;
  const verdict = (asked: string) => decideEndpoint(rules, asked, path).allowed;
  const own = verdict(method);
  return [...rules.namedMethods, UNNAMED_METHOD].some((other) => verdict(other) !== own);
}

/** Convenience forms for one-off checks (policy previews, tests); they compile on every call. */
export function matchesEndpoint(pattern: EndpointPattern, method: string, path: string): boolean {
  return matchesCompiledEndpoint(compileEndpointPattern(pattern), method, path);
}

export function endpointDecision(rules: EndpointLists, method: string, path: string): EndpointDecision {
  return decideEndpoint(compileEndpointRules(rules), method, path);
}
