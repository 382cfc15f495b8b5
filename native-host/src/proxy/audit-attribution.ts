/**
 * Whose request a refusal was when the pipeline refused it before identifying the caller (a
 * non-canonical path, or a Host or Origin the HTTP front door does not accept). A valid agent key
 * names its agent on the audit line, so an agent probing spellings of a fund-moving endpoint is
 * recorded in full in the agents' file; a request with no valid key stays unauthenticated noise,
 * sampled in a file of its own.
 */
import type { AgentRequest } from './agent-exchange';
import { type Caller, identifyCaller } from './caller-identity';
import type { ProxyServices } from './proxy-services';

export function callerBehindRefusal(services: ProxyServices, request: AgentRequest): Caller | null {
  try {
    return identifyCaller(services, request.caller, request.headers);
  } catch {
    return null;
  }
}
