/**
 * Messages between the extension's own pages (popup, options) and its background worker.
 * Only extension pages can send these (`runtime.onMessage`, never `onMessageExternal`).
 */
import type { ErrorBody } from '../shared/errors';
import type { RequestMap } from '../shared/protocol';
import { isPlainObject } from '../shared/validate';
import type { HostState } from './host-link/host-state';

export const POPUP_PORT_NAME = 'keygate-popup';

/** Host requests a page may forward through the background; the rest stay background-only. */
export const PAGE_FORWARDABLE_REQUESTS = ['status', 'ping', 'diagnostics.payload'] as const;
export type PageForwardableRequest = (typeof PAGE_FORWARDABLE_REQUESTS)[number];

export type PageMessage =
  | { type: 'host.retry' }
  | { type: 'host.getState' }
  | { type: 'host.request'; request: PageForwardableRequest; params: RequestMap[PageForwardableRequest]['params'] };

export type PageReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export interface HostStateMessage {
  type: 'host.state';
  state: HostState;
}

export function isPageMessage(value: unknown): value is PageMessage {
  if (!isPlainObject(value)) return false;
  if (value.type === 'host.retry' || value.type === 'host.getState') return true;
  return (
    value.type === 'host.request' &&
    (PAGE_FORWARDABLE_REQUESTS as readonly unknown[]).includes(value.request) &&
    isPlainObject(value.params)
  );
}
