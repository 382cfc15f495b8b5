/**
 * The first admission step: who is calling. An HTTP agent presents a `pk_` key; a browser agent
 * arrives with the grant the extension established. Both become one Caller with scopes, so every
 * later step (scope, endpoint rules, rate limits, Binance caps) treats them alike.
 */
import { type GrantRecord, grantIdentity } from '../../../shared/grants/grant-record';
import { presentedAgentKey } from './agent-key-header';
import type { CallerClaim, AgentHeaders } from './agent-exchange';
import type { ProxyServices } from './proxy-services';
import { Refusal } from './refusal';

export interface Caller {
  /** The audit line's agent: the key record's id, or `site:ORIGIN` / `extension:ID` for a grant. */
  id: string;
  name: string;
  scopes: readonly string[];
  expiresAt: number | null;
}

/** A grant as the caller its audit lines name (`site:ORIGIN`, `extension:ID`). */
export function grantCaller(grant: GrantRecord): Caller {
  const identity = grantIdentity(grant);
  return { id: identity, name: identity, scopes: grant.scopes, expiresAt: grant.expiresAt };
}

export function identifyCaller(services: ProxyServices, claim: CallerClaim, headers: AgentHeaders): Caller {
  if (claim.kind === 'grant') {
    const found = services.grants.lookup(claim.grantId, services.now());
    if (!found.ok) throw new Refusal(found.code);
    return grantCaller(found.grant);
  }
  const presented = presentedAgentKey(headers);
  if (!presented.ok) throw new Refusal(presented.code);
  const result = services.agents.authenticate(presented.key, services.now(), claim.connection);
  if (!result.ok) throw new Refusal(result.code, result.reason === 'unknown' || result.reason === 'malformed' ? undefined : `The key is ${result.reason}.`);
  const { id, name, scopes, expiresAt } = result.agent;
  return { id, name, scopes, expiresAt };
}
