/**
 * Nobody without an agent key can flush the audit trail. Through the built host, an agent's refused
 * withdrawal, a refused order over the cap and a forwarded order are followed by thousands of
 * pipelined unauthenticated requests with 16,000-character paths on raw sockets (more bytes than
 * the six rotated files hold): the agent's three lines must still be there, and the noise must sit
 * in its own bounded file, every request accounted for as a line or a count.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHENTICATED_AUDIT_FILE_NAME } from '../../native-host/src/audit/audit-log';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import type { AuditStatsResult } from '../../shared/audit-messages';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { fakeBinanceKey, type MockBinance, startMockBinance } from '../support/mock-binance';
import { agentError, auditLinesFor, binancePolicy, type ProxyHost, requestIdOf, startProxyHost, waitForHostEvent } from './proxy-host';

const SOCKETS = 8;
const REQUESTS_PER_SOCKET = 900;
const LONG_SEGMENT = 'a'.repeat(16_000);

let mock: MockBinance;
let proxy: ProxyHost;
let dataDir: string;
const agentRequestIds: string[] = [];
let agentLinesBefore: AuditRecord[] = [];
let nativeQuery: Record<string, unknown>;
let nativeRefusals: Record<string, unknown>;
let nativeStats: Record<string, unknown>;
let nativeNoise: Record<string, unknown>;

/**
 * The request texts of one socket: four kinds of refusal made before any agent is known. Two in
 * three carry the long path into the line (no key, a bad key): 4,800 lines of 16 KB, more than the
 * 60 MiB the six rotated files hold.
 */
function noiseRequests(port: number, socketIndex: number): string {
  const requests: string[] = [];
  for (let i = 0; i < REQUESTS_PER_SOCKET; i++) {
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const kind = (socketIndex + i) % 6;
    if (kind === 0 || kind === 4) requests.push(`GET /binance/${LONG_SEGMENT}/${i} HTTP/1.1\r\n${host}\r\n`);
    if (kind === 1 || kind === 5) requests.push(`POST /binance/sapi/v1/capital/withdraw/apply/${LONG_SEGMENT} HTTP/1.1\r\n${host}Authorization: Bearer pk_not-a-key-${i}\r\ncontent-length: 0\r\n\r\n`);
    if (kind === 2) requests.push(`GET /binance/%2e%2e/${LONG_SEGMENT} HTTP/1.1\r\n${host}\r\n`);
    if (kind === 3) requests.push(`GET /binance/${LONG_SEGMENT} HTTP/1.1\r\nHost: evil.example\r\n\r\n`);
  }
  return requests.join('');
}

/** Sends every request on one socket at once and resolves when as many responses came back. */
function pipeline(port: number, text: string, expected: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const statuses: number[] = [];
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      for (let at = received.indexOf('HTTP/1.1 '); at !== -1; at = received.indexOf('HTTP/1.1 ')) {
        statuses.push(Number(received.slice(at + 9, at + 12)));
        received = received.slice(at + 12);
      }
      if (statuses.length >= expected) socket.end();
    });
    socket.on('close', () => resolve(statuses));
    socket.on('error', reject);
    socket.write(text);
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'keygate-audit-flood-'));
  const key = fakeBinanceKey('hmac', 'flood');
  mock = await startMockBinance({ keys: [key.mock] });
  proxy = await startProxyHost({ policy: binancePolicy(mock.url, { max_order_value_usd: 500, daily_volume_usd: 5000 }), credentials: [key.credential], agents: [{ name: 'trader', scopes: ['binance:trade'] }], dataDir });
  await waitForHostEvent(proxy.host, 'binance.restrictions');
  const asTrader: Array<[string, string]> = [['Authorization', `Bearer ${proxy.agentKeys.trader}`], ['Content-Type', 'application/x-www-form-urlencoded']];
  const order = (body: string, path = '/binance/api/v3/order') => proxy.raw({ method: 'POST', path, headers: asTrader, body });

  const withdrawal = await order('coin=BTC&address=x&amount=1', '/binance/sapi/v1/capital/withdraw/apply');
  expect(withdrawal.status).toBeGreaterThanOrEqual(400);
  const overCap = await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.009&price=60000');
  expect(agentError(overCap).code).toBe('ORDER_VALUE_EXCEEDED');
  const forwarded = await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000');
  expect(forwarded.status).toBe(200);
  agentRequestIds.push(...[withdrawal, overCap, forwarded].map((response) => requestIdOf(response)!));
  agentLinesBefore = await auditLinesFor(dataDir, agentRequestIds);

  const answered = await Promise.all(Array.from({ length: SOCKETS }, (_, index) => pipeline(proxy.port, noiseRequests(proxy.port, index), REQUESTS_PER_SOCKET)));
  expect(answered.map((statuses) => statuses.length)).toEqual(Array(SOCKETS).fill(REQUESTS_PER_SOCKET));
  expect(new Set(answered.flat())).toEqual(new Set([400, 401, 403]));
  // The Activity and Overview questions, asked of the running host over its native port.
  nativeQuery = await proxy.request('audit.query', { agent: proxy.agentIds.trader, limit: 10 });
  nativeRefusals = await proxy.request('audit.query', { code: 'ORDER_VALUE_EXCEEDED' });
  nativeNoise = await proxy.request('audit.query', { source: 'unauthenticated', limit: 200 });
  nativeStats = await proxy.request('audit.stats', { since: Date.now() - 3_600_000, until: Date.now(), bucket: 'hour' });
  // Closing the host writes the counts of the minute still open.
  await proxy.stop();
}, 180_000);

afterAll(async () => {
  await mock?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('the audit log under a flood of unauthenticated requests', () => {
  it('still holds the refused withdrawal, the refused order over the cap and the forwarded order', async () => {
    const after = (await readAuditLines(dataDir)).filter((line) => agentRequestIds.includes(line.requestId));
    expect(after).toEqual(agentLinesBefore);
    expect(after.map((line) => [line.status, line.decision, line.reason?.split(':')[0] ?? null])).toEqual([
      [403, 'blocked', 'ENDPOINT_BLOCKED'],
      [403, 'blocked', 'ORDER_VALUE_EXCEEDED'],
      [200, 'allowed', null],
    ]);
  });

  it('puts none of the noise in the agents\' files, and accounts for every noisy request in its own bounded file', async () => {
    expect((await readAuditLines(dataDir)).every((line) => line.agent === proxy.agentIds.trader)).toBe(true);
    const noise = await readAuditLines(dataDir, UNAUTHENTICATED_AUDIT_FILE_NAME);
    const counted = noise.filter((line) => line.path === '(counted)').reduce((sum, line) => sum + Number(line.detail?.count ?? 0), 0);
    const written = noise.filter((line) => line.path !== '(counted)');
    expect(written.length + counted).toBe(SOCKETS * REQUESTS_PER_SOCKET);
    expect(new Set(noise.map((line) => line.reason))).toEqual(new Set(['AGENT_KEY_MISSING', 'AGENT_KEY_INVALID', 'NON_CANONICAL_PATH', 'HOST_NOT_ALLOWED']));
    expect(Math.max(...written.map((line) => line.path.length))).toBeLessThanOrEqual(201);
    const noiseFiles = (await readdir(dataDir)).filter((name) => name.startsWith(UNAUTHENTICATED_AUDIT_FILE_NAME));
    const noiseBytes = (await Promise.all(noiseFiles.map((name) => stat(join(dataDir, name))))).reduce((sum, info) => sum + info.size, 0);
    expect(noiseBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

describe('audit.query and audit.stats over the native port, after the flood', () => {
  it('lists the agent\'s three lines newest first, and finds the cap refusal by its code', () => {
    expect(nativeQuery).toEqual({ records: [...agentLinesBefore].reverse(), cursor: null });
    expect(nativeRefusals).toEqual({ records: [agentLinesBefore[1]], cursor: null });
  });

  it('lists the sampled unauthenticated refusals from their own file, paths cut short', () => {
    const records = nativeNoise.records as AuditRecord[];
    // Ten per minute and reason (the rest are counted when the minute ends). The host's minute is
    // its clock at writing, the line's time is when the request arrived: allow one minute more.
    for (const reason of new Set(records.map((record) => record.reason))) {
      const ofReason = records.filter((record) => record.reason === reason);
      const minutes = new Set(ofReason.map((record) => record.time.slice(0, 16))).size;
      expect({ reason, lines: ofReason.length <= 10 * (minutes + 1) && ofReason.length >= 10 }).toEqual({ reason, lines: true });
    }
    expect(records.length).toBeLessThan(SOCKETS * REQUESTS_PER_SOCKET / 10);
    expect(records.every((record) => record.agent === null && record.path.length <= 201)).toBe(true);
  });

  it('counts the agent\'s requests and reads the day\'s Binance volume from the ledger the proxy holds', () => {
    const stats = nativeStats as unknown as AuditStatsResult;
    const buckets = stats.buckets.filter((bucket) => bucket.requests > 0);
    expect(buckets.reduce((sum, bucket) => sum + (bucket.byService.binance ?? 0), 0)).toBe(3);
    expect(stats.agents).toEqual([{ agent: proxy.agentIds.trader, agentName: 'trader', requests: 3, refusals: 2, errors: 0 }]);
    // The forwarded order: 0.001 BTC × $60,000.
    expect(stats.binanceVolume).toEqual({ day: new Date().toISOString().slice(0, 10), usedUsd: 60, capUsd: 5000 });
  });
});
