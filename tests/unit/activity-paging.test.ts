/**
 * Activity's walk over the host's cursor pages, against a fake host that pages a fixed log the way
 * audit.query does (newest first, inclusive `since`, a cursor below the last line returned).
 */
import { describe, expect, it } from 'vitest';
import type { AuditQueryParams, AuditQueryResult, AuditRecord } from '../../shared/audit-messages';
import { linesSince, readAllPages } from '../../lib/ui/options/activity/audit-paging';

const BASE = Date.parse('2026-12-06T10:00:00.000Z');

function line(index: number, atMs: number): AuditRecord {
  return {
    time: new Date(atMs).toISOString(),
    requestId: `req-${index}`,
    agent: 'agent-1',
    agentName: 'agent',
    service: 'openai',
    method: 'GET',
    path: `/v1/models/${index}`,
    status: 200,
    decision: 'allowed',
    reason: null,
    credentialId: null,
    durationMs: 1,
    bytesIn: 0,
    bytesOut: 0,
  };
}

/** The log, oldest first as written; `asked` records every query. */
function fakeHost(log: AuditRecord[]) {
  const asked: AuditQueryParams[] = [];
  const fetchPage = async (params: AuditQueryParams): Promise<AuditQueryResult> => {
    asked.push(params);
    const newestFirst = log.map((record, position) => ({ record, position })).reverse();
    const below = params.cursor === undefined ? Infinity : Number(params.cursor);
    const matching = newestFirst.filter(({ record, position }) => position < below && Date.parse(record.time) >= (params.since ?? 0));
    const page = matching.slice(0, params.limit ?? 50);
    const last = page.at(-1);
    return { records: page.map(({ record }) => record), cursor: page.length < matching.length && last ? String(last.position) : null };
  };
  return { fetchPage, asked };
}

describe('readAllPages', () => {
  it('reads every page until the host has nothing older, reporting progress', async () => {
    const log = Array.from({ length: 450 }, (_, index) => line(index, BASE + index * 1000));
    const { fetchPage, asked } = fakeHost(log);
    const progress: number[] = [];
    const records = await readAllPages(fetchPage, { decision: 'allowed' }, (count) => progress.push(count));
    expect(records.map((record) => record.requestId)).toEqual(log.map((record) => record.requestId).reverse());
    expect(progress).toEqual([200, 400, 450]);
    // Every page is asked with the same filters, the biggest page the host allows, and the cursor.
    expect(asked.map((params) => [params.decision, params.limit, params.cursor])).toEqual([
      ['allowed', 200, undefined],
      ['allowed', 200, '250'],
      ['allowed', 200, '50'],
    ]);
  });

  it('stops when cancelled', async () => {
    const { fetchPage, asked } = fakeHost(Array.from({ length: 450 }, (_, index) => line(index, BASE + index)));
    const records = await readAllPages(fetchPage, {}, () => {}, () => true);
    expect(records).toHaveLength(200);
    expect(asked).toHaveLength(1);
  });
});

describe('linesSince', () => {
  it('returns only the lines not shown yet, though the newest shown shares their millisecond', async () => {
    const log = [line(0, BASE), line(1, BASE + 5), line(2, BASE + 5), line(3, BASE + 5), line(4, BASE + 9)];
    const { fetchPage, asked } = fakeHost(log);
    const shown = [log[1]!, log[0]!];
    const fresh = await linesSince(fetchPage, { service: 'openai', since: BASE - 1000 }, shown[0]!, new Set(shown.map((record) => record.requestId)));
    expect(fresh.map((record) => record.requestId)).toEqual(['req-4', 'req-3', 'req-2']);
    expect(asked[0]).toMatchObject({ service: 'openai', since: BASE + 5 });
  });

  it('pages down to the lines shown when more arrived than one page holds', async () => {
    const log = Array.from({ length: 520 }, (_, index) => line(index, BASE + index));
    const { fetchPage } = fakeHost(log);
    const shown = log.slice(0, 10).reverse();
    const fresh = await linesSince(fetchPage, {}, shown[0]!, new Set(shown.map((record) => record.requestId)));
    expect(fresh).toHaveLength(510);
    expect(fresh[0]!.requestId).toBe('req-519');
    expect(fresh.at(-1)!.requestId).toBe('req-10');
  });
});
