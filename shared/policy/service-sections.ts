/**
 * `[services.openai]`, `[services.anthropic]`, `[services.binance]` and `[custom.NAME]`: where each
 * upstream is, how its keys rotate, which endpoints and how many requests agents get.
 */
import { isServiceName } from '../vault/format';
import {
  booleanValue,
  endpointPattern,
  getEndpointPattern,
  integerIn,
  Invalid,
  oneOf,
  positiveAmount,
  stringWith,
} from './policy-checks';
import { BINANCE_BASE_URLS, DEFAULT_CUSTOM_DEAD_KEY, DEFAULT_RATE_LIMIT_WINDOW_SECONDS, DEFAULT_ROTATION, POLICY_BOUNDS } from './policy-defaults';
import type { PolicyReader, TableReader } from './policy-reader';
import type {
  BinanceEnvironment,
  BinancePolicy,
  BuiltinServicePolicy,
  CustomServicePolicy,
  DeadKeyRule,
  EndpointRules,
  RateLimit,
  RotationMode,
} from './policy-types';
import { baseUrl, upstreamProxyUrl } from './policy-urls';

const RULE_KEYS = ['blocked_endpoints', 'allowed_endpoints', 'rate_limit', 'rate_limit_window_seconds'];
export const BUILTIN_SERVICE_KEYS = ['base_url', 'rotation', 'upstream_proxy', ...RULE_KEYS];
export const BINANCE_KEYS = [
  'environment',
  ...BUILTIN_SERVICE_KEYS,
  'max_order_value_usd',
  'daily_volume_usd',
  'allow_cancel_all',
  'recv_window',
  'extra_read_endpoints',
];
const DEAD_KEY_KEYS = ['dead_key_statuses', 'dead_key_codes', 'dead_key_code_fields'];
const CUSTOM_KEYS = ['base_url', 'auth_header', 'auth_value_prefix', 'rotation', 'upstream_proxy', 'allow_ranges', ...RULE_KEYS, ...DEAD_KEY_KEYS];

const ROTATION_MODES: readonly RotationMode[] = ['round_robin', 'on_first_failed'];
const BINANCE_ENVIRONMENTS: readonly BinanceEnvironment[] = ['mainnet', 'testnet', 'demo', 'custom'];

/** A window without a limit would be a no-op the user did not mean, so it is reported. */
function readRateLimit(table: TableReader): RateLimit | null {
  const limit = table.value('rate_limit', integerIn(POLICY_BOUNDS.rateLimit), null);
  const windowSeconds = table.value('rate_limit_window_seconds', integerIn(POLICY_BOUNDS.rateLimitWindowSeconds), null);
  if (table.has('rate_limit_window_seconds') && !table.has('rate_limit')) {
    table.report('rate_limit', 'is required when rate_limit_window_seconds is set', 'rate_limit_window_seconds');
  }
  if (limit === null) return null;
  return { limit, windowSeconds: windowSeconds ?? DEFAULT_RATE_LIMIT_WINDOW_SECONDS };
}

function readEndpointRules(table: TableReader): EndpointRules {
  return {
    blockedEndpoints: table.list('blocked_endpoints', endpointPattern) ?? [],
    allowedEndpoints: table.list('allowed_endpoints', endpointPattern),
    rateLimit: readRateLimit(table),
  };
}

function readRouting(table: TableReader, defaults: { rotation: RotationMode }) {
  return {
    rotation: table.value('rotation', oneOf(ROTATION_MODES), defaults.rotation),
    upstreamProxy: table.value('upstream_proxy', upstreamProxyUrl, null),
  };
}

export function readBuiltinService(table: TableReader, defaults: BuiltinServicePolicy): BuiltinServicePolicy {
  return {
    baseUrl: table.value('base_url', baseUrl, defaults.baseUrl),
    ...readRouting(table, defaults),
    ...readEndpointRules(table),
  };
}

export function readBinance(table: TableReader, defaults: BinancePolicy): BinancePolicy {
  const environment = table.value('environment', oneOf(BINANCE_ENVIRONMENTS), defaults.environment);
  if (environment === 'custom' && !table.has('base_url')) {
    table.report('base_url', 'is required when environment = "custom"', 'environment');
  }
  const environmentUrl = environment === 'custom' ? defaults.baseUrl : BINANCE_BASE_URLS[environment];
  return {
    environment,
    baseUrl: table.value('base_url', baseUrl, environmentUrl),
    maxOrderValueUsd: table.value('max_order_value_usd', positiveAmount, defaults.maxOrderValueUsd),
    dailyVolumeUsd: table.value('daily_volume_usd', positiveAmount, defaults.dailyVolumeUsd),
    allowCancelAll: table.value('allow_cancel_all', booleanValue, defaults.allowCancelAll),
    recvWindowMs: table.value('recv_window', integerIn(POLICY_BOUNDS.recvWindowMs), defaults.recvWindowMs),
    extraReadEndpoints: table.list('extra_read_endpoints', getEndpointPattern) ?? [],
    ...readRouting(table, defaults),
    ...readEndpointRules(table),
  };
}

/** Headers the proxy itself manages, or that would break framing or routing if an agent's key set them. */
const RESERVED_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
];
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

const authHeader = stringWith('a header name string', (text) => {
  if (!HEADER_TOKEN.test(text)) return new Invalid('must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-, up to 100)');
  if (RESERVED_HEADERS.includes(text.toLowerCase())) return new Invalid(`cannot be ${JSON.stringify(text)}: the proxy manages that header`);
  return text;
});

/** Printable ASCII only: a CR or LF here would let the value inject headers. */
const authValuePrefix = stringWith('a string', (text) =>
  /^[\x20-\x7e]{0,200}$/.test(text) ? text : new Invalid('must be up to 200 printable ASCII characters (no line breaks)'),
);

/** A dead key is refused before the request is acted on; that is what a 4xx can say and a 5xx cannot. */
const deadKeyStatus = integerIn({ min: 400, max: 499 });

const deadKeyCode = stringWith('a string', (text) =>
  /^[\x20-\x7e]{1,100}$/.test(text) ? text : new Invalid('must be 1-100 printable ASCII characters'),
);

const deadKeyCodeField = stringWith('a dotted JSON path like "error.code"', (text) =>
  /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/.test(text) ? text : new Invalid('must be a dotted JSON path like "error.code" (names of letters, digits, _ and -)'),
);

/** Codes without a field to read them from would never match: reported, like a window without a limit. */
function readDeadKeyRule(table: TableReader): DeadKeyRule {
  const codeFields = table.list('dead_key_code_fields', deadKeyCodeField) ?? DEFAULT_CUSTOM_DEAD_KEY.codeFields;
  if (table.has('dead_key_codes') && codeFields.length === 0) table.report('dead_key_code_fields', 'must name at least one field when dead_key_codes is set', 'dead_key_codes');
  return {
    statuses: table.list('dead_key_statuses', deadKeyStatus) ?? [...DEFAULT_CUSTOM_DEAD_KEY.statuses],
    codes: table.list('dead_key_codes', deadKeyCode) ?? [...DEFAULT_CUSTOM_DEAD_KEY.codes],
    codeFields: [...codeFields],
  };
}

function readCustomService(name: string, table: TableReader): CustomServicePolicy {
  return {
    name,
    baseUrl: table.required('base_url', baseUrl, ''),
    authHeader: table.required('auth_header', authHeader, ''),
    authValuePrefix: table.value('auth_value_prefix', authValuePrefix, ''),
    allowRanges: table.value('allow_ranges', booleanValue, false),
    ...readRouting(table, { rotation: DEFAULT_ROTATION }),
    ...readEndpointRules(table),
    deadKey: readDeadKeyRule(table),
  };
}

/** Names of the [services.*] tables; custom services may not reuse them. */
const BUILTIN_SERVICE_NAMES = ['openai', 'anthropic', 'binance'] as const;

/**
 * Names TOML parsing refuses as table keys (they would reach JavaScript's built-in objects), so no
 * policy can hold a custom service by that name.
 */
const RESERVED_KEY_NAMES: readonly string[] = ['constructor', 'prototype'];

/** Why `name` cannot name a custom service, or null when it can (the options page asks too). */
export function customServiceNameProblem(name: string): string | null {
  if (!isServiceName(name)) return 'a custom service name must be 1-40 characters a-z, 0-9 or "-"';
  // Credentials are stored under the service name, so a custom service cannot take a built-in's.
  if ((BUILTIN_SERVICE_NAMES as readonly string[]).includes(name)) return `"${name}" is a built-in service; configure it under [services.${name}]`;
  if (RESERVED_KEY_NAMES.includes(name)) return `"${name}" is reserved; choose another name`;
  return null;
}

export function readCustomServices(reader: PolicyReader, value: unknown): Record<string, CustomServicePolicy> {
  // Null prototype: a request for /custom/constructor/ must not find Object.prototype.constructor.
  const services = Object.create(null) as Record<string, CustomServicePolicy>;
  for (const [name, settings] of reader.namedTables(['custom'], value)) {
    const problem = customServiceNameProblem(name);
    if (problem !== null) reader.report(['custom', name], problem);
    const service = readCustomService(name, reader.table(['custom', name], settings, CUSTOM_KEYS));
    if (problem === null) services[name] = service;
  }
  return services;
}
