/**
 * One audit line per request, whatever became of it: allowed, refused on purpose ("blocked") or
 * failed ("error"). Built from what the pipeline recorded in the RequestRecord; never a secret,
 * query or signature.
 */
import type { ErrorCode, KeygateError } from '../../../shared/errors';
import type { AuditRecord } from '../audit/audit-record';
import { auditTime } from '../audit/audit-time';
import type { Caller } from './caller-identity';
import { Refusal } from './refusal';

export interface ForwardMeter {
  credentialId: string | null;
  bytesIn: number;
  bytesOut: number;
}

/** What the pipeline learns about one request as it goes, for its audit line. */
export interface RequestRecord {
  requestId: string;
  /** Wall clock for the audit line, monotonic clock for the duration. */
  receivedAt: number;
  startedAt: number;
  method: string;
  caller: Caller | null;
  service: string | null;
  path: string;
  /** The status the agent was answered with (0 until the head went out). */
  status: number;
  meter: ForwardMeter;
  /** Facts for the audit line (e.g. a Binance order's value); never a secret. Null until a step has one (most requests never do). */
  detail: Record<string, string | number | boolean | null> | null;
}

/** Codes that are Keygate saying no on purpose (the audit's "blocked"), wherever they are raised. */
const POLICY_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ENDPOINT_BLOCKED',
  'SCOPE_DENIED',
  'RATE_LIMITED',
  'REQUEST_TOO_LARGE',
  'ORDER_VALUE_EXCEEDED',
  'DAILY_VOLUME_EXCEEDED',
  'ORDER_VALUE_UNKNOWN',
  'BINANCE_PARAMETER_DUPLICATE',
  'BINANCE_REQUEST_INVALID',
  'VAULT_LOCKED',
]);

export function auditRecord(record: RequestRecord, failure: KeygateError | null): AuditRecord {
  const reason = failure === null ? null : failure instanceof Refusal && failure.rule ? `${failure.code}: ${failure.rule}` : failure.code;
  const line: AuditRecord = {
    time: auditTime(record.receivedAt),
    requestId: record.requestId,
    agent: record.caller?.id ?? null,
    agentName: record.caller?.name ?? null,
    service: record.service,
    method: record.method,
    path: record.path,
    status: record.status,
    decision: failure === null ? 'allowed' : failure instanceof Refusal || POLICY_REFUSALS.has(failure.code) ? 'blocked' : 'error',
    reason,
    credentialId: record.meter.credentialId,
    durationMs: Math.round((performance.now() - record.startedAt) * 10) / 10,
    bytesIn: record.meter.bytesIn,
    bytesOut: record.meter.bytesOut,
  };
  if (record.detail !== null && Object.keys(record.detail).length > 0) line.detail = record.detail;
  return line;
}
