/** What the Activity filters offer: the services the policy routes, and every agent key and grant seen. */
import type { AuditRecord } from '../../../../shared/audit-messages';
import { parsePolicy } from '../../../../shared/policy/parse-policy';
import type { AgentKeyRecord } from '../../../../shared/vault/format';
import { isGrantIdentity } from './audit-line-format';

export interface Choice {
  value: string;
  label: string;
}

/** The names the audit log gives services: the built-in ones and each custom API by its bare name. */
export function auditServiceChoices(policyToml: string): string[] {
  const parsed = parsePolicy(policyToml);
  const custom = parsed.ok ? Object.keys(parsed.policy.custom).sort() : [];
  return ['openai', 'anthropic', 'binance', ...custom];
}

/** Agent keys by name, then the grants (`site:…`, `extension:…`) that appear in the lines loaded so far. */
export function agentChoices(agents: readonly AgentKeyRecord[], records: readonly AuditRecord[]): Choice[] {
  const keys = [...agents].sort((a, b) => a.name.localeCompare(b.name)).map((agent) => ({ value: agent.id, label: agent.name }));
  const grants = [...new Set(records.map((record) => record.agent).filter((agent): agent is string => agent !== null && isGrantIdentity(agent)))].sort();
  return [...keys, ...grants.map((grant) => ({ value: grant, label: grant }))];
}
