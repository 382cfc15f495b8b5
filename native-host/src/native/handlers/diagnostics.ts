import type { HandlerTable } from './handler-table';

/** Lets the benchmark and tests push a large reply through the chunking path. */
export function diagnosticsHandlers(): HandlerTable<'diagnostics.payload'> {
  return {
    'diagnostics.payload': (request) => ({ data: 'x'.repeat(request.bytes) }),
  };
}
