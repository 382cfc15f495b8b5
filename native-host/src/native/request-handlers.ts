/** Composes each area's handlers into the one function the native port calls for every request. */
import type { Request, RequestType } from '../../../shared/protocol';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { Caller } from './caller';
import { diagnosticsHandlers } from './handlers/diagnostics';
import type { HandlerTable } from './handlers/handler-table';
import { hostInfoHandlers } from './handlers/host-info';
import { vaultHandlers } from './handlers/vault';

export interface HandlerContext {
  caller: Caller;
  startedAt: number;
  now: () => number;
  vault: VaultKeeper;
}

export function createRequestHandler(context: HandlerContext): (request: Request) => unknown {
  const { caller, startedAt, now, vault } = context;
  const handlers: HandlerTable<RequestType> = {
    ...hostInfoHandlers({ caller, startedAt, now, vaultStatus: () => vault.snapshot() }),
    ...diagnosticsHandlers(),
    ...vaultHandlers(vault),
  };
  return (request) => (handlers[request.type] as (request: Request) => unknown)(request);
}
