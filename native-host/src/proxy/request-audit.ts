/**
 * One audit line per request, whatever became of it: allowed, refused on purpose ("blocked") or
 * failed ("error"). Built from what the pipeline recorded; never a secret, query or signature.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorBody, type KeygateError } from '../../../shared/errors';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { AuditRecord } from '../audit/audit-record';
import { agentPresentingValidKey } from './audit-attribution';
import type { ForwardMeter } from './forward-with-rotation';
import type { ProxyContext } from './proxy-context';
import { Refusal } from './refusal';

export interface RequestState {
  requestId: string;
  /** Wall clock for the audit line, monotonic clock for the duration. */
  receivedAt: number;
  startedAt: number;
  agent: AgentKeyRecord | null;
  service: string | null;
  path: string;
  meter: ForwardMeter;
  cors: Record<string, string>;
  /** Facts for the audit line (e.g. a Binance order's value); never a secret. */
  detail: Record<string, string | number | boolean | null>;
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

export function auditRecord(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, state: RequestState, failure: KeygateError | null): AuditRecord {
  const reason = failure === null ? null : failure instanceof Refusal && failure.rule ? `${failure.code}: ${failure.rule}` : failure.code;
  const agent = state.agent ?? agentPresentingValidKey(ctx, req);
  const record: AuditRecord = {
    time: new Date(state.receivedAt).toISOString(),
    requestId: state.requestId,
    agent: agent?.id ?? null,
    agentName: agent?.name ?? null,
    service: state.service,
    method: req.method ?? '',
    path: state.path,
    status: res.statusCode,
    decision: failure === null ? 'allowed' : failure instanceof Refusal || POLICY_REFUSALS.has(failure.code) ? 'blocked' : 'error',
    reason,
    credentialId: state.meter.credentialId,
    durationMs: Math.round((performance.now() - state.startedAt) * 10) / 10,
    bytesIn: state.meter.bytesIn,
    bytesOut: state.meter.bytesOut,
  };
  if (Object.keys(state.detail).length > 0) record.detail = state.detail;
  return record;
}

/**
 * Node's parser refuses some requests before any handler runs (a lower-case method, a broken
 * header). They still get a catalogue answer and an audit line: a refused attempt leaves a trace.
 */
export function answerMalformedRequest(ctx: ProxyContext, error: Error & { code?: string }, socket: Duplex): void {
  ctx.audit.append({
    time: new Date(ctx.now()).toISOString(),
    requestId: randomUUID(),
    agent: null,
    agentName: null,
    service: null,
    method: '',
    path: '(refused)',
    status: 400,
    decision: 'blocked',
    reason: `HTTP_REQUEST_MALFORMED: ${error.code ?? 'parse error'}`,
    credentialId: null,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
  });
  if (!socket.writable) return;
  const body = JSON.stringify({ error: errorBody('HTTP_REQUEST_MALFORMED') });
  socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
