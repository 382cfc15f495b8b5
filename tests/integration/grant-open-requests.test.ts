/**
 * The cap on one grant's open bridged requests, through the real host binary: a grant may have
 * BRIDGE_MAX_OPEN_PER_GRANT requests open, the next is refused with GRANT_OPEN_REQUESTS_EXCEEDED
 * (429) and one audit line naming the grant, another grant is not held up, and every way a request
 * ends gives its slot back — its answer, an error, a cancel, and the page's port to the background
 * breaking mid-stream (the real background relay and HostLink in between).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { relayAgentRequest } from '../../lib/browser-agents/bridge-relay';
import { PAGE_PORT_NAME, splitPagePort } from '../../lib/browser-agents/page-line';
import { HostLink, type NativePort } from '../../lib/host-link/host-link';
import { BRIDGE_MAX_OPEN_PER_GRANT } from '../../shared/bridge-messages';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { KEYGATE_VERSION } from '../../shared/identity';
import { newRecordId } from '../../shared/vault/format';
import { connectedPorts } from '../support/fake-runtime-ports';
import { type MockUpstream, startMockUpstream } from './mock-upstream';
import { type ProxyHost, startProxyHost, waitForHostEvent } from './proxy-host';

const KEY = 'sk-test-FAKE-grant-slots-upstream-key';
const CAP = BRIDGE_MAX_OPEN_PER_GRANT;

let upstream: MockUpstream | undefined;
let proxy: ProxyHost | undefined;

afterEach(async () => {
  await proxy?.stop();
  await upstream?.close();
  proxy = upstream = undefined;
});

const grantFor = (subject: string): GrantRecord => ({ id: newRecordId(), kind: 'site', subject, scopes: ['custom:echo'], createdAt: Date.now(), expiresAt: null, enabled: true, lastUsedAt: null });

/**
 * Upstream paths: `/slow` answers a first piece and holds the rest; `/cut` does too, and breaks the
 * connection off when the test says (`cutUpstream`); anything else echoes.
 */
async function start(): Promise<{ proxy: ProxyHost; page: GrantRecord; other: GrantRecord; upstreamClosed: () => number; cutUpstream: () => void }> {
  let closed = 0;
  const cuts: Array<() => void> = [];
  upstream = await startMockUpstream((request, res) => {
    if (request.url === '/slow' || request.url === '/cut') {
      res.writeHead(200, { 'content-type': 'text/plain' }).write('first');
      res.once('close', () => (closed += 1));
      if (request.url === '/cut') cuts.push(() => res.socket?.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`echo ${request.body}`);
  });
  proxy = await startProxyHost({
    policy: `[proxy]\nport = 0\n[custom.echo]\nbase_url = "${upstream.url}"\nauth_header = "X-Echo-Key"\n`,
    credentials: [{ service: 'echo', secret: KEY }],
    agents: [],
  });
  const page = grantFor('http://localhost:3000');
  const other = grantFor('http://localhost:4000');
  expect(await proxy.request('grants.sync', { grants: [page, other] })).toEqual({ count: 2 });
  return { proxy, page, other, upstreamClosed: () => closed, cutUpstream: () => cuts.forEach((cut) => cut()) };
}

const opening = (requestId: string, grantId: string, path = '/custom/echo/upload', hasBody = true) => ({ requestId, grantId, method: hasBody ? 'POST' : 'GET', path, headers: [], hasBody });

/** Requests waiting for a body that has not come yet: open on the host, nothing upstream. */
function fill(proxy: ProxyHost, grantId: string, prefix: string, count: number): { ids: string[]; frameIds: number[] } {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
  return { ids, frameIds: ids.map((requestId) => proxy.post('proxy.request', opening(requestId, grantId))) };
}

/**
 * Whether the grant is at its cap now: a probe request must be refused. The host handles frames in
 * order, so once the probe's refusal is back, any refusal of a frame posted before it is back too.
 */
async function expectFull(proxy: ProxyHost, grantId: string, probeId: string): Promise<void> {
  await expect(proxy.request('proxy.request', opening(probeId, grantId))).rejects.toThrow(/GRANT_OPEN_REQUESTS_EXCEEDED/);
}

const repliesTo = (proxy: ProxyHost, frameIds: number[]) => (proxy.host.frames as Array<Record<string, unknown>>).filter((frame) => frameIds.includes(frame.id as number));

async function auditLines(proxy: ProxyHost, count: number, matching: (record: Record<string, unknown>) => boolean) {
  const lines = async () => (await readAuditLines(proxy.dataDir)).filter((record) => matching(record as unknown as Record<string, unknown>));
  for (let tries = 0; (await lines()).length < count && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  // The log batches its writes: a second line for the same request would follow within this.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return lines();
}

describe('a grant\'s open bridged requests are capped', () => {
  it(`admits ${CAP} open requests per grant, refuses the next with GRANT_OPEN_REQUESTS_EXCEEDED (429) and one audit line naming the grant; another grant is still served`, async () => {
    const { proxy, page, other } = await start();
    const { frameIds } = fill(proxy, page.id, 'page-open', CAP);
    await expectFull(proxy, page.id, 'page-one-too-many');
    // The ones taken got no reply (their events are the answer); only the one over the cap did.
    expect(repliesTo(proxy, frameIds)).toEqual([]);

    proxy.post('proxy.request', opening('other-get-0001', other.id, '/custom/echo/hello', false));
    const answer = await waitForHostEvent(proxy.host, 'proxy.answer', (frame) => frame.requestId === 'other-get-0001');
    expect(answer.status).toBe(200);
    expect(upstream!.received.map((request) => request.url)).toEqual(['/hello']);

    const refused = await auditLines(proxy, 1, (record) => record.path === '(refused)');
    expect(refused.map((record) => [record.agent, record.status, record.decision, record.reason])).toEqual([
      ['site:http://localhost:3000', 429, 'blocked', 'GRANT_OPEN_REQUESTS_EXCEEDED: open requests per grant'],
    ]);
  });

  it('each way a request ends gives its one slot back: its answer, an error mid-stream, a cancel', async () => {
    const { proxy, page, upstreamClosed, cutUpstream } = await start();
    const { ids } = fill(proxy, page.id, 'page-open', CAP - 2);
    proxy.post('proxy.request', opening('page-cut-0001', page.id, '/custom/echo/cut', false));
    proxy.post('proxy.request', opening('page-slow-0001', page.id, '/custom/echo/slow', false));
    for (const requestId of ['page-cut-0001', 'page-slow-0001']) await waitForHostEvent(proxy.host, 'proxy.chunk', (frame) => frame.requestId === requestId);
    await expectFull(proxy, page.id, 'probe-0001');

    /** After one request ended: exactly one more may open, then the grant is full again. */
    const oneSlotFreed = async (name: string) => {
      const frameId = proxy.post('proxy.request', opening(`after-${name}`, page.id));
      await expectFull(proxy, page.id, `probe-${name}`);
      expect(repliesTo(proxy, [frameId])).toEqual([]);
    };

    // Its answer: the body's end goes upstream, the echo comes back as one proxy.answer.
    await proxy.request('proxy.body', { requestId: ids[0], data: Buffer.from('done').toString('base64'), end: true });
    await waitForHostEvent(proxy.host, 'proxy.answer', (frame) => frame.requestId === ids[0]);
    await oneSlotFreed('answer');

    // An error after the head: the upstream breaks off mid-answer.
    cutUpstream();
    const error = await waitForHostEvent(proxy.host, 'proxy.error', (frame) => frame.requestId === 'page-cut-0001');
    expect((error.error as { code: string }).code).toMatch(/^UPSTREAM_/);
    await oneSlotFreed('error');

    // A cancel, while the answer streams.
    expect(await proxy.request('proxy.cancel', { requestId: 'page-slow-0001' })).toEqual({ cancelled: true });
    await oneSlotFreed('cancel');
    for (let tries = 0; upstreamClosed() < 2 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upstreamClosed()).toBe(2);
  });

  it('the page\'s port to the background breaking mid-stream cancels its requests on the host and gives every slot back', async () => {
    const { proxy: running, page, upstreamClosed } = await start();
    // The browser's side as it runs: the background's HostLink on the host's native port, and the
    // relay on each page port (one port per page, its requests numbered on it).
    const hostLink = new HostLink({
      connect: (): NativePort => ({
        postMessage: (message) => running.host.send(message),
        disconnect: () => running.host.child.stdin.end(),
        onMessage: { addListener: (listener) => running.host.onFrame(listener) },
        onDisconnect: { addListener: (listener) => void running.host.exited.then(listener) },
      }),
      disconnectMessage: () => undefined,
      extensionVersion: KEYGATE_VERSION,
      // The host is stopped after the test: no reconnecting to it meanwhile.
      reconnectInitialMs: 600_000,
      reconnectMaxMs: 600_000,
    });
    const connected = new Promise<void>((resolve) => hostLink.onStateChange((state) => state.status === 'connected' && resolve()));
    hostLink.connect();
    await connected;
    const openPage = () => {
      const [pagePort, background] = connectedPorts(PAGE_PORT_NAME);
      splitPagePort(background, (requestPort) => relayAgentRequest(requestPort, { admit: async () => ({ grant: page, host: hostLink }) }));
      const received = new Map<number, Array<{ type: string; status?: number; data?: string }>>();
      pagePort.onMessage.addListener((raw) => {
        const { rid, message } = raw as { rid: number; message: { type: string } };
        received.set(rid, [...(received.get(rid) ?? []), message]);
      });
      const ask = (rid: number, path: string) => pagePort.postMessage({ rid, message: { type: 'request', method: 'GET', path, headers: [], hasBody: false } });
      return { pagePort, received, ask };
    };
    const until = async (condition: () => boolean) => {
      for (let tries = 0; !condition() && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(condition()).toBe(true);
    };

    const first = openPage();
    for (let rid = 1; rid <= CAP; rid++) first.ask(rid, '/custom/echo/slow');
    // Every answer has begun streaming: a head and its first chunk each.
    await until(() => [...first.received.values()].filter((messages) => messages.some((message) => message.type === 'chunk')).length === CAP);
    first.pagePort.disconnect();
    await until(() => upstreamClosed() === CAP);

    // The next page of the same grant may open as many again; the one after is refused.
    const second = openPage();
    for (let rid = 1; rid <= CAP; rid++) second.ask(rid, '/custom/echo/slow');
    await until(() => [...second.received.values()].filter((messages) => messages.some((message) => message.type === 'chunk')).length === CAP);
    second.ask(CAP + 1, '/custom/echo/slow');
    await until(() => second.received.has(CAP + 1));
    const refusal = second.received.get(CAP + 1)!;
    expect(refusal[0]).toMatchObject({ type: 'head', status: 429 });
    expect(JSON.parse(Buffer.from(refusal[1]!.data!, 'base64').toString()).error.code).toBe('GRANT_OPEN_REQUESTS_EXCEEDED');
  });
});
