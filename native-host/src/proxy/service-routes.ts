/**
 * Which upstream a proxy path belongs to. The upstream origin comes only from the policy (or the
 * built-in default), never from the request: the agent chooses a service, not a host.
 */
import type { DeadKeyRule, EndpointRules, Policy, RotationMode } from '../../../shared/policy/policy-types';
import { ANTHROPIC_DEAD_KEY, OPENAI_DEAD_KEY } from './credential-rotation';

export type ServiceKind = 'openai' | 'anthropic' | 'binance' | 'custom';

export interface ServiceTarget {
  kind: ServiceKind;
  /** The name credentials are stored under: openai, anthropic, binance, or the custom service's name. */
  service: string;
  /** The name agent scopes use: openai, anthropic, binance, or custom:NAME. */
  scopeName: string;
  baseUrl: string;
  /** The path to call upstream, after the service prefix (always starts with '/'). */
  upstreamPath: string;
  auth: { header: string; prefix: string };
  rules: EndpointRules;
  rotation: RotationMode;
  /** Which answers mean "this key is dead, try the next one". */
  deadKey: DeadKeyRule;
  upstreamProxy: string | null;
  /** Agents' `Range` requests (and 206 answers) pass: custom services whose policy says so. */
  allowRanges: boolean;
}

/** Binance never rotates: its one key signs, and an order is never replayed. */
const NO_DEAD_KEY: DeadKeyRule = Object.freeze({ statuses: [], codes: [], codeFields: [] });

export type Route = { kind: 'status' } | { kind: 'service'; target: ServiceTarget } | { kind: 'unknown' };

export const STATUS_PATH = '/_keygate/status';

/** `/openai/v1/models` → `['openai', '/v1/models']`; a bare `/openai` maps to `/`. */
function splitPrefix(path: string, prefix: string): string | null {
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : null;
}

export function resolveRoute(path: string, policy: Policy): Route {
  if (path === STATUS_PATH) return { kind: 'status' };
  const { openai, anthropic } = policy.services;
  // Binance is not a plain key-injection service: it needs signing and default-deny rules first.
  const builtins = [
    { kind: 'openai', settings: openai, auth: { header: 'authorization', prefix: 'Bearer ' }, deadKey: OPENAI_DEAD_KEY },
    { kind: 'anthropic', settings: anthropic, auth: { header: 'x-api-key', prefix: '' }, deadKey: ANTHROPIC_DEAD_KEY },
  ] as const;
  for (const { kind, settings, auth, deadKey } of builtins) {
    const upstreamPath = splitPrefix(path, `/${kind}`);
    if (upstreamPath === null) continue;
    return {
      kind: 'service',
      target: { kind, service: kind, scopeName: kind, baseUrl: settings.baseUrl, upstreamPath, auth, rules: settings, rotation: settings.rotation, deadKey, upstreamProxy: settings.upstreamProxy, allowRanges: false },
    };
  }
  const custom = /^\/custom\/([a-z0-9-]{1,40})(\/.*)?$/.exec(path);
  const settings = custom ? policy.custom[custom[1]!] : undefined;
  if (custom && settings && Object.hasOwn(policy.custom, custom[1]!)) {
    return {
      kind: 'service',
      target: {
        kind: 'custom',
        service: settings.name,
        scopeName: `custom:${settings.name}`,
        baseUrl: settings.baseUrl,
        upstreamPath: custom[2] ?? '/',
        auth: { header: settings.authHeader.toLowerCase(), prefix: settings.authValuePrefix },
        rules: settings,
        rotation: settings.rotation,
        deadKey: settings.deadKey,
        upstreamProxy: settings.upstreamProxy,
        allowRanges: settings.allowRanges,
      },
    };
  }
  const binancePath = splitPrefix(path, '/binance');
  if (binancePath !== null) {
    const settings = policy.services.binance;
    return {
      kind: 'service',
      target: {
        kind: 'binance',
        service: 'binance',
        scopeName: 'binance',
        baseUrl: settings.baseUrl,
        upstreamPath: binancePath,
        // The API key travels as X-MBX-APIKEY and requests are signed: see native-host/src/binance.
        auth: { header: 'x-mbx-apikey', prefix: '' },
        rules: settings,
        rotation: settings.rotation,
        deadKey: NO_DEAD_KEY,
        upstreamProxy: settings.upstreamProxy,
        allowRanges: false,
      },
    };
  }
  return { kind: 'unknown' };
}

/** Parsed base URLs: the same few are split for every request. Cleared if a policy history grows it. */
const parsedBases = new Map<string, { origin: string; prefix: string }>();
const MAX_PARSED_BASES = 64;

/**
 * Where to send a call: the base URL's origin, and its path prefix (if any) followed by `path` and
 * the query. The base URL comes from policy (or a built-in default), never from the request.
 */
export function locateUpstream(baseUrl: string, path: string, query = ''): { origin: string; path: string } {
  let base = parsedBases.get(baseUrl);
  if (base === undefined) {
    const url = new URL(baseUrl);
    base = { origin: url.origin, prefix: url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname };
    if (parsedBases.size >= MAX_PARSED_BASES) parsedBases.clear();
    parsedBases.set(baseUrl, base);
  }
  return { origin: base.origin, path: `${base.prefix}${path}${query ? `?${query}` : ''}` };
}
