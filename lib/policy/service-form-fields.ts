/**
 * The fields of each Services form, in the order the page shows them, with the default each key
 * falls back to (from the shared policy defaults, so the page shows what is really in force).
 */
import {
  BINANCE_BASE_URLS,
  BUILTIN_BASE_URLS,
  DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
  DEFAULT_ROTATION,
  defaultPolicy,
} from '../../shared/policy/policy-defaults';
import type { FieldSpec, SectionPath } from './policy-form';

const DEFAULTS = defaultPolicy();
const ROTATION_MODES = ['on_first_failed', 'round_robin'] as const;

const ROUTING_FIELDS: FieldSpec[] = [
  {
    key: 'rotation',
    label: 'Key rotation',
    kind: 'choice',
    choices: ROTATION_MODES,
    inForce: DEFAULT_ROTATION,
    help: 'on_first_failed sticks to one key until the service refuses it; round_robin spreads calls over every key.',
  },
  { key: 'upstream_proxy', label: 'Egress proxy', kind: 'text', inForce: 'the global [proxy] upstream_proxy, else HTTPS_PROXY / NO_PROXY', help: 'http://, https:// or socks5:// URL.' },
];

const RULE_FIELDS: FieldSpec[] = [
  { key: 'rate_limit', label: 'Rate limit (requests per window)', kind: 'integer', inForce: 'no limit' },
  { key: 'rate_limit_window_seconds', label: 'Rate limit window (seconds)', kind: 'integer', inForce: `${DEFAULT_RATE_LIMIT_WINDOW_SECONDS} seconds` },
  { key: 'blocked_endpoints', label: 'Blocked endpoints', kind: 'list', inForce: 'none blocked', help: '"METHOD /path", * matches one or more characters ("DELETE /repos/*").' },
  { key: 'allowed_endpoints', label: 'Allowed endpoints only', kind: 'optional-list', inForce: 'every endpoint not blocked', help: 'When set, anything not listed is refused.' },
];

function builtinFields(baseUrl: string): FieldSpec[] {
  return [{ key: 'base_url', label: 'Base URL', kind: 'text', inForce: baseUrl }, ...ROUTING_FIELDS, ...RULE_FIELDS];
}

export const OPENAI_FIELDS = builtinFields(BUILTIN_BASE_URLS.openai);
export const ANTHROPIC_FIELDS = builtinFields(BUILTIN_BASE_URLS.anthropic);

const binance = DEFAULTS.services.binance;

export const BINANCE_FIELDS: FieldSpec[] = [
  { key: 'environment', label: 'Environment', kind: 'choice', choices: ['mainnet', 'testnet', 'demo', 'custom'], inForce: binance.environment },
  {
    key: 'base_url',
    label: 'Base URL',
    kind: 'text',
    inForce: "the environment's URL",
    help: `${Object.entries(BINANCE_BASE_URLS).map(([name, url]) => `${name}: ${url}`).join(', ')}. Required when the environment is custom.`,
  },
  { key: 'max_order_value_usd', label: 'Max order value (USD)', kind: 'amount', inForce: 'no cap' },
  { key: 'daily_volume_usd', label: 'Daily volume cap (USD)', kind: 'amount', inForce: 'no cap' },
  { key: 'allow_cancel_all', label: 'Allow cancel-all (DELETE /api/v3/openOrders)', kind: 'boolean', inForce: String(binance.allowCancelAll) },
  { key: 'recv_window', label: 'recvWindow (ms)', kind: 'integer', inForce: `${binance.recvWindowMs} ms` },
  { key: 'extra_read_endpoints', label: 'Extra read endpoints (GET)', kind: 'list', inForce: 'only the built-in spot list' },
  ...ROUTING_FIELDS,
  ...RULE_FIELDS,
];

export const CUSTOM_FIELDS: FieldSpec[] = [
  { key: 'base_url', label: 'Base URL', kind: 'text', inForce: 'required' },
  { key: 'auth_header', label: 'Auth header', kind: 'text', inForce: 'required', help: 'The header the key goes in, e.g. Authorization or x-api-key.' },
  { key: 'auth_value_prefix', label: 'Auth value prefix', kind: 'text', inForce: 'none (the key alone)', help: 'Written before the key, e.g. "Bearer ".' },
  ...ROUTING_FIELDS,
  ...RULE_FIELDS,
];

export const PROXY_FIELDS: FieldSpec[] = [
  { key: 'port', label: 'Port', kind: 'integer', inForce: String(DEFAULTS.proxy.port), help: '0 = any free port.' },
  { key: 'upstream_proxy', label: 'Egress proxy for every service', kind: 'text', inForce: 'HTTPS_PROXY / NO_PROXY from the environment' },
  { key: 'upstream_timeout_seconds', label: 'Upstream timeout (seconds)', kind: 'integer', inForce: `${DEFAULTS.proxy.upstreamTimeoutSeconds} seconds` },
  { key: 'max_request_body_bytes', label: 'Largest request body (bytes)', kind: 'integer', inForce: `${DEFAULTS.proxy.maxRequestBodyBytes} bytes` },
  { key: 'allowed_origins', label: 'Allowed browser origins', kind: 'list', inForce: 'none (browser pages cannot call the proxy)' },
  { key: 'idle_lock_minutes', label: 'Lock after idle (minutes)', kind: 'integer', inForce: `${DEFAULTS.proxy.idleLockMinutes} minutes` },
];

export interface ServiceFormSpec {
  id: string;
  title: string;
  path: SectionPath;
  fields: FieldSpec[];
}

/** The built-in forms; each `[custom.NAME]` in the document adds one more. */
export const BUILTIN_FORMS: ServiceFormSpec[] = [
  { id: 'openai', title: 'OpenAI', path: ['services', 'openai'], fields: OPENAI_FIELDS },
  { id: 'anthropic', title: 'Anthropic', path: ['services', 'anthropic'], fields: ANTHROPIC_FIELDS },
  { id: 'binance', title: 'Binance', path: ['services', 'binance'], fields: BINANCE_FIELDS },
];

export const PROXY_FORM: ServiceFormSpec = { id: 'proxy', title: 'Proxy (all services)', path: ['proxy'], fields: PROXY_FIELDS };

export function customForm(name: string): ServiceFormSpec {
  return { id: `custom-${name}`, title: `${name} (custom API)`, path: ['custom', name], fields: CUSTOM_FIELDS };
}

/** A new custom API's starting section: where it is and how its key is sent. */
export function newCustomSection(baseUrl: string, authHeader: string, authValuePrefix: string): Record<string, string> {
  return authValuePrefix === '' ? { base_url: baseUrl, auth_header: authHeader } : { base_url: baseUrl, auth_header: authHeader, auth_value_prefix: authValuePrefix };
}
