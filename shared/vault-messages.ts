/**
 * The vault part of the native protocol (shared/protocol.ts composes it with the rest): how the
 * extension hands the unlocked vault to the host, edits it and locks it, and the event the host
 * sends when it locks on its own. Credentials cross the port sealed; only `vault.unlock` carries a
 * key, the data key, which the host keeps in a wipeable buffer (DESIGN.md, "Key custody at runtime").
 */
import type { ErrorCode } from './errors';
import { type CredentialRecord, isRecordId, VAULT_FORMAT_VERSION } from './vault/format';
import { validateCredentialRecord } from './vault/format-validators';
import type { Schema } from './validate';

/** The extension's idle-lock setting arrives in minutes; a day is the longest the host holds a key unused. */
export const MAX_IDLE_LOCK_MINUTES = 24 * 60;

/**
 * Canonical padded base64 of exactly 32 bytes: 43 characters and one '='. The last character
 * carries 2 unused bits that must be zero, so only every fourth letter may end it. Checking the text
 * (not decoding it) keeps the validator from making a copy of the key it would then have to wipe.
 */
const DATA_KEY_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export function isDataKeyBase64(value: unknown): value is string {
  return typeof value === 'string' && DATA_KEY_BASE64.test(value);
}

/** The vault's own record validator, as a yes/no for the schema (its throw names the field, not the value). */
export function isCredentialRecord(value: unknown): value is CredentialRecord {
  try {
    validateCredentialRecord(value);
    return true;
  } catch {
    return false;
  }
}

/** Ids bind each sealed secret to its record, so a list with a repeated id is refused, not merged. */
export function isCredentialRecordList(value: unknown): value is CredentialRecord[] {
  if (!Array.isArray(value) || !value.every(isCredentialRecord)) return false;
  return new Set(value.map((record) => record.id)).size === value.length;
}

export const VAULT_REQUEST_SCHEMAS = {
  'vault.unlock': {
    dataKey: { check: isDataKeyBase64, expected: 'base64 of 32 bytes' },
    formatVersion: { integer: true, min: VAULT_FORMAT_VERSION, max: VAULT_FORMAT_VERSION },
    credentials: { check: isCredentialRecordList, expected: 'credential records with unique ids' },
    idleLockMinutes: { integer: true, min: 1, max: MAX_IDLE_LOCK_MINUTES },
  },
  'vault.lock': {},
  'vault.credentials.put': { record: { check: isCredentialRecord, expected: 'a credential record' } },
  // Not `id`: that field is the message id every request carries.
  'vault.credentials.delete': { credentialId: { check: isRecordId, expected: 'a record id' } },
} as const satisfies Record<string, Schema>;

/** Whether a sealed record opened under the data key; the plaintext itself never leaves the host. */
export type CredentialCheck = { id: string; ok: true } | { id: string; ok: false; error: ErrorCode };

export interface VaultStatus {
  state: 'locked' | 'unlocked';
  credentialCount: number;
  unlockedAt: number | null;
}

export interface VaultRequestMap {
  'vault.unlock': {
    params: {
      dataKey: string;
      formatVersion: typeof VAULT_FORMAT_VERSION;
      credentials: CredentialRecord[];
      idleLockMinutes: number;
    };
    result: { credentials: CredentialCheck[] };
  };
  'vault.lock': { params: Record<string, never>; result: { locked: true } };
  'vault.credentials.put': { params: { record: CredentialRecord }; result: CredentialCheck };
  'vault.credentials.delete': { params: { credentialId: string }; result: { deleted: boolean } };
}

export const VAULT_LOCKED_REASONS = ['idle', 'request'] as const;

export const VAULT_EVENT_SCHEMAS = {
  'vault.locked': { reason: { oneOf: VAULT_LOCKED_REASONS } },
} as const satisfies Record<string, Schema>;

export interface VaultEventMap {
  'vault.locked': { reason: (typeof VAULT_LOCKED_REASONS)[number] };
}
