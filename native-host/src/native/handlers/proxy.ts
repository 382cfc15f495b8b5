/** The options page's policy and agent keys reach the running proxy through these requests. */
import { parsePolicy, policyInvalidError } from '../../../../shared/policy/parse-policy';
import type { ProxyRuntime } from '../../proxy/proxy-runtime';
import type { HandlerTable } from './handler-table';

export function proxyHandlers(proxy: ProxyRuntime): HandlerTable<'policy.apply' | 'agents.sync'> {
  return {
    // Validated here again: the host never trusts that the page checked it. A bad policy is refused
    // whole and the running one stays.
    'policy.apply': async (request) => {
      const parsed = parsePolicy(request.toml);
      if (!parsed.ok) throw policyInvalidError(parsed.errors);
      return proxy.applyPolicy(parsed.policy);
    },
    'agents.sync': (request) => {
      proxy.replaceAgents(request.agents);
      return { count: request.agents.length };
    },
  };
}
