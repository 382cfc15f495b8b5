/**
 * The vault's portable shape: what IndexedDB stores, what the export file holds and what the
 * headless host reads. Secrets appear only inside SealedBoxes; everything else is metadata.
 */
import { bytesToBase64Url } from './base64';
import type { SealedBox } from './envelope';
import type { KdfParams } from './kdf';

export const VAULT_FORMAT_VERSION = 1;
export const VAULT_EXPORT_FORMAT = 'keygate-vault';

export const CREDENTIAL_KINDS = ['api_key', 'binance_hmac', 'binance_ed25519', 'binance_rsa'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** Built-in services ('openai', 'anthropic', 'binance') and custom names share one pattern. */
export const SERVICE_PATTERN = /^[a-z0-9-]{1,40}$/;
/** 16+ random bytes, base64url without padding (22+ characters). */
const RECORD_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
const KEY_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Printable ASCII without spaces; what a scope means is the policy module's business. */
const SCOPE_PATTERN = /^[\x21-\x7e]{1,100}$/;
const MAX_SCOPES = 100;
const MAX_NAME_CHARS = 80;

/** A display name: 1-80 characters, not blank, no control characters (they would garble the UI). */
export function isDisplayName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.trim().length > 0 &&
    [...value].length <= MAX_NAME_CHARS &&
    !/\p{Cc}/u.test(value)
  );
}

export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_PATTERN.test(value);
}

/** 16 random bytes: unguessable and collision-free without coordination between contexts. */
export function newRecordId(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && RECORD_ID_PATTERN.test(value);
}

export function isKeyHash(value: unknown): value is string {
  return typeof value === 'string' && KEY_HASH_PATTERN.test(value);
}

export function isScopeList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_SCOPES &&
    value.every((scope) => typeof scope === 'string' && SCOPE_PATTERN.test(scope))
  );
}

export function isCredentialKind(value: unknown): value is CredentialKind {
  return typeof value === 'string' && (CREDENTIAL_KINDS as readonly string[]).includes(value);
}

export interface VaultMeta {
  formatVersion: typeof VAULT_FORMAT_VERSION;
  kdf: KdfParams;
  wrappedDataKey: SealedBox;
  createdAt: number;
}

export interface CredentialRecord {
  id: string;
  service: string;
  name: string;
  kind: CredentialKind;
  createdAt: number;
  lastUsedAt: number | null;
  /** Not secret: the key's prefix and last 4 (`sk-…a1b2`), computed when the secret was saved. */
  hint?: string;
  sealed: SealedBox;
}

/** What the popup may list: everything about a credential except its sealed secret. */
export type CredentialSummary = Omit<CredentialRecord, 'sealed'>;

export interface AgentKeyRecord {
  id: string;
  name: string;
  /** hex SHA-256 of the agent's `pk_` key; the key itself is shown once and never stored. */
  keyHash: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  enabled: boolean;
}

export interface VaultExport {
  format: typeof VAULT_EXPORT_FORMAT;
  formatVersion: typeof VAULT_FORMAT_VERSION;
  exportedAt: number;
  meta: VaultMeta;
  credentials: CredentialRecord[];
  agents: AgentKeyRecord[];
}
