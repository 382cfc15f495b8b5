/**
 * The proxy part of the native protocol (shared/protocol.ts composes it): the options page's policy
 * and agent keys reach the host, and the host reports its listener and credential use.
 */
import { type ErrorBody, isErrorBody } from './errors';
import { isRecordId, type AgentKeyRecord } from './vault/format';
import { validateAgentKeyRecord } from './vault/format-validators';
import { MAX_POLICY_CHARS } from './policy/parse-policy';
import { isPlainObject, type Schema, schemaViolations } from './validate';


export function isAgentKeyRecordList(value: unknown): value is AgentKeyRecord[] {
  if (!Array.isArray(value)) return false;
  try {
    value.forEach((record) => validateAgentKeyRecord(record));
  } catch {
    return false;
  }
  return new Set(value.map((record: AgentKeyRecord) => record.id)).size === value.length;
}

const isPolicyText = (value: unknown) => typeof value === 'string' && value.length <= MAX_POLICY_CHARS;

export const PROXY_REQUEST_SCHEMAS = {
  'policy.apply': { toml: { check: isPolicyText, expected: `policy TOML of at most ${MAX_POLICY_CHARS} characters` } },
  'agents.sync': { agents: { check: isAgentKeyRecordList, expected: 'agent key records with unique ids' } },
} as const satisfies Record<string, Schema>;

export interface ProxyStatus {
  listening: boolean;
  /** The real port (the policy may say 0 for "any free port"). */
  port: number | null;
  error: ErrorBody | null;
}

export interface ProxyRequestMap {
  'policy.apply': { params: { toml: string }; result: ProxyStatus };
  'agents.sync': { params: { agents: AgentKeyRecord[] }; result: { count: number } };
}

/** What Binance says a stored key may do; Keygate warns loudly about keys that can move funds out. */
export interface BinanceKeyRestrictions {
  credentialId: string;
  checkedAt: number;
  canWithdraw: boolean;
  canTransfer: boolean;
  /** Set when Binance could not be asked (the flags are then false and unknown). */
  error: ErrorBody | null;
}

/** How a stored credential has fared upstream (never the secret); rotation tries a failing one last. */
export interface CredentialHealth {
  credentialId: string;
  /** Dead-key answers in a row (401, a dead-key body code; never a plain 403); 0 once it worked again. */
  failures: number;
  lastFailure: { at: number; reason: string } | null;
  /** Until when rotation tries it only after the service's other keys (ms since the epoch). */
  coolingUntil: number | null;
}

const isErrorBodyOrNull = (value: unknown) => value === null || isErrorBody(value);
const isTimeOrNull = (value: unknown) => value === null || (Number.isSafeInteger(value) && (value as number) >= 0);
const FAILURE_SCHEMA: Schema = { at: { integer: true, min: 0 }, reason: { check: (value) => typeof value === 'string' && value.length <= 200, expected: 'a short text' } };
const isFailureOrNull = (value: unknown) => value === null || (isPlainObject(value) && schemaViolations(value, FAILURE_SCHEMA).length === 0);

export const PROXY_EVENT_SCHEMAS = {
  'credential.used': { credentialId: { check: isRecordId, expected: 'a record id' }, at: { integer: true, min: 0 } },
  'binance.restrictions': {
    credentialId: { check: isRecordId, expected: 'a record id' },
    checkedAt: { integer: true, min: 0 },
    canWithdraw: 'boolean',
    canTransfer: 'boolean',
    error: { check: isErrorBodyOrNull, expected: 'an error body or null' },
  },
  'credential.health': {
    credentialId: { check: isRecordId, expected: 'a record id' },
    failures: { integer: true, min: 0 },
    lastFailure: { check: isFailureOrNull, expected: '{at, reason} or null' },
    coolingUntil: { check: isTimeOrNull, expected: 'a time or null' },
  },
} as const satisfies Record<string, Schema>;

export interface ProxyEventMap {
  /** Sent at most once a minute per credential, so the extension can show "last used". */
  'credential.used': { credentialId: string; at: number };
  'binance.restrictions': BinanceKeyRestrictions;
  /** Sent whenever a credential's health changes (a refusal, or the first success after some). */
  'credential.health': CredentialHealth;
}
