/**
 * The audit part of the native protocol (shared/protocol.ts composes it): the options page asks the
 * host for audit lines (`audit.query`, Activity) and aggregates (`audit.stats`, Overview). Pages never
 * read the audit files themselves. An audit line holds no secret, signature or query string.
 */
import type { Schema } from './validate';

export type AuditDecision = 'allowed' | 'blocked' | 'error';
export const AUDIT_DECISIONS: readonly AuditDecision[] = ['allowed', 'blocked', 'error'];

/** One audit line, as written to the file and as `audit.query` returns it. */
export interface AuditRecord {
  /** ISO 8601. */
  time: string;
  requestId: string;
  /** Agent record id, or a grant identity (`site:ORIGIN`); null when the request was not authenticated. */
  agent: string | null;
  agentName: string | null;
  service: string | null;
  method: string;
  /** Path only, never a query string: Binance signatures and some providers' keys travel there. */
  path: string;
  status: number;
  decision: AuditDecision;
  /** Error code or rule, e.g. "ENDPOINT_BLOCKED: DELETE /repos/*". */
  reason: string | null;
  credentialId: string | null;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  /** Computed facts such as an order's value; never secrets. */
  detail?: Record<string, string | number | boolean | null>;
}

/** Which file series a query reads: agents' requests, or those refused before an agent was known. */
export type AuditSource = 'agents' | 'unauthenticated';
export const AUDIT_SOURCES: readonly AuditSource[] = ['agents', 'unauthenticated'];

export const MAX_AUDIT_PAGE_LINES = 200;
export const DEFAULT_AUDIT_PAGE_LINES = 50;
export const MAX_AUDIT_FILTER_CHARS = 200;
/** An `audit.stats` window holds at most this many buckets (92 days of hours). */
export const MAX_AUDIT_STATS_BUCKETS = 92 * 24;

export interface AuditQueryParams {
  source?: AuditSource;
  /** Inclusive bounds on the line's time, ms since the epoch. */
  since?: number;
  until?: number;
  /** An agent record id or a grant identity such as `site:https://app.example`. */
  agent?: string;
  service?: string;
  decision?: AuditDecision;
  /** A catalogue code: lines whose reason is that code (with or without its rule). */
  code?: string;
  status?: number;
  /** Case-sensitive text the path contains. */
  text?: string;
  limit?: number;
  /** From the previous page's reply: continues below its last line, whatever was written since. */
  cursor?: string;
}

export interface AuditQueryResult {
  /** Newest first. */
  records: AuditRecord[];
  /** Null when no older line is left. */
  cursor: string | null;
}

export type AuditBucketSize = 'hour' | 'day';

export interface AuditStatsParams {
  since: number;
  until: number;
  bucket: AuditBucketSize;
}

export interface AuditStatsBucket {
  /** Start of the bucket, ms since the epoch (UTC hours and days). */
  start: number;
  requests: number;
  /** Requests per service; `(none)` for lines that never reached one. */
  byService: Record<string, number>;
  /** Refusals (decision "blocked") per catalogue code. */
  refusals: Record<string, number>;
  /** Failures (decision "error") per catalogue code. */
  errors: Record<string, number>;
  /** Null in a bucket without requests. */
  p50Ms: number | null;
  p95Ms: number | null;
  bytesIn: number;
  bytesOut: number;
}

export interface AuditAgentCount {
  agent: string;
  agentName: string | null;
  requests: number;
  refusals: number;
  errors: number;
}

export interface BinanceVolumeUse {
  /** UTC day, e.g. "2026-11-25". */
  day: string;
  usedUsd: number;
  /** The policy's `daily_volume_usd`; null when no cap is set. */
  capUsd: number | null;
}

export interface AuditStatsResult {
  since: number;
  until: number;
  bucket: AuditBucketSize;
  /** Oldest first, one per hour or day of the window, empty ones included. */
  buckets: AuditStatsBucket[];
  /** Most requests first. */
  agents: AuditAgentCount[];
  /** Requests refused before an agent was known, per code, counted ones included. */
  unauthenticatedRefusals: Record<string, number>;
  /** Null when the ledger cannot be read (the reason is on the host's stderr). */
  binanceVolume: BinanceVolumeUse | null;
}

const isShortText = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= MAX_AUDIT_FILTER_CHARS;
const optionalText = { optional: { check: isShortText, expected: `1 to ${MAX_AUDIT_FILTER_CHARS} characters` } } as const;
const isCursor = (value: unknown) => typeof value === 'string' && /^[A-Za-z0-9_-]{1,400}$/.test(value);
const time = { integer: true, min: 0 } as const;

export const AUDIT_REQUEST_SCHEMAS = {
  'audit.query': {
    source: { optional: { oneOf: AUDIT_SOURCES } },
    since: { optional: time },
    until: { optional: time },
    agent: optionalText,
    service: optionalText,
    decision: { optional: { oneOf: AUDIT_DECISIONS } },
    code: optionalText,
    status: { optional: { integer: true, min: 0, max: 999 } },
    text: optionalText,
    limit: { optional: { integer: true, min: 1, max: MAX_AUDIT_PAGE_LINES } },
    cursor: { optional: { check: isCursor, expected: 'a cursor from an earlier reply' } },
  },
  'audit.stats': {
    since: time,
    until: time,
    bucket: { oneOf: ['hour', 'day'] },
  },
} as const satisfies Record<string, Schema>;

export interface AuditRequestMap {
  'audit.query': { params: AuditQueryParams; result: AuditQueryResult };
  'audit.stats': { params: AuditStatsParams; result: AuditStatsResult };
}
