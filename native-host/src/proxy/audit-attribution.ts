/**
 * Whose request a refusal was when the pipeline refused it before authenticating (a non-canonical
 * path, a Host or Origin it does not accept). A valid agent key names its agent on the audit line, so
 * an agent probing spellings of a fund-moving endpoint is recorded in full in the agents' file; a
 * request with no valid key stays unauthenticated noise, sampled in a file of its own.
 */
import type { IncomingMessage } from 'node:http';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { presentedAgentKey } from './agent-key-header';
import type { ProxyContext } from './proxy-context';

export function agentPresentingValidKey(ctx: ProxyContext, req: IncomingMessage): AgentKeyRecord | null {
  const presented = presentedAgentKey(req);
  if (!presented.ok) return null;
  const result = ctx.agents.authenticate(presented.key, ctx.now());
  return result.ok ? result.agent : null;
}
