/**
 * The policy as the proxy uses it: every default filled in, every value checked. Built from the
 * TOML policy file (or the options page) by `parsePolicy`; the TOML keys are the snake_case forms of
 * these names.
 */

export interface EndpointPattern {
  /** Upper-case HTTP method, or '*' for any method. */
  method: string;
  /** Starts with '/'; each '*' matches one or more characters, '/' included. */
  path: string;
  /** The pattern as written, e.g. "DELETE /repos/*", for audit lines and error details. */
  source: string;
}

export interface RateLimit {
  /** Requests allowed per window (a token bucket of this size, refilled over the window). */
  limit: number;
  windowSeconds: number;
}

export type RotationMode = 'round_robin' | 'on_first_failed';

export interface EndpointRules {
  blockedEndpoints: EndpointPattern[];
  /** null = not set (everything not blocked passes); [] = deny all. */
  allowedEndpoints: EndpointPattern[] | null;
  rateLimit: RateLimit | null;
}

export interface BuiltinServicePolicy extends EndpointRules {
  baseUrl: string;
  rotation: RotationMode;
  /** null = use the global `[proxy] upstream_proxy` (or HTTPS_PROXY / NO_PROXY). */
  upstreamProxy: string | null;
}

/**
 * Which upstream answers mean "this key is dead", so the next credential is tried. Only 4xx
 * answers qualify: a 5xx may come after the upstream acted on the request.
 */
export interface DeadKeyRule {
  /** Statuses that mean a dead key whatever the body says (401 for most APIs). */
  statuses: number[];
  /** Codes that mean a dead key when a 4xx JSON body holds one, as a string, at one of `codeFields`. */
  codes: string[];
  /** Dotted paths into the JSON body, e.g. "error.code"; matched exactly, never searched for. */
  codeFields: string[];
}

export interface CustomServicePolicy extends EndpointRules {
  name: string;
  baseUrl: string;
  authHeader: string;
  authValuePrefix: string;
  /**
   * Whether agents' `Range` requests reach the upstream (and 206 answers reach them). Off by default:
   * slices of an answer that echoes the key rebuild it past the scrubber. For services serving files.
   */
  allowRanges: boolean;
  rotation: RotationMode;
  upstreamProxy: string | null;
  deadKey: DeadKeyRule;
}

export type BinanceEnvironment = 'mainnet' | 'testnet' | 'demo' | 'custom';

export interface BinancePolicy extends EndpointRules {
  environment: BinanceEnvironment;
  /** Resolved from `environment`, or the policy's `base_url` when given (required for 'custom'). */
  baseUrl: string;
  maxOrderValueUsd: number | null;
  dailyVolumeUsd: number | null;
  /** `DELETE /api/v3/openOrders` cancels every open order on a symbol; off unless the user opts in. */
  allowCancelAll: boolean;
  recvWindowMs: number;
  /** GET endpoints forwardable on top of the built-in spot list (read scope). */
  extraReadEndpoints: EndpointPattern[];
  rotation: RotationMode;
  upstreamProxy: string | null;
}

export interface ProxyPolicy {
  port: number;
  idleLockMinutes: number;
  /** Exact origins ("https://app.example.com") whose requests may reach the proxy. */
  allowedOrigins: string[];
  maxRequestBodyBytes: number;
  upstreamTimeoutSeconds: number;
  /** The global egress proxy; a service's own `upstream_proxy` wins over it. */
  upstreamProxy: string | null;
}

export interface Policy {
  proxy: ProxyPolicy;
  services: { openai: BuiltinServicePolicy; anthropic: BuiltinServicePolicy; binance: BinancePolicy };
  /** Keyed by service name ([a-z0-9-]{1,40}); a null-prototype object, so `custom.toString` is undefined. */
  custom: Record<string, CustomServicePolicy>;
}

export interface PolicyProblem {
  /** 1-based line of the key (or table) at fault; null when the file gives no place for it. */
  line: number | null;
  /** Dotted TOML path, e.g. "custom.github.rate_limit"; '' for the file as a whole (syntax, size). */
  field: string;
  message: string;
}

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyProblem[] };
