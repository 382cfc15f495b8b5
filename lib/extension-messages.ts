/**
 * Messages between the extension's own pages (popup, options) and its background worker, with
 * their validators. Only extension pages can send these (`runtime.onMessage`, never
 * `onMessageExternal`, and the sender's URL must be the extension's own).
 */
import type { ErrorBody } from '../shared/errors';
import { CREDENTIAL_KINDS } from '../shared/vault/format';
import { isPlainObject, type Schema, schemaViolations } from '../shared/validate';
import type { HostState } from './host-link/host-state';
import type { VaultState } from './session/vault-state';

export const STATE_PORT_NAME = 'keygate-state';

/** Host requests a page may forward through the background; the vault ones stay background-only. */
export const PAGE_FORWARDABLE_REQUESTS = ['status', 'ping', 'diagnostics.payload'] as const;

export const PAGE_MESSAGE_SCHEMAS = {
  'state.get': {},
  'host.retry': {},
  'host.request': { request: { oneOf: PAGE_FORWARDABLE_REQUESTS }, params: 'object' },
  'vault.create': { password: 'string' },
  'vault.unlock': { password: 'string' },
  'vault.lock': {},
  'vault.changePassword': { oldPassword: 'string', newPassword: 'string' },
  'vault.credentials.list': {},
  'vault.credentials.add': { service: 'string', name: 'string', kind: { oneOf: CREDENTIAL_KINDS }, secret: 'string' },
  'vault.credentials.delete': { id: 'string' },
  'vault.export': {},
  'vault.import': { file: 'object', password: 'string' },
} as const satisfies Record<string, Schema>;

export type PageMessageType = keyof typeof PAGE_MESSAGE_SCHEMAS;

export type PageReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export interface AppState {
  host: HostState;
  vault: VaultState;
}

export interface AppStateMessage {
  type: 'state';
  state: AppState;
}

export type PageMessage = { type: PageMessageType } & Record<string, unknown>;

export function isPageMessage(value: unknown): value is PageMessage {
  if (!isPlainObject(value) || typeof value.type !== 'string' || !Object.hasOwn(PAGE_MESSAGE_SCHEMAS, value.type)) return false;
  return schemaViolations(value, PAGE_MESSAGE_SCHEMAS[value.type as PageMessageType]).length === 0;
}
