import type { ErrorCode } from '../../../shared/errors';
import type { AgentHeaders } from './agent-exchange';

/**
 * The agent's `pk_` key, from `Authorization: Bearer pk_…` (the OpenAI SDK) or `x-api-key: pk_…`
 * (the Anthropic SDK), so SDKs work unchanged with their base URL pointed at Keygate.
 */
export function presentedAgentKey(headers: AgentHeaders): { ok: true; key: string } | { ok: false; code: ErrorCode } {
  const authorization = headers.authorization;
  // Node keeps one Authorization header; a list (from the bridge) is as ambiguous as two keys.
  if (Array.isArray(authorization)) return { ok: false, code: 'AGENT_KEY_INVALID' };
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const apiKey = headers['x-api-key'];
  const candidates = [bearer, typeof apiKey === 'string' ? apiKey.trim() : undefined].filter((value): value is string => Boolean(value));
  if (candidates.length === 0) return authorization === undefined ? { ok: false, code: 'AGENT_KEY_MISSING' } : { ok: false, code: 'AGENT_KEY_INVALID' };
  // Two different keys in one request is ambiguous: refuse rather than pick one.
  if (new Set(candidates).size > 1) return { ok: false, code: 'AGENT_KEY_INVALID' };
  return { ok: true, key: candidates[0]! };
}
