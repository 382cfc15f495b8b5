import { browser } from 'wxt/browser';
import { type ErrorBody, KeygateError } from '../../shared/errors';
import type { PageMessageType, PageReply } from '../extension-messages';

/** An error the background answered with; `body` is the catalogue entry to show the user. */
export class BackgroundError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

/** Asks the background to do something; resolves with its result or throws a BackgroundError. */
export async function callBackground<T = unknown>(type: PageMessageType, fields: Record<string, unknown> = {}): Promise<T> {
  const reply = (await browser.runtime.sendMessage({ ...fields, type })) as PageReply<T> | undefined;
  if (reply === undefined) throw new BackgroundError({ code: 'INTERNAL_ERROR', message: 'The background did not answer.' });
  if (!reply.ok) throw new BackgroundError(reply.error);
  return reply.result;
}

export function errorOf(error: unknown): ErrorBody {
  if (error instanceof KeygateError) return error.toBody();
  return error instanceof BackgroundError ? error.body : { code: 'INTERNAL_ERROR', message: String(error) };
}
