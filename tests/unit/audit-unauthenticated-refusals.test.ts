/**
 * Requests refused before an agent is known cannot flush what agents did: they go to their own
 * bounded file, a few per minute and reason in full (path cut short), the rest as one count.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { UnauthenticatedRefusalSampler } from '../../native-host/src/audit/unauthenticated-refusals';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-04T05:06:00.000Z');

function record(requestId: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date(T0).toISOString(),
    requestId,
    agent: 'agent_1',
    agentName: 'trader',
    service: 'binance',
    method: 'POST',
    path: '/binance/sapi/v1/capital/withdraw/apply',
    status: 403,
    decision: 'blocked',
    reason: 'ENDPOINT_BLOCKED: fund-moving',
    credentialId: null,
    durationMs: 1,
    bytesIn: 0,
    bytesOut: 0,
    ...overrides,
  };
}

const noKey = (requestId: string, overrides: Partial<AuditRecord> = {}) =>
  record(requestId, { agent: null, agentName: null, service: null, method: 'GET', path: `/openai/${'a'.repeat(16_000)}`, status: 401, reason: 'AGENT_KEY_MISSING', ...overrides });

describe('the unauthenticated refusal sampler', () => {
  it('writes the first samples per minute and reason in full, counts the rest, and writes the count once the minute ends', () => {
    const sampler = new UnauthenticatedRefusalSampler({ samplesPerMinute: 3, maxPathChars: 10 });
    const written: AuditRecord[] = [];
    for (let i = 0; i < 50; i++) written.push(...sampler.admit(noKey(`k${i}`), T0 + i));
    for (let i = 0; i < 4; i++) written.push(...sampler.admit(noKey(`h${i}`, { reason: 'HOST_NOT_ALLOWED', status: 403 }), T0 + 100 + i));
    expect(written.map((line) => line.requestId)).toEqual(['k0', 'k1', 'k2', 'h0', 'h1', 'h2']);
    expect(written[0]!.path).toBe(`/openai/aa…`);
    expect(sampler.nextDueAt()).toBe(T0 + MINUTE);
    expect(sampler.due(T0 + MINUTE - 1)).toEqual([]);

    const counts = sampler.due(T0 + MINUTE);
    // Each count spans its minute: every line before it was written by the minute's end.
    expect(counts.map((line) => [line.time, line.durationMs, line.reason, line.status, line.detail])).toEqual([
      ['2026-03-04T05:06:00.000Z', MINUTE, 'AGENT_KEY_MISSING', 401, { count: 47, sampled: 3 }],
      ['2026-03-04T05:06:00.000Z', MINUTE, 'HOST_NOT_ALLOWED', 403, { count: 1, sampled: 3 }],
    ]);
    expect(sampler.nextDueAt()).toBeNull();
    expect(sampler.drain()).toEqual([]);
  });

  it('starts a new minute with a fresh budget, writing the last minute\'s counts first', () => {
    const sampler = new UnauthenticatedRefusalSampler({ samplesPerMinute: 1, maxPathChars: 200 });
    sampler.admit(noKey('a'), T0);
    sampler.admit(noKey('b'), T0 + 1);
    const next = sampler.admit(noKey('c'), T0 + MINUTE + 5);
    expect(next.map((line) => line.requestId)).toEqual([`count:2026-03-04T05:06:00.000Z:AGENT_KEY_MISSING`, 'c']);
    expect(next[0]!.detail).toEqual({ count: 1, sampled: 1 });
  });

  it('gives a flood of distinct reasons one shared count past 64 reasons a minute', () => {
    const sampler = new UnauthenticatedRefusalSampler({ samplesPerMinute: 0, maxPathChars: 200 });
    for (let i = 0; i < 500; i++) sampler.admit(noKey(`r${i}`, { reason: `HTTP_REQUEST_MALFORMED: HPE_${i}` }), T0);
    const counts = sampler.drain();
    expect(counts).toHaveLength(65);
    expect(counts.at(-1)).toMatchObject({ reason: 'OTHER', detail: { count: 436 } });
  });
});

describe('the audit log under unauthenticated noise', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'keygate-audit-noise-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps every agent line while thousands of long unauthenticated refusals arrive, and bounds their file', async () => {
    let now = T0;
    const log = await AuditLog.open({ directory, maxFileBytes: 64 * 1024, keepFiles: 2, now: () => now });
    log.append(record('withdrawal_refused'));
    log.append(record('cap_refused', { path: '/binance/api/v3/order', reason: 'DAILY_VOLUME_EXCEEDED' }));
    log.append(record('forwarded', { path: '/openai/v1/models', status: 200, decision: 'allowed', reason: null, credentialId: 'cred_1' }));
    for (let i = 0; i < 5000; i++) {
      now = T0 + i * 30; // 150 s of noise: three minutes
      log.append(noKey(`noise_${i}`));
    }
    await log.close();

    const agentLines = await readAuditLines(directory);
    expect(agentLines.map((line) => line.requestId)).toEqual(['withdrawal_refused', 'cap_refused', 'forwarded']);
    const noise = await readAuditLines(directory, UNAUTHENTICATED_AUDIT_FILE_NAME);
    const sampled = noise.filter((line) => line.path !== '(counted)');
    expect(sampled).toHaveLength(30);
    expect(Math.max(...sampled.map((line) => line.path.length))).toBeLessThanOrEqual(201);
    const counted = noise.filter((line) => line.path === '(counted)').reduce((sum, line) => sum + Number(line.detail?.count), 0);
    expect(sampled.length + counted).toBe(5000);
    expect((await stat(join(directory, UNAUTHENTICATED_AUDIT_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect((await readdir(directory)).sort()).toEqual(['audit-unauthenticated.log', 'audit.log']);
  });

  it('writes a quiet minute\'s count when the minute ends, without waiting for the next refusal', async () => {
    // A clock that runs at real speed from 50 ms before a minute ends.
    const offset = T0 + MINUTE - 50 - Date.now();
    const log = await AuditLog.open({ directory, unauthenticated: { samplesPerMinute: 1 }, now: () => Date.now() + offset });
    log.append(noKey('first'));
    log.append(noKey('second'));
    const path = join(directory, UNAUTHENTICATED_AUDIT_FILE_NAME);
    const deadline = Date.now() + 5_000;
    let text = '';
    while (!text.includes('"(counted)"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      text = await readFile(path, 'utf8').catch(() => '');
    }
    expect(text).toContain('"count":1');
    await log.close();
  });
});
