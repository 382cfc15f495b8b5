/**
 * `audit.query` on a full log: 60 MB of audit lines (audit.log and five rotated files, ~200,000
 * lines over 7 days from five agents and a site grant), then the time to the first page (50 lines)
 * for a few filters, in this process and through the real built keygate-host's native port (frame
 * encoding and the pipe included). The goal is ≤ 200 ms for a first page. The worst case is an
 * agent seen only in the oldest lines: every file is searched before the page is complete. Also
 * `audit.stats` for one day per hour and for the whole week per day.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditQueryParams, AuditRecord, AuditStatsParams } from '../shared/audit-messages';
import { DEFAULT_EXTENSION_ID } from '../shared/identity';
import { listAuditFiles } from '../native-host/src/audit/audit-files';
import { AuditLog, UNAUTHENTICATED_AUDIT_FILE_NAME } from '../native-host/src/audit/audit-log';
import { queryAuditLog } from '../native-host/src/audit/audit-query';
import { readAuditStats } from '../native-host/src/audit/audit-stats';
import { requireHostBundle, startHost } from '../tests/integration/host-process';
import { ownCpuMs, percentile, round, summarizeLatency, timeMs } from './stats';

const LOG_BYTES = 60_000_000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const RUNS = 20;
const WARMUP = 3;
const STATS_RUNS = 5;
const AGENTS = ['agentRecordIdOne000000', 'agentRecordIdTwo000000', 'agentRecordIdThree0000', 'agentRecordIdFour00000', 'site:https://app.example'];
const RARE_AGENT = 'agentRecordIdRare00000';
const SERVICES = ['openai', 'anthropic', 'binance', 'github'];

function benchLine(i: number, at: number): AuditRecord {
  const service = SERVICES[i % SERVICES.length]!;
  const blocked = i % 17 === 0;
  return {
    time: new Date(at).toISOString(),
    requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    agent: i < 10 ? RARE_AGENT : AGENTS[i % AGENTS.length]!,
    agentName: `agent ${i % AGENTS.length}`,
    service,
    method: i % 3 === 0 ? 'GET' : 'POST',
    path: i % 1000 === 0 ? `/binance/sapi/v1/capital/withdraw/apply` : `/${service}/v1/chat/completions/${i % 97}`,
    status: blocked ? 403 : 200,
    decision: blocked ? 'blocked' : 'allowed',
    reason: blocked ? 'ENDPOINT_BLOCKED: POST /v1/files/*' : null,
    credentialId: blocked ? null : 'credentialRecordId0000',
    durationMs: 20 + (i % 900),
    bytesIn: 300 + (i % 1000),
    bytesOut: 2000 + (i % 5000),
  };
}

/** Writes lines through the real AuditLog (rotation included) until the files hold LOG_BYTES. */
async function writeLog(directory: string, start: number): Promise<{ lines: number; bytes: number; files: number }> {
  const log = await AuditLog.open({ directory });
  const sample = Array.from({ length: 1000 }, (_, i) => Buffer.byteLength(JSON.stringify(benchLine(i, start))) + 1);
  const lines = Math.floor(LOG_BYTES / (sample.reduce((sum, bytes) => sum + bytes, 0) / sample.length));
  for (let i = 0; i < lines; i++) {
    log.append(benchLine(i, start + Math.floor((i / lines) * WEEK_MS)));
    if (i % 10_000 === 0) await log.flush();
  }
  await log.close();
  const files = await listAuditFiles(directory, 'audit.log');
  const sizes = await Promise.all(files.map((file) => stat(join(directory, file.name)).then((info) => info.size)));
  return { lines, bytes: sizes.reduce((sum, size) => sum + size, 0), files: files.length };
}

/** Wall time, and for in-process runs the CPU time too: on a shared machine it is the steadier figure. */
async function measure(run: () => Promise<unknown>, withCpu: boolean, runs = RUNS) {
  for (let i = 0; i < WARMUP; i++) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuBefore = ownCpuMs();
    wall.push(await timeMs(run));
    cpu.push(ownCpuMs() - cpuBefore);
  }
  return { ...summarizeLatency(wall), ...(withCpu ? { cpuP50Ms: round(percentile(cpu, 50)) } : {}) };
}

export async function benchAuditQuery() {
  const directory = await mkdtemp(join(tmpdir(), 'keygate-bench-audit-'));
  const start = Date.parse('2026-05-01T00:00:00.000Z');
  const host = startHost(process.execPath, [requireHostBundle(), 'native', `chrome-extension://${DEFAULT_EXTENSION_ID}/`], { PATH: '/usr/bin:/bin', KEYGATE_DATA_DIR: directory });
  try {
    const log = await writeLog(directory, start);
    const middle = start + WEEK_MS / 2;
    const filters: Record<string, AuditQueryParams> = {
      none: {},
      oneAgentOfFive: { agent: AGENTS[1]! },
      siteGrant: { agent: 'site:https://app.example' },
      refusedWithCode: { decision: 'blocked', code: 'ENDPOINT_BLOCKED' },
      textWithdraw: { text: 'withdraw' },
      serviceAndStatus: { service: 'binance', status: 403 },
      oneHourMidWeek: { since: middle, until: middle + 3_600_000 },
      rareAgentWholeLog: { agent: RARE_AGENT },
    };
    let nextId = 1;
    const viaHost = async (type: string, params: object) => {
      const id = nextId++;
      host.send({ id, type, ...params });
      const reply = await host.nextFrame((frame) => frame.id === id, 60_000);
      if (reply.ok !== true) throw new Error(`${type} failed: ${JSON.stringify(reply.error)}`);
      return reply.result as { records?: unknown[] };
    };
    const firstPage: Record<string, { lines: number; inProcess: Awaited<ReturnType<typeof measure>>; viaHost: Awaited<ReturnType<typeof measure>> }> = {};
    for (const [name, filter] of Object.entries(filters)) {
      const params = { ...filter, limit: 50 };
      const page = await queryAuditLog(directory, 'audit.log', params);
      firstPage[name] = {
        lines: page.records.length,
        inProcess: await measure(() => queryAuditLog(directory, 'audit.log', params), true),
        viaHost: await measure(() => viaHost('audit.query', params), false),
      };
    }
    const files = { agents: 'audit.log', unauthenticated: UNAUTHENTICATED_AUDIT_FILE_NAME };
    const stats = (params: AuditStatsParams) => measure(() => readAuditStats(directory, files, params, async () => null), true, STATS_RUNS);
    return {
      name: 'audit-query',
      log,
      pageLines: 50,
      runs: `${RUNS} after ${WARMUP} warm-up runs per filter; files in the page cache`,
      loadAverage: loadavg()[0],
      goalFirstPageMs: 200,
      firstPage,
      statsMs: {
        oneDayPerHour: await stats({ since: middle, until: middle + 24 * 3_600_000 - 1, bucket: 'hour' }),
        wholeWeekPerDay: await stats({ since: start, until: start + WEEK_MS, bucket: 'day' }),
      },
    };
  } finally {
    host.child.stdin.end();
    await host.exited;
    await rm(directory, { recursive: true, force: true });
  }
}
