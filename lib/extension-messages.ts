/**
 * Messages between the extension's own pages (popup, options) and its background worker, with
 * their validators. Only extension pages can send these (`runtime.onMessage`, never
 * `onMessageExternal`, and the sender's URL must be the extension's own).
 */
import type { ErrorBody } from '../shared/errors';
import type { ProxyStatus } from '../shared/protocol';
import type { BinanceKeyRestrictions, CredentialHealth } from '../shared/proxy-messages';
import { CREDENTIAL_KINDS } from '../shared/vault/format';
import { isPlainObject, type Schema, schemaViolations } from '../shared/validate';
import { GRANT_MESSAGE_SCHEMAS } from './grants/grant-messages';
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
  'policy.get': {},
  'policy.apply': { toml: 'string' },
  'agents.list': {},
  'agents.create': {
    name: 'string',
    scopes: { check: (value: unknown) => Array.isArray(value) && value.every((scope) => typeof scope === 'string'), expected: 'a list of scopes' },
    expiresAt: { check: (value: unknown) => value === null || Number.isSafeInteger(value), expected: 'a time in ms, or null' },
  },
  'agents.setEnabled': { agentId: 'string', enabled: 'boolean' },
  'agents.delete': { agentId: 'string' },
  ...GRANT_MESSAGE_SCHEMAS,
} as const satisfies Record<string, Schema>;

export type PageMessageType = keyof typeof PAGE_MESSAGE_SCHEMAS;

export type PageReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorBody };

export interface AppState {
  host: HostState;
  vault: VaultState;
  /** The host's proxy listener, once the host has the policy; null while the host is away. */
  proxy: ProxyStatus | null;
  /** Binance keys as Binance describes them; a key that can withdraw or transfer gets a warning. */
  binanceKeys: BinanceKeyRestrictions[];
  /** Credentials the upstream refused lately, as the host's rotation sees them. */
  credentialHealth: CredentialHealth[];
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
