/**
 * `audit.stats` over real rotated files: per-hour and per-day buckets (requests per service, refusals
 * and failures per code, p50/p95, bytes), per-agent counts, the unauthenticated file's counts, and
 * the window's edges.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/audit-messages';
import { AuditLog, UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import { readAuditStats } from '../../native-host/src/audit/audit-stats';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-05-01T00:00:00.000Z');
const FILES = { agents: 'audit.log', unauthenticated: UNAUTHENTICATED_AUDIT_FILE_NAME };
const noVolume = async () => null;

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-audit-stats-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function line(at: number, overrides: Partial<AuditRecord>): AuditRecord {
  return {
    time: new Date(at).toISOString(),
    requestId: `req-${at}-${Math.random()}`,
    agent: 'agent-a',
    agentName: 'A',
    service: 'openai',
    method: 'GET',
    path: '/openai/v1/models',
    status: 200,
    decision: 'allowed',
    reason: null,
    credentialId: 'cred-1',
    durationMs: 10,
    bytesIn: 1,
    bytesOut: 2,
    ...overrides,
  };
}

describe('audit.stats', () => {
  it('buckets a window per hour across rotated files, with percentiles, codes, bytes and agents', async () => {
    let now = T0;
    const log = await AuditLog.open({ directory, maxFileBytes: 2048, keepFiles: 100, now: () => now });
    // Hour 0: 100 OpenAI calls by agent-a lasting 1..100 ms. Hour 2: Binance refusals and failures by a site.
    for (let i = 1; i <= 100; i++) log.append(line(T0 + i * 1000, { durationMs: i, bytesIn: 10, bytesOut: 100 }));
    for (let i = 0; i < 6; i++) {
      const blocked = i < 4;
      log.append(line(T0 + 2 * HOUR + i * 1000, {
        agent: 'site:https://app.example', agentName: null, service: 'binance', status: blocked ? 403 : 502,
        decision: blocked ? 'blocked' : 'error', reason: blocked ? (i % 2 === 0 ? 'ENDPOINT_BLOCKED: fund-moving' : 'DAILY_VOLUME_EXCEEDED') : 'UPSTREAM_UNREACHABLE', durationMs: 1000,
      }));
    }
    // Before and after the window: must not count.
    log.append(line(T0 - 1, {}));
    log.append(line(T0 + 3 * HOUR, {}));
    // 25 refusals without a key in one minute: 10 written, 15 counted.
    for (let i = 0; i < 25; i++) {
      now = T0 + HOUR + i;
      log.append(line(now, { agent: null, agentName: null, service: null, status: 401, decision: 'blocked', reason: 'AGENT_KEY_MISSING' }));
    }
    await log.close();

    const stats = await readAuditStats(directory, FILES, { since: T0, until: T0 + 3 * HOUR - 1, bucket: 'hour' }, noVolume);
    expect(stats.buckets.map((bucket) => bucket.start)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    const [first, empty, third] = stats.buckets;
    expect({ ...first }).toEqual({ start: T0, requests: 100, byService: { openai: 100 }, refusals: {}, errors: {}, p50Ms: 50, p95Ms: 95, bytesIn: 1000, bytesOut: 10_000 });
    expect({ ...empty }).toMatchObject({ requests: 0, p50Ms: null, p95Ms: null });
    expect({ ...third!.refusals }).toEqual({ ENDPOINT_BLOCKED: 2, DAILY_VOLUME_EXCEEDED: 2 });
    expect({ ...third!.errors }).toEqual({ UPSTREAM_UNREACHABLE: 2 });
    expect(stats.agents).toEqual([
      { agent: 'agent-a', agentName: 'A', requests: 100, refusals: 0, errors: 0 },
      { agent: 'site:https://app.example', agentName: null, requests: 6, refusals: 4, errors: 2 },
    ]);
    expect({ ...stats.unauthenticatedRefusals }).toEqual({ AGENT_KEY_MISSING: 25 });
  });

  it('buckets per UTC day and reports the Binance volume it is given', async () => {
    const log = await AuditLog.open({ directory });
    for (let day = 0; day < 3; day++) for (let i = 0; i <= day; i++) log.append(line(T0 + day * 24 * HOUR + i, {}));
    await log.close();
    const volume = { day: '2026-05-03', usedUsd: 4980, capUsd: 5000 };
    const stats = await readAuditStats(directory, FILES, { since: T0 + 1, until: T0 + 3 * 24 * HOUR - 1, bucket: 'day' }, async () => volume);
    expect(stats.buckets.map((bucket) => [new Date(bucket.start).toISOString().slice(0, 10), bucket.requests])).toEqual([
      ['2026-05-01', 0],
      ['2026-05-02', 2],
      ['2026-05-03', 3],
    ]);
    expect(stats.binanceVolume).toEqual(volume);
  });

  it('refuses a window that ends before it starts or spans too many buckets', async () => {
    await expect(readAuditStats(directory, FILES, { since: T0, until: T0 - 1, bucket: 'hour' }, noVolume)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(readAuditStats(directory, FILES, { since: T0, until: T0 + 400 * 24 * HOUR, bucket: 'hour' }, noVolume)).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
  });
});
