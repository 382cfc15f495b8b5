/**
 * `audit.query` over real rotated files written by the real AuditLog: newest first across files,
 * every filter, pages that neither repeat nor skip a line while the log rotates under them, and a
 * cursor whose file rotation dropped.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditQueryParams, AuditRecord } from '../../shared/audit-messages';
import { listAuditFiles } from '../../native-host/src/audit/audit-files';
import { AuditLog } from '../../native-host/src/audit/audit-log';
import { queryAuditLog } from '../../native-host/src/audit/audit-query';

const T0 = Date.parse('2026-05-01T00:00:00.000Z');
const SERVICES = ['openai', 'anthropic', 'binance'] as const;

let directory: string;
let log: AuditLog;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keygate-audit-query-'));
  // About 330 bytes a line: 12 lines a file, so 300 lines rotate many times.
  log = await AuditLog.open({ directory, maxFileBytes: 4096, keepFiles: 50 });
});

afterEach(async () => {
  await log.close();
  await rm(directory, { recursive: true, force: true });
});

/** Line `i`: one a second; every 7th refused, every 11th failed, agents and services in turn. */
function line(i: number): AuditRecord {
  const blocked = i % 7 === 0;
  const failed = !blocked && i % 11 === 0;
  return {
    time: new Date(T0 + i * 1000).toISOString(),
    requestId: `req-${i}`,
    agent: i % 3 === 0 ? 'site:https://app.example' : `agent-${i % 2}`,
    agentName: i % 3 === 0 ? null : `Agent ${i % 2}`,
    service: SERVICES[i % 3]!,
    method: 'POST',
    path: `/${SERVICES[i % 3]}/v1/items/${i}${i % 5 === 0 ? '/Withdraw' : ''}`,
    status: blocked ? 403 : failed ? 502 : 200,
    decision: blocked ? 'blocked' : failed ? 'error' : 'allowed',
    reason: blocked ? (i % 2 === 0 ? 'ENDPOINT_BLOCKED: POST /v1/items/*' : 'SCOPE_DENIED') : failed ? 'UPSTREAM_UNREACHABLE' : null,
    credentialId: blocked ? null : 'cred-1',
    durationMs: 10 + (i % 50),
    bytesIn: 100,
    bytesOut: 1000 + i,
  };
}

async function write(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) log.append(line(i));
  await log.flush();
}

const ids = (records: AuditRecord[]) => records.map((record) => record.requestId);
const expectedIds = (count: number, keep: (record: AuditRecord) => boolean) =>
  Array.from({ length: count }, (_, i) => line(count - 1 - i)).filter(keep).map((record) => record.requestId);

/** Every page of a query, following cursors until none is left. */
async function allPages(params: AuditQueryParams): Promise<AuditRecord[][]> {
  const pages: AuditRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await queryAuditLog(directory, 'audit.log', { ...params, cursor });
    pages.push(page.records);
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

describe('audit.query across rotated files', () => {
  it('returns every line newest first, page by page, across a score of files', async () => {
    await write(0, 300);
    expect((await listAuditFiles(directory, 'audit.log')).length).toBeGreaterThan(20);
    const pages = await allPages({ limit: 40 });
    expect(pages.slice(0, -1).every((page) => page.length === 40)).toBe(true);
    expect(ids(pages.flat())).toEqual(expectedIds(300, () => true));
    // Records come back as written, every field.
    expect(pages[0]![0]).toEqual(line(299));
  });

  it('applies each filter, alone and together, exactly as the record test says', async () => {
    await write(0, 300);
    const cases: Array<[AuditQueryParams, (record: AuditRecord) => boolean]> = [
      [{ agent: 'agent-1' }, (r) => r.agent === 'agent-1'],
      [{ agent: 'site:https://app.example' }, (r) => r.agent === 'site:https://app.example'],
      [{ service: 'binance' }, (r) => r.service === 'binance'],
      [{ decision: 'blocked' }, (r) => r.decision === 'blocked'],
      [{ decision: 'error' }, (r) => r.decision === 'error'],
      [{ code: 'ENDPOINT_BLOCKED' }, (r) => r.reason?.startsWith('ENDPOINT_BLOCKED:') === true],
      [{ code: 'ENDPOINT' }, () => false],
      [{ status: 403 }, (r) => r.status === 403],
      [{ text: 'Withdraw' }, (r) => r.path.includes('Withdraw')],
      [{ text: '/1' }, (r) => r.path.includes('/1')],
      [{ text: 'withdraw' }, () => false],
      [{ since: T0 + 100_000, until: T0 + 150_000 }, (r) => Date.parse(r.time) >= T0 + 100_000 && Date.parse(r.time) <= T0 + 150_000],
      [{ agent: 'agent-0', service: 'openai', decision: 'blocked', since: T0 + 20_000 }, (r) => r.agent === 'agent-0' && r.service === 'openai' && r.decision === 'blocked' && Date.parse(r.time) >= T0 + 20_000],
    ];
    for (const [params, keep] of cases) {
      const found = ids((await allPages({ ...params, limit: 25 })).flat());
      expect({ params, found }).toEqual({ params, found: expectedIds(300, keep) });
    }
  });

  it('neither repeats nor skips a line when the log rotates between pages', async () => {
    await write(0, 100);
    const seen: string[] = [];
    let cursor: string | undefined;
    let next = 100;
    do {
      const page = await queryAuditLog(directory, 'audit.log', { limit: 15, cursor });
      seen.push(...ids(page.records));
      cursor = page.cursor ?? undefined;
      // 30 newer lines between pages: the file holding the cursor is renamed two or three times.
      await write(next, next + 30);
      next += 30;
    } while (cursor !== undefined);
    expect(seen).toEqual(expectedIds(100, () => true));
  });

  it('ends the paging when rotation has dropped the cursor\'s file, and refuses a made-up cursor', async () => {
    await log.close();
    log = await AuditLog.open({ directory, maxFileBytes: 4096, keepFiles: 2 });
    await write(0, 30);
    const first = await queryAuditLog(directory, 'audit.log', { limit: 5 });
    expect(ids(first.records)).toEqual(expectedIds(30, () => true).slice(0, 5));
    await write(30, 100);
    expect(await queryAuditLog(directory, 'audit.log', { limit: 5, cursor: first.cursor! })).toEqual({ records: [], cursor: null });
    await expect(queryAuditLog(directory, 'audit.log', { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
  });

  it('skips a torn last line and a line that is not an audit record', async () => {
    await write(0, 3);
    await appendFile(join(directory, 'audit.log'), 'not json\n{"time":"2026-05-01T00:10:00.000Z","requestId":"torn');
    expect(ids((await queryAuditLog(directory, 'audit.log', {})).records)).toEqual(['req-2', 'req-1', 'req-0']);
  });

  it('answers an empty page for a log that does not exist yet', async () => {
    expect(await queryAuditLog(join(directory, 'missing'), 'audit.log', {})).toEqual({ records: [], cursor: null });
  });
});

describe('audit.query of the unauthenticated file', () => {
  it('finds the samples of a minute whose count line was written after them, from a time inside that minute', async () => {
    const noise = join(directory, 'noise');
    let now = T0;
    const refusals = await AuditLog.open({ directory: noise, unauthenticated: { samplesPerMinute: 3 }, now: () => now });
    for (let i = 0; i < 10; i++) {
      now = T0 + i * 5_000;
      refusals.append({ ...line(i), agent: null, agentName: null, requestId: `noise-${i}`, reason: 'AGENT_KEY_MISSING', time: new Date(now).toISOString(), durationMs: 0 });
    }
    now = T0 + 61_000;
    refusals.append({ ...line(99), agent: null, agentName: null, requestId: 'next-minute', reason: 'AGENT_KEY_MISSING', time: new Date(now).toISOString(), durationMs: 0 });
    await refusals.close();
    // In file order: noise-0..2, the count of the other 7 (its time: the minute's start), next-minute.
    const page = await queryAuditLog(noise, 'audit-unauthenticated.log', { since: T0 + 4_000 });
    expect(ids(page.records)).toEqual(['next-minute', 'noise-2', 'noise-1']);
  });
});
