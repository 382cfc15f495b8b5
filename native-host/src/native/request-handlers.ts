/** Composes each area's handlers into the one function the native port calls for every request. */
import type { Request, RequestType } from '../../../shared/protocol';
import type { BridgeRequests } from '../bridge/bridge-requests';
import type { ProxyRuntime } from '../proxy/proxy-runtime';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { Caller } from './caller';
import { bridgeHandlers } from './handlers/bridge';
import { diagnosticsHandlers } from './handlers/diagnostics';
import type { HandlerTable } from './handlers/handler-table';
import { hostInfoHandlers } from './handlers/host-info';
import { proxyHandlers } from './handlers/proxy';
import { vaultHandlers } from './handlers/vault';

export interface HandlerContext {
  caller: Caller;
  startedAt: number;
  now: () => number;
  vault: VaultKeeper;
  proxy: ProxyRuntime;
  bridge: BridgeRequests;
}

export function createRequestHandler(context: HandlerContext): (request: Request) => unknown {
  const { caller, startedAt, now, vault, proxy, bridge } = context;
  const handlers: HandlerTable<RequestType> = {
    ...hostInfoHandlers({ caller, startedAt, now, vaultStatus: () => vault.snapshot(), proxyStatus: () => proxy.status() }),
    ...diagnosticsHandlers(),
    ...vaultHandlers(vault),
    ...proxyHandlers(proxy),
    ...bridgeHandlers(proxy, bridge),
  };
  return (request) => (handlers[request.type] as (request: Request) => unknown)(request);
}
