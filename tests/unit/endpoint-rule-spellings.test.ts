/**
 * Endpoint rules against the routers upstreams actually run. Two small routers stand in for them: a
 * normalising one (percent-decodes, ignores case and a trailing slash, runs GET for HEAD: Flask,
 * Spring, ASP.NET, Express in its defaults do some or all of this) and a literal one (routes on the
 * raw path, case- and slash-strict). Every spelling either router sends to a blocked handler must be
 * refused by Keygate; every spelling Keygate lets through an allow-list must land on a handler the
 * allow-list meant; and the ordinary spellings of allowed routes still pass.
 */
import { describe, expect, it } from 'vitest';
import { checkCanonicalPath } from '../../native-host/src/proxy/canonical-path';
import { compileEndpointRules, decideEndpoint } from '../../shared/policy/endpoint-match';
import { parseEndpointPattern } from '../../shared/policy/endpoint-pattern';
import type { EndpointPattern } from '../../shared/policy/policy-types';

interface Route {
  method: string;
  /** `{name}` is a parameter: one or more characters other than "/". */
  path: string;
  handler: string;
}

type Router = (routes: readonly Route[], method: string, rawPath: string) => string | null;

function routeRegExp(path: string, flags: string): RegExp {
  const source = path
    .split(/\{[a-z]+\}/)
    .map((literal) => literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}$`, flags);
}

const normalisingRouter: Router = (routes, method, rawPath) => {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  return routes.find((route) => wanted.includes(route.method) && routeRegExp(route.path, 'i').test(path))?.handler ?? null;
};

const literalRouter: Router = (routes, method, rawPath) =>
  routes.find((route) => route.method === method && routeRegExp(route.path, '').test(rawPath))?.handler ?? null;

const ROUTERS: Array<[string, Router]> = [
  ['normalising', normalisingRouter],
  ['literal', literalRouter],
];

const UNRESERVED = /[A-Za-z0-9\-._~/]/;

function encoded(char: string, lowerHex: boolean): string {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lowerHex ? hex : hex.toUpperCase()}`;
}

/** What a client (or an attacker) may send for one path: encodings × case × trailing slash. */
function spellingsOf(path: string): string[] {
  const specials = [...path].filter((char) => !UNRESERVED.test(char));
  const encodings = new Set([
    path,
    [...path].map((char) => (UNRESERVED.test(char) ? char : encoded(char, false))).join(''),
    [...path].map((char) => (UNRESERVED.test(char) ? char : encoded(char, true))).join(''),
    ...specials.map((special) => path.replace(special, encoded(special, false))),
    // Double-encoded, for an upstream behind a proxy that decodes once more.
    [...path].map((char) => (UNRESERVED.test(char) ? char : `%25${encoded(char, false).slice(1)}`)).join(''),
  ]);
  const spellings = new Set<string>();
  for (const spelling of encodings) {
    const cased = [spelling, spelling.toUpperCase(), spelling.replace(/\/([a-z])/g, (_, letter: string) => `/${letter.toUpperCase()}`)];
    for (const variant of cased) {
      // Upper-casing turns %xx escapes into %XX: still the same bytes, and a spelling worth trying.
      spellings.add(variant);
      spellings.add(`${variant}/`);
    }
  }
  return [...spellings];
}

function patterns(sources: readonly string[]): EndpointPattern[] {
  return sources.map((source) => {
    const parsed = parseEndpointPattern(source);
    if (typeof parsed === 'string') throw new Error(`${source}: ${parsed}`);
    return parsed;
  });
}

/** What Keygate does with a custom service's request: canonical-path check, then the endpoint rules. */
function keygateForwards(rules: ReturnType<typeof compileEndpointRules>, method: string, rawPath: string): boolean {
  const canonical = checkCanonicalPath(rawPath);
  return canonical.ok && decideEndpoint(rules, method, canonical.path).allowed;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

interface Outcome {
  request: string;
  /** What the router runs, or null when it has no route for the spelling. */
  handler: string | null;
  forwarded: boolean;
}

/** Every method with every spelling of the examples: what the router runs, and whether Keygate forwards it. */
function outcomes(router: Router, routes: readonly Route[], rules: ReturnType<typeof compileEndpointRules>, examples: readonly string[]): Outcome[] {
  return examples.flatMap((example) =>
    spellingsOf(example).flatMap((spelling) =>
      METHODS.map((method) => ({ request: `${method} ${spelling}`, handler: router(routes, method, spelling), forwarded: keygateForwards(rules, method, spelling) })),
    ),
  );
}

/** Each [method, path, handler]: the normalising router runs that handler, and Keygate forwards it. */
function expectForwardedTo(routes: readonly Route[], rules: ReturnType<typeof compileEndpointRules>, ordinary: ReadonlyArray<[string, string, string]>): void {
  for (const [method, path, handler] of ordinary) {
    expect(normalisingRouter(routes, method, path)).toBe(handler);
    expect(keygateForwards(rules, method, path), `${method} ${path}`).toBe(true);
  }
}

describe('blocked_endpoints against what routers run', () => {
  const ROUTES: Route[] = [
    { method: 'DELETE', path: '/users/@me', handler: 'deleteSelf' },
    { method: 'POST', path: '/v1/{project}:delete', handler: 'deleteProject' },
    { method: 'POST', path: '/admin/delete', handler: 'adminDelete' },
    { method: 'DELETE', path: '/repos/{owner}/{repo}', handler: 'deleteRepo' },
    { method: 'GET', path: '/secret', handler: 'readSecret' },
    { method: 'GET', path: '/repos/{owner}/{repo}', handler: 'readRepo' },
    { method: 'POST', path: '/v1/{project}:get', handler: 'getProject' },
    { method: 'GET', path: '/users/{id}', handler: 'readUser' },
  ];
  const BLOCKED_HANDLERS = new Set(['deleteSelf', 'deleteProject', 'adminDelete', 'deleteRepo', 'readSecret']);
  const rules = compileEndpointRules({
    blockedEndpoints: patterns(['DELETE /users/@me', 'POST /v1/*:delete', 'POST /admin/delete', 'DELETE /repos/*', 'GET /secret']),
    allowedEndpoints: null,
  });
  const EXAMPLES = ['/users/@me', '/v1/proj:delete', '/admin/delete', '/repos/o/r', '/secret', '/v1/proj:get', '/users/alice', '/users/a@b.com'];

  it('refuses the spellings from the report', () => {
    const reported: Array<[string, string]> = [
      ['DELETE', '/users/%40me'],
      ['POST', '/v1/proj%3Adelete'],
      ['POST', '/admin/delete/'],
      ['DELETE', '/Repos/o/r'],
      ['HEAD', '/secret'],
    ];
    for (const [method, path] of reported) {
      expect(normalisingRouter(ROUTES, method, path), `${method} ${path} reaches a blocked handler`).not.toBeNull();
      expect(keygateForwards(rules, method, path), `${method} ${path}`).toBe(false);
    }
  });

  it.each(ROUTERS)('refuses every spelling the %s router sends to a blocked handler', (_name, router) => {
    const reachedBlocked = outcomes(router, ROUTES, rules, EXAMPLES).filter(({ handler }) => handler !== null && BLOCKED_HANDLERS.has(handler));
    expect(reachedBlocked.filter(({ forwarded }) => forwarded).map(({ request, handler }) => `${request} → ${handler}`)).toEqual([]);
    // The generator must actually produce blocked spellings, or this test would prove nothing.
    expect(reachedBlocked.length).toBeGreaterThanOrEqual(router === normalisingRouter ? 40 : 5);
  });

  it('still forwards the ordinary spellings of routes no rule blocks', () => {
    expectForwardedTo(ROUTES, rules, [
      ['GET', '/repos/o/r', 'readRepo'],
      ['HEAD', '/repos/o/r', 'readRepo'],
      ['GET', '/repos/Octo/Repo', 'readRepo'],
      ['POST', '/v1/proj:get', 'getProject'],
      ['POST', '/v1/proj%3Aget', 'getProject'],
      ['GET', '/users/alice', 'readUser'],
      ['GET', '/users/a%40b.com', 'readUser'],
      ['GET', '/users/alice/', 'readUser'],
    ]);
  });
});

describe('allowed_endpoints against what routers run', () => {
  const ROUTES: Route[] = [
    { method: 'GET', path: '/repos/{owner}/{repo}/issues', handler: 'listIssues' },
    { method: 'GET', path: '/repos/{owner}/{repo}/keys', handler: 'readDeployKeys' },
    { method: 'GET', path: '/users/@me', handler: 'readSelf' },
    { method: 'GET', path: '/users/{id}', handler: 'readUser' },
    { method: 'POST', path: '/v1/projects/{project}:get', handler: 'getProject' },
    { method: 'POST', path: '/v1/projects/{project}:delete', handler: 'deleteProject' },
    { method: 'GET', path: '/status', handler: 'status' },
    { method: 'DELETE', path: '/status', handler: 'resetStatus' },
    // Only a strict router tells these from /status: an allowed rule must not reach them by folding.
    { method: 'GET', path: '/status/', handler: 'statusIndex' },
    { method: 'GET', path: '/Status', handler: 'legacyStatus' },
  ];
  const MEANT = new Set(['listIssues', 'readSelf', 'getProject', 'status']);
  const rules = compileEndpointRules({
    blockedEndpoints: [],
    allowedEndpoints: patterns(['GET /repos/*/issues', 'GET /users/@me', 'POST /v1/projects/*:get', 'GET /status']),
  });
  const EXAMPLES = ['/repos/o/r/issues', '/repos/o/r/keys', '/users/@me', '/users/bob', '/v1/projects/p1:get', '/v1/projects/p1:delete', '/status'];

  it.each(ROUTERS)('lets no spelling reach a handler the allow-list did not mean (%s router)', (_name, router) => {
    const forwarded = outcomes(router, ROUTES, rules, EXAMPLES).filter((outcome) => outcome.forwarded);
    expect(forwarded.filter(({ handler }) => handler !== null && !MEANT.has(handler)).map(({ request, handler }) => `${request} → ${handler}`)).toEqual([]);
    expect(forwarded.length).toBeGreaterThanOrEqual(7);
  });

  it('forwards the ordinary spellings of allowed routes, HEAD for GET included', () => {
    expectForwardedTo(ROUTES, rules, [
      ['GET', '/repos/o/r/issues', 'listIssues'],
      ['HEAD', '/repos/o/r/issues', 'listIssues'],
      ['GET', '/repos/Octo/Hello-World/issues', 'listIssues'],
      ['GET', '/repos/o%40x/r/issues', 'listIssues'],
      ['GET', '/users/@me', 'readSelf'],
      ['POST', '/v1/projects/p1:get', 'getProject'],
      ['GET', '/status', 'status'],
      ['HEAD', '/status', 'status'],
    ]);
  });

  it('refuses a spelling an upstream may route elsewhere than the rule as written', () => {
    // A literal router sends "/users/%40me" to readUser, a case-strict one "/USERS/@me" nowhere it was meant.
    for (const [method, path] of [
      ['GET', '/users/%40me'],
      ['GET', '/USERS/@me'],
      ['GET', '/status/'],
      ['DELETE', '/status'],
      ['POST', '/v1/projects/p1%3Adelete'],
    ] as const) {
      expect(keygateForwards(rules, method, path), `${method} ${path}`).toBe(false);
    }
  });
});
