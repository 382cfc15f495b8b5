/**
 * Withdrawing what admitted a request ends it while it is still streaming, through the real host
 * binary: locking the vault ends every open request (VAULT_LOCKED), and syncing agent keys ends the
 * requests of a key that is no longer accepted (AGENT_KEY_INVALID) and no other. The upstream sees
 * its connection closed, the agent sees the answer stop (or, before the head, the refusal), and each
 * request leaves exactly one audit line saying why. A slow SSE upstream keeps the requests open.
 */
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../native-host/src/audit/audit-record';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { newRecordId } from '../../shared/vault/format';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { agentError, auditLinesFor, type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

const KEY = 'sk-test-FAKE-inflight-upstream-key';
/** Long enough that an answer still flowing at the end of a test can only be one nobody ended. */
const EVENT_EVERY_MS = 50;

let upstream: MockUpstream | undefined;
let proxy: ProxyHost | undefined;
/** Resolves per upstream path when Keygate closes (or the answer ends) that upstream connection. */
let upstreamClosed = new Map<string, Promise<void>>();

afterEach(async () => {
  await proxy?.stop();
  await upstream?.close();
  proxy = upstream = undefined;
});

async function start(): Promise<ProxyHost> {
  upstreamClosed = new Map();
  upstream = await startMockUpstream((request, res) => {
    let closed!: () => void;
    upstreamClosed.set(request.url, new Promise<void>((resolve) => (closed = resolve)));
    res.once('close', () => closed());
    // `/no-head…` never answers: the request is open upstream with nothing sent to the agent yet.
    if (request.url.startsWith('/no-head')) return;
    res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: 0\n\n');
    let count = 0;
    const ticker = setInterval(() => res.write(`data: ${++count}\n\n`), EVENT_EVERY_MS);
    res.once('close', () => clearInterval(ticker));
  });
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n\n[custom.echo]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n`,
    credentials: [{ service: 'echo', secret: KEY }],
    agents: [
      { name: 'revoked', scopes: ['custom:echo'] },
      { name: 'kept', scopes: ['custom:echo'] },
    ],
  });
  return proxy;
}

interface OpenStream {
  /** The head, once it arrived (for an answer that has one before it ends). */
  head: Promise<IncomingMessage>;
  /** How the answer ended: the whole body, or `broken` when the connection was cut mid-body. */
  ended: Promise<{ how: 'complete' | 'broken'; status: number; body: string }>;
}

function openStream(proxy: ProxyHost, path: string, agent: string): OpenStream {
  let gotHead!: (res: IncomingMessage) => void;
  const head = new Promise<IncomingMessage>((resolve) => (gotHead = resolve));
  const ended = new Promise<{ how: 'complete' | 'broken'; status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path, agent: false, headers: { authorization: `Bearer ${proxy.agentKeys[agent]}` } }, (res) => {
      gotHead(res);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ how: 'complete', status: res.statusCode ?? 0, body }));
      res.on('aborted', () => resolve({ how: 'broken', status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ how: 'broken', status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  return { head, ended };
}

/** Once `path` reached the upstream: `closed` resolves when that upstream connection closes. */
async function waitForUpstream(path: string): Promise<{ closed: Promise<void> }> {
  for (let tries = 0; !upstreamClosed.has(path); tries++) {
    if (tries > 200) throw new Error(`${path} never reached the upstream`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { closed: upstreamClosed.get(path)! };
}

/** Every audit line of `path` once `count` are written, after a pause in which no further one may appear. */
async function auditLinesOf(proxy: ProxyHost, path: string, count: number): Promise<AuditRecord[]> {
  const lines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => record.path === path);
  for (let tries = 0; (await lines()).length < count && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  // The log batches its writes: a second line for the same request would follow within this.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return lines();
}

describe('ending requests in flight, through the real host', () => {
  it('locking the vault ends a streaming answer and one still waiting for its head; the upstream calls are closed; one audit line each', async () => {
    const proxy = await start();
    const streaming = openStream(proxy, '/custom/echo/sse', 'kept');
    const headless = openStream(proxy, '/custom/echo/no-head', 'kept');
    const head = await streaming.head;
    expect(head.statusCode).toBe(200);
    const [sseClosed, noHeadClosed] = await Promise.all([waitForUpstream('/sse'), waitForUpstream('/no-head')]);

    const lockedAt = Date.now();
    expect(await proxy.request('vault.lock')).toEqual({ locked: true });
    const [streamEnd, refusal] = await Promise.all([streaming.ended, headless.ended, sseClosed.closed, noHeadClosed.closed]);
    // Promptly: far sooner than any timeout the host has (30 s and more).
    expect(Date.now() - lockedAt).toBeLessThan(5_000);
    expect(streamEnd.how).toBe('broken');
    expect(streamEnd.body).toContain('data: 0');
    expect(refusal.how).toBe('complete');
    expect(agentError(refusal).code).toBe('VAULT_LOCKED');

    const sseId = String(head.headers['x-keygate-request-id']);
    const [sseLines, noHeadLines] = await Promise.all([auditLinesOf(proxy, '/custom/echo/sse', 1), auditLinesOf(proxy, '/custom/echo/no-head', 1)]);
    expect(sseLines.map((line) => [line.requestId, line.agent, line.status, line.decision, line.reason])).toEqual([[sseId, proxy.agentIds.kept, 200, 'blocked', 'VAULT_LOCKED: ended in flight']]);
    expect(noHeadLines.map((line) => [line.agent, line.status, line.reason])).toEqual([[proxy.agentIds.kept, 423, 'VAULT_LOCKED: ended in flight']]);
  });

  it('disabling or removing an agent key ends that key\'s open requests and leaves another key\'s streaming', async () => {
    const proxy = await start();
    const revoked = openStream(proxy, '/custom/echo/sse-revoked', 'revoked');
    const kept = openStream(proxy, '/custom/echo/sse-kept', 'kept');
    const revokedHead = await revoked.head;
    await kept.head;
    const [revokedClosed] = await Promise.all([waitForUpstream('/sse-revoked'), waitForUpstream('/sse-kept')]);

    // The extension syncs the keys after the user disables one (removing it would sync the list without it).
    await proxy.request('agents.sync', { agents: proxy.agentRecords.map((record) => (record.id === proxy.agentIds.revoked ? { ...record, enabled: false } : record)) });
    const ended = await revoked.ended;
    await revokedClosed.closed;
    expect(ended.how).toBe('broken');
    const [line] = await auditLinesFor(proxy.dataDir, [String(revokedHead.headers['x-keygate-request-id'])]);
    expect([line!.agent, line!.status, line!.reason]).toEqual([proxy.agentIds.revoked, 200, 'AGENT_KEY_INVALID: ended in flight']);
    expect(await auditLinesOf(proxy, '/custom/echo/sse-revoked', 1)).toHaveLength(1);

    // The other key's answer is still flowing: nothing of it was ended.
    const keptSettled = await Promise.race([kept.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('open'), 10 * EVENT_EVERY_MS))]);
    expect(keptSettled).toBe('open');
    expect((await readAuditLines(proxy.dataDir)).filter((record) => record.path === '/custom/echo/sse-kept')).toHaveLength(0);
  });

  it('locking the vault ends a bridged page\'s stream too: proxy.error VAULT_LOCKED, the upstream closed, one audit line', async () => {
    const proxy = await start();
    const grantId = newRecordId();
    const grant = { id: grantId, kind: 'site', subject: 'http://localhost:3000', scopes: ['custom:echo'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null };
    await proxy.request('grants.sync', { grants: [grant] });
    proxy.post('proxy.request', { requestId: 'page-inflight-1', grantId, method: 'GET', path: '/custom/echo/sse-page', headers: [], hasBody: false });
    await waitForHostEvent(proxy.host, 'proxy.head', (frame) => frame.requestId === 'page-inflight-1');
    const closed = await waitForUpstream('/sse-page');
    await proxy.request('vault.lock');
    await closed.closed;
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'page-inflight-1');
    expect((error.error as { code: string }).code).toBe('VAULT_LOCKED');
    const lines = await auditLinesOf(proxy, '/custom/echo/sse-page', 1);
    expect(lines.map((line) => [line.agent, line.status, line.reason])).toEqual([['site:http://localhost:3000', 200, 'VAULT_LOCKED: ended in flight']]);
  });
});

