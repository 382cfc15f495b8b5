/**
 * `audit.stats`: what the Overview charts show for a window, per UTC hour or day: requests per
 * service, refusals and failures per code, p50/p95 duration, bytes; requests per agent; and the
 * refusals made before an agent was known (their counted lines included). The tally is pure; the
 * reading walks the same newest-first scan as `audit.query` and stops once the window is behind it.
 */
import {
  type AuditAgentCount,
  type AuditBucketSize,
  type AuditRecord,
  type AuditStatsBucket,
  type AuditStatsParams,
  type AuditStatsResult,
  MAX_AUDIT_STATS_BUCKETS,
} from '../../../shared/audit-messages';
import { KeygateError } from '../../../shared/errors';
import { openAuditFileSeries } from './audit-file-series';
import { compileAuditFilter } from './audit-filter';
import { scanMatchingRecords } from './audit-record-scan';

const BUCKET_MS: Record<AuditBucketSize, number> = { hour: 60 * 60 * 1000, day: 24 * 60 * 60 * 1000 };
/** Key for lines that never reached a service or carry no reason. */
const NONE = '(none)';

interface BucketTally extends Omit<AuditStatsBucket, 'p50Ms' | 'p95Ms'> {
  durations: number[];
}

export class AuditStatsTally {
  private readonly buckets: BucketTally[];
  private readonly agents = new Map<string, AuditAgentCount>();
  private readonly unauthenticated = countsByKey();
  private readonly bucketMs: number;

  constructor(private readonly params: AuditStatsParams) {
    if (params.until < params.since) throw new KeygateError('MESSAGE_INVALID', '"until" is before "since".');
    this.bucketMs = BUCKET_MS[params.bucket];
    const first = this.bucketStart(params.since);
    const count = (this.bucketStart(params.until) - first) / this.bucketMs + 1;
    if (count > MAX_AUDIT_STATS_BUCKETS) throw new KeygateError('MESSAGE_INVALID', `The window spans ${count} buckets; at most ${MAX_AUDIT_STATS_BUCKETS}.`);
    this.buckets = Array.from({ length: count }, (_, index) => emptyBucket(first + index * this.bucketMs));
  }

  /** A line of the agents' file; lines outside the window are ignored. */
  add(record: AuditRecord): void {
    const bucket = this.bucketOf(record);
    if (bucket === null) return;
    bucket.requests += 1;
    increment(bucket.byService, record.service ?? NONE);
    if (record.decision === 'blocked') increment(bucket.refusals, codeOf(record));
    if (record.decision === 'error') increment(bucket.errors, codeOf(record));
    bucket.durations.push(record.durationMs);
    bucket.bytesIn += record.bytesIn;
    bucket.bytesOut += record.bytesOut;
    if (record.agent !== null) this.countAgent(record.agent, record);
  }

  /** A line of the unauthenticated file: one refusal, or a count of them (see unauthenticated-refusals.ts). */
  addUnauthenticated(record: AuditRecord): void {
    if (this.bucketOf(record) === null) return;
    const counted = record.detail?.count;
    increment(this.unauthenticated, codeOf(record), typeof counted === 'number' ? counted : 1);
  }

  result(binanceVolume: AuditStatsResult['binanceVolume']): AuditStatsResult {
    const { since, until, bucket } = this.params;
    return {
      since,
      until,
      bucket,
      buckets: this.buckets.map(({ durations, ...tally }) => {
        const sorted = durations.sort((a, b) => a - b);
        return { ...tally, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) };
      }),
      agents: [...this.agents.values()].sort((a, b) => b.requests - a.requests || a.agent.localeCompare(b.agent)),
      unauthenticatedRefusals: this.unauthenticated,
      binanceVolume,
    };
  }

  private bucketStart(time: number): number {
    return time - (time % this.bucketMs);
  }

  private bucketOf(record: AuditRecord): BucketTally | null {
    const time = Date.parse(record.time);
    if (!(time >= this.params.since && time <= this.params.until)) return null;
    return this.buckets[(this.bucketStart(time) - this.buckets[0]!.start) / this.bucketMs] ?? null;
  }

  private countAgent(agent: string, record: AuditRecord): void {
    let count = this.agents.get(agent);
    if (count === undefined) {
      count = { agent, agentName: record.agentName, requests: 0, refusals: 0, errors: 0 };
      this.agents.set(agent, count);
    }
    count.requests += 1;
    if (record.decision === 'blocked') count.refusals += 1;
    if (record.decision === 'error') count.errors += 1;
  }
}

/** Reads both file series over the window into one tally. */
export async function readAuditStats(
  directory: string,
  files: { agents: string; unauthenticated: string },
  params: AuditStatsParams,
  binanceVolume: () => Promise<AuditStatsResult['binanceVolume']>,
): Promise<AuditStatsResult> {
  const tally = new AuditStatsTally(params);
  const filter = compileAuditFilter({ since: params.since, until: params.until });
  for (const [fileName, add] of [
    [files.agents, (record: AuditRecord) => tally.add(record)],
    [files.unauthenticated, (record: AuditRecord) => tally.addUnauthenticated(record)],
  ] as const) {
    const series = await openAuditFileSeries(directory, fileName);
    try {
      await scanMatchingRecords(series.files, { index: 0, end: series.files[0]?.size ?? 0 }, filter, ({ record }) => {
        add(record);
        return 'continue';
      });
    } finally {
      await series.close();
    }
  }
  return tally.result(await binanceVolume());
}

function emptyBucket(start: number): BucketTally {
  return { start, requests: 0, byService: countsByKey(), refusals: countsByKey(), errors: countsByKey(), durations: [], bytesIn: 0, bytesOut: 0 };
}

/** Without a prototype, so no key (a service named `__proto__` in a hand-edited log) can reach one. */
function countsByKey(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The catalogue code of a reason such as "ENDPOINT_BLOCKED: DELETE /repos/*". */
function codeOf(record: AuditRecord): string {
  return record.reason?.split(':')[0]?.trim() || NONE;
}

/** Nearest rank; null without samples. */
function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}
