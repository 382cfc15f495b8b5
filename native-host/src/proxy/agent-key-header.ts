import type { ErrorCode } from '../../../shared/errors';
import type { AgentHeaders } from './agent-exchange';

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * The agent's `pk_` key, from `Authorization: Bearer pk_…` (the OpenAI SDK) or `x-api-key: pk_…`
 * (the Anthropic SDK), so SDKs work unchanged with their base URL pointed at Keygate.
 */
export function presentedAgentKey(headers: AgentHeaders): { ok: true; key: string } | { ok: false; code: ErrorCode } {
  const authorization = headers.authorization;
  // Node keeps one Authorization header; a list (from the bridge) is as ambiguous as two keys.
  if (Array.isArray(authorization)) return { ok: false, code: 'AGENT_KEY_INVALID' };
  const bearer = authorization === undefined ? '' : (BEARER.exec(authorization)?.[1] ?? '');
  const apiKeyField = headers['x-api-key'];
  const apiKey = typeof apiKeyField === 'string' ? apiKeyField.trim() : '';
  if (bearer === '' && apiKey === '') return authorization === undefined ? { ok: false, code: 'AGENT_KEY_MISSING' } : { ok: false, code: 'AGENT_KEY_INVALID' };
  // Two different keys in one request is ambiguous: refuse rather than pick one.
  if (bearer !== '' && apiKey !== '' && bearer !== apiKey) return { ok: false, code: 'AGENT_KEY_INVALID' };
  return { ok: true, key: bearer === '' ? apiKey : bearer };
}
