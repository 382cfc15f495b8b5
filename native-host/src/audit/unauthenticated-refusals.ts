/**
 * Why requests refused before an agent is known cannot flush the audit trail: anyone on the machine
 * can send them, as fast and as long as they like (a 16,000-character path on 4,000 pipelined
 * requests once pushed every agent's line out of the rotated files). So they go to their own file,
 * and per minute and reason only the first few are written in full (path cut short); the rest become
 * one count for that minute and reason. Pure: the caller passes the clock and writes what comes back.
 */
import { type AuditRecord, shortenedAuditPath } from './audit-record';

export interface RefusalSamplingLimits {
  /** Lines written in full per minute and reason; past it the refusals are only counted. */
  samplesPerMinute: number;
  /** A written sample keeps this much of its path. */
  maxPathChars: number;
}

export const DEFAULT_REFUSAL_SAMPLING: RefusalSamplingLimits = { samplesPerMinute: 10, maxPathChars: 200 };

const MINUTE_MS = 60_000;
/** Reasons are catalogue codes and Node parser codes; past this many in one minute they share a count. */
const MAX_REASONS_PER_MINUTE = 64;
const OVERFLOW_REASON = 'OTHER';

interface ReasonTally {
  sampled: number;
  counted: number;
  status: number;
  decision: AuditRecord['decision'];
}

export class UnauthenticatedRefusalSampler {
  private minuteStart: number | null = null;
  private tallies = new Map<string, ReasonTally>();

  constructor(private readonly limits: RefusalSamplingLimits = DEFAULT_REFUSAL_SAMPLING) {}

  /** The lines to write now: counts of a minute that has ended, then this refusal if it is a sample. */
  admit(record: AuditRecord, now: number): AuditRecord[] {
    const lines = this.due(now);
    this.minuteStart ??= now - (now % MINUTE_MS);
    const tally = this.tallyFor(record);
    if (tally.sampled < this.limits.samplesPerMinute) {
      tally.sampled += 1;
      lines.push({ ...record, path: shortenedAuditPath(record.path, this.limits.maxPathChars) });
    } else {
      tally.counted += 1;
    }
    return lines;
  }

  /** The counts of the current minute once `now` is past it; nothing before. */
  due(now: number): AuditRecord[] {
    if (this.minuteStart === null || now < this.minuteStart + MINUTE_MS) return [];
    return this.drain();
  }

  /** Every count held, whether its minute has ended or not (the log is closing). */
  drain(): AuditRecord[] {
    const minuteStart = this.minuteStart;
    const tallies = this.tallies;
    this.minuteStart = null;
    this.tallies = new Map();
    if (minuteStart === null) return [];
    return [...tallies].filter(([, tally]) => tally.counted > 0).map(([reason, tally]) => countLine(minuteStart, reason, tally));
  }

  /** When `due` will next have counts to write; null when nothing is only counted. */
  nextDueAt(): number | null {
    if (this.minuteStart === null) return null;
    return [...this.tallies.values()].some((tally) => tally.counted > 0) ? this.minuteStart + MINUTE_MS : null;
  }

  private tallyFor(record: AuditRecord): ReasonTally {
    const wanted = record.reason ?? OVERFLOW_REASON;
    const reason = this.tallies.has(wanted) || this.tallies.size < MAX_REASONS_PER_MINUTE ? wanted : OVERFLOW_REASON;
    let tally = this.tallies.get(reason);
    if (tally === undefined) {
      tally = { sampled: 0, counted: 0, status: record.status, decision: record.decision };
      this.tallies.set(reason, tally);
    }
    return tally;
  }
}

/**
 * One line standing for `counted` refusals of one minute and reason that were not written in full.
 * Its duration spans the minute, so a reader going back in time (audit-filter.ts, `endedBefore`)
 * knows that every line before it was written by the minute's end.
 */
function countLine(minuteStart: number, reason: string, tally: ReasonTally): AuditRecord {
  const minute = new Date(minuteStart).toISOString();
  return {
    time: minute,
    requestId: `count:${minute}:${reason}`,
    agent: null,
    agentName: null,
    service: null,
    method: '',
    path: '(counted)',
    status: tally.status,
    decision: tally.decision,
    reason,
    credentialId: null,
    durationMs: MINUTE_MS,
    bytesIn: 0,
    bytesOut: 0,
    detail: { count: tally.counted, sampled: tally.sampled },
  };
}

