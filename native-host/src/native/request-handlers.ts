/** Composes each area's handlers into the one function the native port calls for every request. */
import { join } from 'node:path';
import type { Request, RequestType } from '../../../shared/protocol';
import { BINANCE_LEDGER_FILE, type ProxyRuntime } from '../proxy/proxy-runtime';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { Caller } from './caller';
import { auditHandlers } from './handlers/audit';
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
  /** Where the audit files and the Binance ledger live. */
  dataDir: string;
  log: (line: string) => void;
}

export function createRequestHandler(context: HandlerContext): (request: Request) => unknown {
  const { caller, startedAt, now, vault, proxy, dataDir, log } = context;
  const handlers: HandlerTable<RequestType> = {
    ...hostInfoHandlers({ caller, startedAt, now, vaultStatus: () => vault.snapshot(), proxyStatus: () => proxy.status() }),
    ...diagnosticsHandlers(),
    ...vaultHandlers(vault),
    ...proxyHandlers(proxy),
    ...auditHandlers({ directory: dataDir, ledgerPath: join(dataDir, BINANCE_LEDGER_FILE), dailyVolumeCapUsd: () => proxy.policy.services.binance.dailyVolumeUsd, now, log }),
  };
  return (request) => (handlers[request.type] as (request: Request) => unknown)(request);
}
