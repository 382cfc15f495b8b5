import type { ErrorBody } from '../../shared/errors';

/** What the popup shows about the native host. */
export type HostState =
  | { status: 'connecting'; attempt: number }
  | { status: 'connected'; version: string; pid: number; capabilities: string[]; connectedAt: number }
  | { status: 'unavailable'; error: ErrorBody; attempt: number; retryAt: number };

/** Exponential back-off between reconnect attempts, capped; attempt counts from 1. */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
