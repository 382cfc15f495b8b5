/**
 * Who relies on a credential: the proxy route that injects it and the agent keys whose scopes reach
 * that route. Credentials are chosen by service name, so this is all a rename or a replacement of
 * the secret leaves untouched.
 */
import { scopeAllows } from '../../../shared/agents/agent-keys';
import type { AgentKeyRecord } from '../../../shared/vault/format';

const BUILTIN_SERVICES = ['openai', 'anthropic', 'binance'];

export interface CredentialUsers {
  /** The route agents call, e.g. `/openai/*` or `/custom/github/*`. */
  route: string;
  /** False for a custom service the active policy does not define: nothing can use the key yet. */
  routed: boolean;
  agents: AgentKeyRecord[];
}

export function credentialUsers(service: string, agents: readonly AgentKeyRecord[], customServices: readonly string[]): CredentialUsers {
  const builtin = BUILTIN_SERVICES.includes(service);
  const scopeService = builtin ? service : `custom:${service}`;
  // Binance's read scope is the least an agent needs to reach the key at all.
  const access = service === 'binance' ? 'read' : 'use';
  return {
    route: builtin ? `/${service}/*` : `/custom/${service}/*`,
    routed: builtin || customServices.includes(service),
    agents: agents.filter((agent) => scopeAllows(agent.scopes, scopeService, access)),
  };
}
