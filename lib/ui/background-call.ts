/** How a page asks the background for something, typed by the page request map. */
import { browser } from 'wxt/browser';
import { type ErrorBody, KeygateError } from '../../shared/errors';
import type { RequestMap } from '../../shared/protocol';
import type { PageForwardableRequest, PageMessageType, PageReply, PageRequestMap } from '../extension-messages';

/** An error the background answered with; `body` is the catalogue entry to show the user. */
export class BackgroundError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

type Params<T extends PageMessageType> = PageRequestMap[T]['params'];
/** Messages without fields may be sent without the fields argument. */
type ParamsArgument<T extends PageMessageType> = Record<string, never> extends Params<T> ? [fields?: Params<T>] : [fields: Params<T>];

/** Asks the background to do something; resolves with its result or throws a BackgroundError. */
export async function callBackground<T extends PageMessageType>(type: T, ...[fields]: ParamsArgument<T>): Promise<PageRequestMap[T]['result']> {
  const reply = (await browser.runtime.sendMessage({ ...fields, type })) as PageReply<PageRequestMap[T]['result']> | undefined;
  if (reply === undefined) throw new BackgroundError({ code: 'INTERNAL_ERROR', message: 'The background did not answer.' });
  if (!reply.ok) throw new BackgroundError(reply.error);
  return reply.result;
}

/** A read-only host request, through the background (which validates it with the host's own schema). */
export async function callHost<R extends PageForwardableRequest>(request: R, params: RequestMap[R]['params']): Promise<RequestMap[R]['result']> {
  // The background answers `host.request` with the host's reply to exactly this request type.
  return (await callBackground('host.request', { request, params: { ...params } })) as RequestMap[R]['result'];
}

export function errorOf(error: unknown): ErrorBody {
  if (error instanceof KeygateError) return error.toBody();
  return error instanceof BackgroundError ? error.body : { code: 'INTERNAL_ERROR', message: String(error) };
}
