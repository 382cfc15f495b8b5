/**
 * Agent keys (`pk_…`) and their scopes. The options page mints keys and the native host checks them,
 * so this module uses only Web Crypto and runs unchanged in the browser and in Node 20. A key is shown
 * once; the vault keeps only its SHA-256, which is safe because the key is 256 random bits, not a
 * password (nothing to brute-force, so no slow KDF is needed).
 */
import { bytesToBase64Url } from '../vault/base64';

export const AGENT_KEY_PREFIX = 'pk_';
const AGENT_KEY_RANDOM_BYTES = 32;
/**
 * `pk_` + unpadded base64url of 32 bytes: 43 characters, the last carrying 2 unused bits that must be
 * zero. Only one spelling per key exists, so a look-alike never reaches the hash comparison.
 */
const AGENT_KEY_TEXT = 'pk_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]';
const AGENT_KEY_PATTERN = new RegExp(`^${AGENT_KEY_TEXT}$`);
const AGENT_KEY_INSIDE = new RegExp(AGENT_KEY_TEXT);

const CUSTOM_SCOPE_PATTERN = /^custom:[a-z0-9-]{1,40}$/;

/** What each scope lets an agent do; the options page shows these next to the checkboxes. */
export const AGENT_SCOPES = [
  { scope: 'openai', description: 'Call the OpenAI API through /openai/*.' },
  { scope: 'anthropic', description: 'Call the Anthropic API through /anthropic/*.' },
  { scope: 'custom:NAME', description: 'Call the custom service NAME through /custom/NAME/*.' },
  { scope: 'binance:read', description: 'Read Binance market data and account state (GET requests).' },
  { scope: 'binance:trade', description: 'Place and cancel Binance spot orders; includes binance:read.' },
] as const;

export type AgentAccess = 'read' | 'trade' | 'use';

export async function hashAgentKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export async function generateAgentKey(): Promise<{ key: string; keyHash: string }> {
  const key = AGENT_KEY_PREFIX + bytesToBase64Url(crypto.getRandomValues(new Uint8Array(AGENT_KEY_RANDOM_BYTES)));
  return { key, keyHash: await hashAgentKey(key) };
}

export function looksLikeAgentKey(value: string): boolean {
  return AGENT_KEY_PATTERN.test(value);
}

/** Whether an agent key appears anywhere in the text (a header value, say), whatever surrounds it. */
export function containsAgentKey(text: string): boolean {
  return text.includes(AGENT_KEY_PREFIX) && AGENT_KEY_INSIDE.test(text);
}

export function isValidScope(scope: unknown): scope is string {
  return (
    typeof scope === 'string' &&
    (scope === 'openai' ||
      scope === 'anthropic' ||
      scope === 'binance:read' ||
      scope === 'binance:trade' ||
      CUSTOM_SCOPE_PATTERN.test(scope))
  );
}

/**
 * `service` is the route's service: 'openai', 'anthropic', 'binance' or 'custom:NAME' (a custom
 * service may share a built-in's name, so it is never named bare). Binance is asked for 'read' or
 * 'trade'; every other service for 'use'. Any other combination is refused.
 */
export function scopeAllows(scopes: readonly string[], service: string, access: AgentAccess): boolean {
  if (service === 'binance') {
    if (access === 'read') return scopes.includes('binance:read') || scopes.includes('binance:trade');
    if (access === 'trade') return scopes.includes('binance:trade');
    return false;
  }
  const usable = service === 'openai' || service === 'anthropic' || CUSTOM_SCOPE_PATTERN.test(service);
  return usable && access === 'use' && scopes.includes(service);
}
