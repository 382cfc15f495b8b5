/** What the extension asks to know the host is alive and which host it is talking to. */
import { KEYGATE_VERSION } from '../../../../shared/identity';
import { type ProxyStatus, REQUEST_SCHEMAS, type VaultStatus } from '../../../../shared/protocol';
import type { Caller } from '../caller';
import type { HandlerTable } from './handler-table';

/** Every request type the host answers, plus the features that are not request types. */
export const HOST_CAPABILITIES = [...Object.keys(REQUEST_SCHEMAS), 'chunked-replies'];

export interface HostInfoContext {
  caller: Caller;
  startedAt: number;
  now: () => number;
  vaultStatus: () => VaultStatus;
  proxyStatus: () => ProxyStatus;
}

export function hostInfoHandlers(context: HostInfoContext): HandlerTable<'hello' | 'status' | 'ping'> {
  return {
    hello: () => ({ version: KEYGATE_VERSION, capabilities: HOST_CAPABILITIES, pid: process.pid }),
    status: () => ({
      version: KEYGATE_VERSION,
      pid: process.pid,
      uptimeMs: context.now() - context.startedAt,
      caller: context.caller.extensionId,
      vault: context.vaultStatus(),
      proxy: context.proxyStatus(),
    }),
    ping: () => ({ receivedAt: context.now() }),
  };
}
