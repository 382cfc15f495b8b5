/** Browser agents: grants reach the running proxy, and bridged requests go to the pipeline's second front door. */
import type { BridgeRequests } from '../../bridge/bridge-requests';
import type { ProxyRuntime } from '../../proxy/proxy-runtime';
import type { HandlerTable } from './handler-table';

export function bridgeHandlers(proxy: ProxyRuntime, bridge: BridgeRequests): HandlerTable<'grants.sync' | 'proxy.request' | 'proxy.body' | 'proxy.credit' | 'proxy.cancel' | 'proxy.refused'> {
  return {
    'grants.sync': (request) => {
      bridge.endWithdrawn(proxy.replaceGrants(request.grants));
      return { count: request.grants.length };
    },
    'proxy.request': (request) => bridge.start(request),
    'proxy.body': (request) => bridge.body(request),
    'proxy.credit': (request) => bridge.credit(request),
    'proxy.cancel': (request) => bridge.cancel(request),
    'proxy.refused': (request) => bridge.refusedInBrowser(request),
  };
}
