import { KEYGATE_VERSION } from '../../../shared/identity';
import type { Request, RequestMap, RequestType } from '../../../shared/protocol';
import type { Caller } from './caller';

export const HOST_CAPABILITIES = ['hello', 'status', 'ping', 'diagnostics.payload', 'chunked-replies'];

interface HandlerContext {
  caller: Caller;
  startedAt: number;
  now: () => number;
}

type Handlers = { [T in RequestType]: (request: Request<T>) => RequestMap[T]['result'] };

/** Answers each native request type; one function per type, all pure but for the clock. */
export function createRequestHandler(context: HandlerContext): (request: Request) => unknown {
  const handlers: Handlers = {
    hello: () => ({ version: KEYGATE_VERSION, capabilities: HOST_CAPABILITIES, pid: process.pid }),
    status: () => ({
      version: KEYGATE_VERSION,
      pid: process.pid,
      uptimeMs: context.now() - context.startedAt,
      caller: context.caller.extensionId,
    }),
    ping: () => ({ receivedAt: context.now() }),
    // Lets the benchmark and tests push a large reply through the chunking path.
    'diagnostics.payload': (request) => ({ data: 'x'.repeat(request.bytes) }),
  };
  return (request) => (handlers[request.type] as (request: Request) => unknown)(request);
}
