/** The two `agent create` options that need more than presence: --scopes and --expires. */
import { AGENT_SCOPES, isValidScope } from '../../../shared/agents/agent-keys';
import { usageError } from './command-io';

/** A date (`2026-12-31`, midnight UTC) or a date-time with a zone; Date.parse alone accepts too much. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `--expires`: absent means the key never expires. */
export function parseExpiry(text: string | undefined): number | null {
  if (text === undefined) return null;
  const time = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw usageError(`--expires must be an ISO 8601 date or date-time with a zone (2026-12-31 or 2026-12-31T18:00:00Z), not "${text}".`);
  return time;
}

/** `--scopes openai,custom:github`: every scope known, at least one. */
export function parseScopes(text: string): string[] {
  const scopes = text.split(',').map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes.filter((scope) => !isValidScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    const known = AGENT_SCOPES.map(({ scope }) => scope).join(', ');
    throw usageError(`${unknown.length > 0 ? `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}` : 'No scope given'}; --scopes takes a comma-separated list of: ${known}.`);
  }
  return scopes;
}
