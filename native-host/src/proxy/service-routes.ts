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

/**
 * The key-injection built-ins, made once rather than for every request. Binance is not one of them:
 * it needs signing and default-deny rules first.
 */
const BUILTINS = [
  { kind: 'openai', prefix: '/openai', auth: Object.freeze({ header: 'authorization', prefix: 'Bearer ' }), deadKey: OPENAI_DEAD_KEY },
  { kind: 'anthropic', prefix: '/anthropic', auth: Object.freeze({ header: 'x-api-key', prefix: '' }), deadKey: ANTHROPIC_DEAD_KEY },
] as const;

export function resolveRoute(path: string, policy: Policy): Route {
  if (path === STATUS_PATH) return { kind: 'status' };
  for (const { kind, prefix, auth, deadKey } of BUILTINS) {
    const upstreamPath = splitPrefix(path, prefix);
    if (upstreamPath === null) continue;
    const settings = policy.services[kind];
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
