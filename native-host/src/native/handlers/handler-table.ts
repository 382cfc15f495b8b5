import type { Request, RequestMap, RequestType } from '../../../../shared/protocol';

/** One answering function per request type; the port has validated each request before it gets here. */
export type HandlerTable<T extends RequestType> = {
  [K in T]: (request: Request<K>) => RequestMap[K]['result'] | Promise<RequestMap[K]['result']>;
};
