/**
 * Runtime validators for the vault's records. Each returns a fresh object built from the checked
 * fields only. Shape is checked here; cryptographic truth (KDF floor, authentication tags) is
 * checked where keys are derived and boxes opened. The export file's validator is in export-file.ts.
 */
import type { SealedBox } from './envelope';
import {
  type AgentKeyRecord,
  type CredentialRecord,
  type VaultMeta,
  isCredentialKind,
  isDisplayName,
  isKeyHash,
  isRecordId,
  isScopeList,
  isServiceName,
  VAULT_FORMAT_VERSION,
} from './format';
import { isCredentialHint } from './credential-hint';
import type { KdfParams } from './kdf';
import {
  fieldPath,
  is,
  isBase64,
  isBoolean,
  isInteger,
  isTime,
  isTimeOrNull,
  readField,
  readObject,
  readOrThrow,
} from './shape-reader';

function readSealedBox(value: unknown, path: string): SealedBox {
  const box = readObject(value, path, ['nonce', 'ciphertext']);
  return {
    nonce: readField(box, path, 'nonce', isBase64, 'base64 text'),
    ciphertext: readField(box, path, 'ciphertext', isBase64, 'base64 text'),
  };
}

function readKdfParams(value: unknown, path: string): KdfParams {
  const kdf = readObject(value, path, ['algorithm', 'memoryKiB', 'iterations', 'parallelism', 'salt']);
  return {
    algorithm: readField(kdf, path, 'algorithm', is('argon2id' as const), '"argon2id"'),
    memoryKiB: readField(kdf, path, 'memoryKiB', isInteger, 'an integer'),
    iterations: readField(kdf, path, 'iterations', isInteger, 'an integer'),
    parallelism: readField(kdf, path, 'parallelism', isInteger, 'an integer'),
    salt: readField(kdf, path, 'salt', isBase64, 'base64 text'),
  };
}

export function readFormatVersion(object: Record<string, unknown>, path: string): typeof VAULT_FORMAT_VERSION {
  return readField(object, path, 'formatVersion', is(VAULT_FORMAT_VERSION), `format version ${VAULT_FORMAT_VERSION}`);
}

export function readVaultMeta(value: unknown, path: string): VaultMeta {
  const meta = readObject(value, path, ['formatVersion', 'kdf', 'wrappedDataKey', 'createdAt']);
  return {
    formatVersion: readFormatVersion(meta, path),
    kdf: readKdfParams(meta.kdf, fieldPath(path, 'kdf')),
    wrappedDataKey: readSealedBox(meta.wrappedDataKey, fieldPath(path, 'wrappedDataKey')),
    createdAt: readField(meta, path, 'createdAt', isTime, 'a timestamp'),
  };
}

export function readCredentialRecord(value: unknown, path: string): CredentialRecord {
  const keys = ['id', 'service', 'name', 'kind', 'createdAt', 'lastUsedAt', 'hint', 'sealed'];
  const record = readObject(value, path, keys);
  // Records saved before hints existed have none; a hint, when present, is checked like any field.
  const hint = Object.hasOwn(record, 'hint') ? { hint: readField(record, path, 'hint', isCredentialHint, 'a key hint like "sk-…a1b2"') } : {};
  return {
    id: readField(record, path, 'id', isRecordId, 'a record id'),
    service: readField(record, path, 'service', isServiceName, 'a service name ([a-z0-9-]{1,40})'),
    name: readField(record, path, 'name', isDisplayName, 'a name of 1-80 characters'),
    kind: readField(record, path, 'kind', isCredentialKind, 'a known credential kind'),
    createdAt: readField(record, path, 'createdAt', isTime, 'a timestamp'),
    lastUsedAt: readField(record, path, 'lastUsedAt', isTimeOrNull, 'a timestamp or null'),
    ...hint,
    sealed: readSealedBox(record.sealed, fieldPath(path, 'sealed')),
  };
}

export function readAgentKeyRecord(value: unknown, path: string): AgentKeyRecord {
  const record = readObject(value, path, ['id', 'name', 'keyHash', 'scopes', 'createdAt', 'expiresAt', 'enabled']);
  return {
    id: readField(record, path, 'id', isRecordId, 'a record id'),
    name: readField(record, path, 'name', isDisplayName, 'a name of 1-80 characters'),
    keyHash: readField(record, path, 'keyHash', isKeyHash, 'a hex SHA-256'),
    scopes: [...readField(record, path, 'scopes', isScopeList, 'a list of scopes')],
    createdAt: readField(record, path, 'createdAt', isTime, 'a timestamp'),
    expiresAt: readField(record, path, 'expiresAt', isTimeOrNull, 'a timestamp or null'),
    enabled: readField(record, path, 'enabled', isBoolean, 'true or false'),
  };
}

/** For stored data (IndexedDB, a message from the other side): a wrong field → VAULT_CORRUPT. */
export function validateVaultMeta(value: unknown): VaultMeta {
  return readOrThrow('VAULT_CORRUPT', () => readVaultMeta(value, 'meta'));
}

export function validateCredentialRecord(value: unknown): CredentialRecord {
  return readOrThrow('VAULT_CORRUPT', () => readCredentialRecord(value, 'credential'));
}

export function validateAgentKeyRecord(value: unknown): AgentKeyRecord {
  return readOrThrow('VAULT_CORRUPT', () => readAgentKeyRecord(value, 'agent'));
}
