/**
 * Messages between the extension's own pages (popup, options) and its background worker: one typed
 * request map (what each message carries and what it answers, like shared/protocol.ts's RequestMap
 * for the native port) and the runtime schemas that check them. Only extension pages can send these
 * (`runtime.onMessage`, never `onMessageExternal`, and the sender's URL must be the extension's own).
 */
import type { ErrorBody } from '../shared/errors';
import type { GrantRecord } from '../shared/grants/grant-record';
import type { ProxyStatus, RequestMap } from '../shared/protocol';
import type { BinanceKeyRestrictions, CredentialHealth } from '../shared/proxy-messages';
import type { VaultExport } from '../shared/vault/format';
import { type AgentKeyRecord, CREDENTIAL_KINDS, type CredentialKind, type CredentialSummary } from '../shared/vault/format';
import { isPlainObject, type Schema, schemaViolations } from '../shared/validate';
import type { ExtensionAsk } from './grants/extension-asks';
import type { GrantChange, NewGrantInput } from './grants/grant-service';
import type { HostState } from './host-link/host-state';
import type { StoredPolicy } from './policy/policy-store';
import type { CredentialView } from './session/vault-session';
import type { VaultState } from './session/vault-state';

export const STATE_PORT_NAME = 'keygate-state';

/**
 * Host requests a page may forward through the background: read-only ones (the audit holds no
 * secret); the vault ones stay background-only.
 */
export const PAGE_FORWARDABLE_REQUESTS = ['status', 'ping', 'diagnostics.payload', 'audit.query', 'audit.stats'] as const;
export type PageForwardableRequest = (typeof PAGE_FORWARDABLE_REQUESTS)[number];

/** An agent key as created or regenerated: the `pk_` key is returned this once and never stored. */
export interface IssuedAgentKey {
  key: string;
  record: AgentKeyRecord;
}

export interface AgentKeyChanges {
  name: string;
  scopes: string[];
  expiresAt: number | null;
}

export interface GrantListing {
  grants: GrantRecord[];
  /** Extensions that called without a grant lately (newest first). */
  asks: ExtensionAsk[];
  /** Site grants whose access the user removed in the browser's settings (ids): kept, but unusable until given again. */
  withoutSiteAccess: string[];
}

type NoParams = Record<string, never>;

/** Every page → background message: its fields, and what the background answers. */
export interface PageRequestMap {
  'state.get': { params: NoParams; result: AppState };
  'host.retry': { params: NoParams; result: null };
  'host.request': { params: { request: PageForwardableRequest; params: Record<string, unknown> }; result: RequestMap[PageForwardableRequest]['result'] };
  'vault.create': { params: { password: string }; result: null };
  'vault.unlock': { params: { password: string }; result: null };
  'vault.lock': { params: NoParams; result: null };
  'vault.changePassword': { params: { oldPassword: string; newPassword: string }; result: null };
  'vault.credentials.list': { params: NoParams; result: CredentialView[] };
  'vault.credentials.add': { params: { service: string; name: string; kind: CredentialKind; secret: string }; result: CredentialSummary };
  'vault.credentials.rename': { params: { id: string; name: string }; result: CredentialSummary };
  'vault.credentials.replaceSecret': { params: { id: string; secret: string }; result: CredentialSummary };
  'vault.credentials.delete': { params: { id: string }; result: null };
  'vault.export': { params: NoParams; result: VaultExport };
  'vault.import': { params: { file: Record<string, unknown>; password: string }; result: null };
  'policy.get': { params: NoParams; result: StoredPolicy & { proxy: ProxyStatus | null } };
  'policy.apply': { params: { toml: string }; result: ProxyStatus | null };
  'agents.list': { params: NoParams; result: AgentKeyRecord[] };
  'agents.create': { params: AgentKeyChanges; result: IssuedAgentKey };
  'agents.update': { params: AgentKeyChanges & { agentId: string }; result: AgentKeyRecord };
  'agents.regenerate': { params: { agentId: string }; result: IssuedAgentKey };
  'agents.setEnabled': { params: { agentId: string; enabled: boolean }; result: AgentKeyRecord };
  'agents.delete': { params: { agentId: string }; result: null };
  /** Sites & extensions (options) and "Allow this site" (popup): who may use Keygate from inside the browser. */
  'grants.list': { params: NoParams; result: GrantListing };
  'grants.create': { params: NewGrantInput; result: GrantRecord };
  'grants.update': { params: GrantChange & { grantId: string }; result: GrantRecord };
  'grants.revoke': { params: { grantId: string }; result: null };
  /** After the browser gave a site access again (the user's click → `permissions.request`): re-apply the grants. */
  'grants.recheckSiteAccess': { params: NoParams; result: null };
  /** The panic button: every agent key and every site/extension grant, gone at once. */
  'access.revokeAll': { params: NoParams; result: { agentKeys: number; grants: number } };
}

export type PageMessageType = keyof PageRequestMap;

const isScopeArray = { check: (value: unknown) => Array.isArray(value) && value.every((scope) => typeof scope === 'string'), expected: 'a list of scopes' };
const isExpiry = { check: (value: unknown) => value === null || Number.isSafeInteger(value), expected: 'a time in ms, or null' };

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
  'vault.credentials.rename': { id: 'string', name: 'string' },
  'vault.credentials.replaceSecret': { id: 'string', secret: 'string' },
  'vault.credentials.delete': { id: 'string' },
  'vault.export': {},
  'vault.import': { file: 'object', password: 'string' },
  'policy.get': {},
  'policy.apply': { toml: 'string' },
  'agents.list': {},
  'agents.create': { name: 'string', scopes: isScopeArray, expiresAt: isExpiry },
  'agents.update': { agentId: 'string', name: 'string', scopes: isScopeArray, expiresAt: isExpiry },
  'agents.regenerate': { agentId: 'string' },
  'agents.setEnabled': { agentId: 'string', enabled: 'boolean' },
  'agents.delete': { agentId: 'string' },
  'grants.list': {},
  'grants.create': { kind: { oneOf: ['site', 'extension'] }, subject: 'string', scopes: isScopeArray, expiresAt: isExpiry },
  'grants.update': { grantId: 'string', scopes: { optional: isScopeArray }, expiresAt: { optional: isExpiry }, enabled: { optional: 'boolean' } },
  'grants.revoke': { grantId: 'string' },
  'grants.recheckSiteAccess': {},
  'access.revokeAll': {},
} as const satisfies { [T in PageMessageType]: Schema };

/** A message of one type, or (distributed over the union) any message, so `switch (type)` narrows. */
export type PageMessage<T extends PageMessageType = PageMessageType> = T extends PageMessageType ? { type: T } & PageRequestMap[T]['params'] : never;

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
  /** Moves whenever the host reports a credential used, so open lists refresh their "last used". */
  lastCredentialUseAt: number | null;
}

export interface AppStateMessage {
  type: 'state';
  state: AppState;
}

function isPageMessageType(value: unknown): value is PageMessageType {
  return typeof value === 'string' && Object.hasOwn(PAGE_MESSAGE_SCHEMAS, value);
}

export function isPageMessage(value: unknown): value is PageMessage {
  if (!isPlainObject(value) || !isPageMessageType(value.type)) return false;
  return schemaViolations(value, PAGE_MESSAGE_SCHEMAS[value.type]).length === 0;
}
