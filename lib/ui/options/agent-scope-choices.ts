import { AGENT_SCOPES } from '../../../shared/agents/agent-keys';
import { parsePolicy } from '../../../shared/policy/parse-policy';

export interface ScopeChoice {
  scope: string;
  description: string;
}

const CUSTOM_TEMPLATE = AGENT_SCOPES.find(({ scope }) => scope === 'custom:NAME')!.description;

/**
 * The scopes a new agent key can get: the built-in ones, then `custom:NAME` for each `[custom.NAME]`
 * in the active policy (a scope for a service the proxy does not route would grant nothing).
 */
export function scopeChoices(activePolicyToml: string): ScopeChoice[] {
  const parsed = parsePolicy(activePolicyToml);
  const customNames = parsed.ok ? Object.keys(parsed.policy.custom).sort() : [];
  return [
    ...AGENT_SCOPES.filter(({ scope }) => !scope.startsWith('custom:')),
    ...customNames.map((name) => ({ scope: `custom:${name}`, description: CUSTOM_TEMPLATE.replaceAll('NAME', name) })),
  ];
}
