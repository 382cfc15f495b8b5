import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../../../shared/errors';

/**
 * The agent's `pk_` key, from `Authorization: Bearer pk_…` (the OpenAI SDK) or `x-api-key: pk_…`
 * (the Anthropic SDK), so SDKs work unchanged with their base URL pointed at Keygate.
 */
export function presentedAgentKey(req: IncomingMessage): { ok: true; key: string } | { ok: false; code: ErrorCode } {
  const authorization = req.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const apiKey = req.headers['x-api-key'];
  const candidates = [bearer, typeof apiKey === 'string' ? apiKey.trim() : undefined].filter((value): value is string => Boolean(value));
  if (candidates.length === 0) return authorization === undefined ? { ok: false, code: 'AGENT_KEY_MISSING' } : { ok: false, code: 'AGENT_KEY_INVALID' };
  // Two different keys in one request is ambiguous: refuse rather than pick one.
  if (new Set(candidates).size > 1) return { ok: false, code: 'AGENT_KEY_INVALID' };
  return { ok: true, key: candidates[0]! };
}
