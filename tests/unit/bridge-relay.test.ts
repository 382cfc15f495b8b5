import { describe, expect, it } from 'vitest';
import { AGENT_PORT_NAME, type GatewayMessage } from '../../lib/browser-agents/agent-messages';
import { PAGE_PORT_NAME, type PageEnvelope } from '../../lib/browser-agents/page-line';
import { type GatewayRuntime, type GatewayServices, identifyPage, serveBrowserAgents } from '../../lib/browser-agents/agent-gateway';
import { decodeChunk } from '../../lib/browser-agents/body-chunks';
import { relayAgentRequest } from '../../lib/browser-agents/bridge-relay';
import { BRIDGE_BODY_WINDOW } from '../../shared/bridge-messages';
import { errorBody, KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { FakeBridgeHost } from '../support/fake-bridge-host';
import { connectedPorts } from '../support/fake-runtime-ports';

const GRANT: GrantRecord = { id: 'grant-0000000000000001', kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop', scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };

/**
 * The agent's end of one request: a port of its own (the client module), or request `rid` on a
 * page's shared port (the content script), whose messages travel as `{rid, message}`.
 */
function agentOn(client: ReturnType<typeof connectedPorts>[0], rid?: number) {
  const received: GatewayMessage[] = [];
  const waiters: Array<() => void> = [];
  client.onMessage.addListener((raw) => {
    if (rid !== undefined && (raw as PageEnvelope).rid !== rid) return;
    received.push((rid === undefined ? raw : (raw as PageEnvelope).message) as GatewayMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    received,
    send: (message: unknown) => client.postMessage(rid === undefined ? message : ({ rid, message } satisfies PageEnvelope)),
    disconnect: () => client.disconnect(),
    async until(type: GatewayMessage['type']) {
      while (!received.some((message) => message.type === type)) await new Promise<void>((wake) => waiters.push(wake));
    },
    bodyText: () => new TextDecoder().decode(Uint8Array.from(received.flatMap((message) => (message.type === 'chunk' ? [...decodeChunk(message.data)] : [])))),
  };
}

function relayWith(admit: () => Promise<GrantRecord>) {
  const host = new FakeBridgeHost();
  const [client, background] = connectedPorts('keygate');
  relayAgentRequest(background, { admit: async () => ({ grant: await admit(), host: host.link }), newRequestId: () => 'req-00000001' });
  return { host, agent: agentOn(client) };
}

const REQUEST = { type: 'request', method: 'POST', path: '/openai/v1/chat/completions', headers: [['content-type', 'application/json']], hasBody: true };
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('background relay', () => {
  it('answers a refused admission like the HTTP proxy (status, JSON error, end) and never calls the host', async () => {
    const { host, agent } = relayWith(async () => {
      throw new KeygateError('GRANT_DISABLED');
    });
    agent.send(REQUEST);
    await agent.until('end');
    expect(agent.received[0]).toMatchObject({ type: 'head', status: 403 });
    expect(JSON.parse(agent.bodyText())).toMatchObject({ error: { code: 'GRANT_DISABLED' } });
    expect(host.calls).toEqual([]);
  });

  it('opens the host request under the grant, passes body pieces one at a time (ack after the host took each), and relays credits', async () => {
    const { host, agent } = relayWith(async () => GRANT);
    agent.send(REQUEST);
    agent.send({ type: 'body', data: btoa('{"a":'), end: false });
    await agent.until('body-ack');
    agent.send({ type: 'body', data: btoa('1}'), end: false });
    agent.send({ type: 'body', data: '', end: true });
    await host.until(() => host.only()[1].bodyEnded);
    expect(host.calls.map((call) => call.type)).toEqual(['proxy.request', 'proxy.body', 'proxy.body', 'proxy.body']);
    expect(host.calls[0]!.params).toEqual({ requestId: 'req-00000001', grantId: GRANT.id, method: 'POST', path: '/openai/v1/chat/completions', headers: [['content-type', 'application/json']], hasBody: true });
    expect(host.only()[1].body.map((piece) => atob(piece)).join('')).toBe('{"a":1}');

    // Ten chunks: the host sends its window of eight, then waits for the agent's credits.
    const chunks = Array.from({ length: 10 }, (_, n) => btoa(`<${n}>`));
    host.respond('req-00000001', 200, [['content-type', 'text/plain']], chunks);
    await host.until(() => host.only()[1].sent === 8);
    await tick();
    expect(agent.received.filter((message) => message.type === 'chunk')).toHaveLength(8);
    agent.send({ type: 'credit', chunks: 2 });
    await agent.until('end');
    expect(host.calls.find((call) => call.type === 'proxy.credit')!.params).toEqual({ requestId: 'req-00000001', chunks: 2 });
    expect(agent.bodyText()).toBe('<0><1><2><3><4><5><6><7><8><9>');
  });

  it('relays a whole answer from the host as one message and is done: the agent hanging up then cancels nothing', async () => {
    const { host, agent } = relayWith(async () => GRANT);
    agent.send({ ...REQUEST, hasBody: false });
    await host.until(() => host.requests.size === 1);
    host.emit({ type: 'event', event: 'proxy.answer', requestId: 'req-00000001', status: 200, headers: [['content-type', 'text/plain']], data: btoa('whole') });
    await agent.until('answer');
    expect(agent.received).toEqual([{ type: 'answer', status: 200, headers: [['content-type', 'text/plain']], data: btoa('whole') }]);
    agent.disconnect();
    await tick();
    expect(host.calls.filter((call) => call.type === 'proxy.cancel')).toHaveLength(0);
  });

  it('the agent going away before the end cancels the host request once; after the end it cancels nothing', async () => {
    const open = relayWith(async () => GRANT);
    open.agent.send({ ...REQUEST, hasBody: false });
    await open.host.until(() => open.host.requests.size === 1);
    open.agent.disconnect();
    await open.host.until(() => open.host.only()[1].cancelled);
    await tick();
    expect(open.host.calls.filter((call) => call.type === 'proxy.cancel')).toHaveLength(1);

    const done = relayWith(async () => GRANT);
    done.agent.send({ ...REQUEST, hasBody: false });
    await done.host.until(() => done.host.requests.size === 1);
    done.host.respond('req-00000001', 204, [], []);
    await done.agent.until('end');
    done.agent.disconnect();
    await tick();
    expect(done.host.calls.filter((call) => call.type === 'proxy.cancel')).toHaveLength(0);
  });

  it('the host going away: before the head the agent gets the catalogue refusal, after it an error', async () => {
    const before = relayWith(async () => GRANT);
    before.agent.send({ ...REQUEST, hasBody: false });
    await before.host.until(() => before.host.requests.size === 1);
    before.host.emit({ type: 'event', event: 'proxy.error', requestId: 'req-00000001', error: errorBody('HOST_EXITED') });
    await before.agent.until('end');
    expect(before.agent.received[0]).toMatchObject({ type: 'head', status: 503 });
    expect(JSON.parse(before.agent.bodyText()).error.code).toBe('HOST_EXITED');

    const after = relayWith(async () => GRANT);
    after.agent.send({ ...REQUEST, hasBody: false });
    await after.host.until(() => after.host.requests.size === 1);
    after.host.emit({ type: 'event', event: 'proxy.head', requestId: 'req-00000001', status: 200, headers: [] });
    after.host.emit({ type: 'event', event: 'proxy.error', requestId: 'req-00000001', error: errorBody('HOST_EXITED') });
    await after.agent.until('error');
    expect(after.agent.received.map((message) => message.type)).toEqual(['head', 'error']);
  });

  it('passes up to BRIDGE_BODY_WINDOW body pieces on before the host took any (page, worker and host at work at once); one more, a flood the worker would queue, ends with MESSAGE_INVALID and cancels the host request', async () => {
    const { host, agent } = relayWith(async () => GRANT);
    host.holdBodies = true;
    agent.send(REQUEST);
    const piece = btoa('x'.repeat(3 * 1024));
    for (let n = 0; n < BRIDGE_BODY_WINDOW; n++) agent.send({ type: 'body', data: piece, end: false });
    const bodies = () => host.calls.filter((call) => call.type === 'proxy.body');
    await host.until(() => bodies().length === BRIDGE_BODY_WINDOW);
    expect(agent.received).toEqual([]);
    for (let n = 0; n < 200; n++) agent.send({ type: 'body', data: piece, end: false });
    await agent.until('end');
    expect(agent.received[0]).toMatchObject({ type: 'head', status: 400 });
    expect(JSON.parse(agent.bodyText()).error.code).toBe('MESSAGE_INVALID');
    await host.until(() => host.only()[1].cancelled);
    host.takeHeldBodies();
    await tick();
    expect(bodies()).toHaveLength(BRIDGE_BODY_WINDOW);
    expect(agent.received.map((message) => message.type)).toEqual(['head', 'chunk', 'end']);
  });

  it('forwards no more credit than the host sent chunks: a page posting credits in a loop puts no flood of frames on the shared native port', async () => {
    const { host, agent } = relayWith(async () => GRANT);
    agent.send({ ...REQUEST, hasBody: false });
    await host.until(() => host.requests.size === 1);
    host.emit({ type: 'event', event: 'proxy.head', requestId: 'req-00000001', status: 200, headers: [['content-type', 'text/event-stream']] });
    host.emit({ type: 'event', event: 'proxy.chunk', requestId: 'req-00000001', data: btoa('data: 1\n\n') });
    host.emit({ type: 'event', event: 'proxy.chunk', requestId: 'req-00000001', data: btoa('data: 2\n\n') });
    for (let n = 0; n < 500; n++) agent.send({ type: 'credit', chunks: 64 });
    agent.send({ type: 'cancel' });
    await host.until(() => host.only()[1].cancelled);
    const credits = host.calls.filter((call) => call.type === 'proxy.credit').map((call) => call.params.chunks as number);
    expect(credits.reduce((sum, chunks) => sum + chunks, 0)).toBe(2);
    expect(credits).toHaveLength(1);
  });

  it('refuses anything but a request first, and a second request', async () => {
    const first = relayWith(async () => GRANT);
    first.agent.send({ type: 'credit', chunks: 1 });
    await first.agent.until('end');
    expect(JSON.parse(first.agent.bodyText()).error.code).toBe('MESSAGE_INVALID');
    expect(first.host.calls).toEqual([]);
  });
});

/** The browser's runtime events, driven by the test. */
function fakeRuntime() {
  const connect: Array<(port: never) => void> = [];
  const external: Array<(port: never) => void> = [];
  const message: Array<(message: unknown, sender: never) => Promise<boolean> | undefined> = [];
  const externalMessage: Array<(message: unknown, sender: never) => Promise<unknown> | undefined> = [];
  const runtime: GatewayRuntime = {
    id: 'keygateidkeygateidkeygateidkeyga',
    getURL: (path) => `chrome-extension://keygateidkeygateidkeygateidkeyga${path}`,
    onConnect: { addListener: (listener) => void connect.push(listener as never) },
    onConnectExternal: { addListener: (listener) => void external.push(listener as never) },
    onMessage: { addListener: (listener) => void message.push(listener as never) },
    onMessageExternal: { addListener: (listener) => void externalMessage.push(listener as never) },
  };
  return { runtime, connect, external, message, externalMessage };
}

function gatewayServices(overrides: { vault?: string; host?: string; grant?: GrantRecord | KeygateError } = {}) {
  const host = new FakeBridgeHost();
  host.currentState = { status: overrides.host ?? 'connected' };
  const asked: string[] = [];
  const authorized: unknown[] = [];
  const reported: unknown[] = [];
  const services: GatewayServices = {
    grants: {
      authorize: async (identity) => {
        authorized.push(identity);
        const grant = overrides.grant ?? new KeygateError('GRANT_MISSING');
        if (grant instanceof KeygateError) throw grant;
        return grant;
      },
      recordUse: async () => undefined,
    },
    hostLink: host.link,
    session: { currentState: { status: overrides.vault ?? 'unlocked' } as never },
    noteUngrantedExtension: (id) => asked.push(id),
    reportRefusal: (identity, call, refusal) => void reported.push({ identity, call, code: (refusal as KeygateError).code }),
  };
  return { services, host, asked, authorized, reported };
}

async function callThroughGateway(overrides: Parameters<typeof gatewayServices>[0], external: boolean, sender: object) {
  const { runtime, connect, external: externalListeners } = fakeRuntime();
  const ready = gatewayServices(overrides);
  serveBrowserAgents(runtime, Promise.resolve(ready.services));
  const [client, background] = external ? connectedPorts(AGENT_PORT_NAME, sender as never) : connectedPorts(PAGE_PORT_NAME, sender as never);
  (external ? externalListeners : connect)[0]!(background as never);
  const agent = agentOn(client, external ? undefined : 1);
  agent.send({ ...REQUEST, hasBody: false });
  await Promise.race([agent.until('end'), ready.host.until(() => ready.host.requests.size === 1)]);
  return { ...ready, agent, background };
}

const statusOf = (agent: ReturnType<typeof agentOn>) => (agent.received[0] as { status?: number } | undefined)?.status;

describe('the gateway decides by the sender the browser names', () => {
  const extensionSender = { id: GRANT.subject };
  const pageSender = { id: 'keygateidkeygateidkeygateidkeyga', url: 'http://localhost:3000/chat', origin: 'http://localhost:3000', tab: { id: 1 } };

  it('an extension without a grant gets GRANT_MISSING, the popup hears of it, and so does the host (for its audit line)', async () => {
    const { agent, asked, reported } = await callThroughGateway({}, true, extensionSender);
    expect(statusOf(agent)).toBe(403);
    expect(JSON.parse(agent.bodyText()).error.code).toBe('GRANT_MISSING');
    expect(asked).toEqual([GRANT.subject]);
    expect(reported).toEqual([{ identity: { kind: 'extension', subject: GRANT.subject }, call: { method: REQUEST.method, path: REQUEST.path }, code: 'GRANT_MISSING' }]);
  });

  it('checks the grant, then the vault (VAULT_LOCKED), then the host (HOST_NOT_CONNECTED)', async () => {
    const locked = await callThroughGateway({ grant: GRANT, vault: 'locked' }, true, extensionSender);
    expect(statusOf(locked.agent)).toBe(423);
    expect(locked.reported).toEqual([{ identity: { kind: 'extension', subject: GRANT.subject }, call: { method: REQUEST.method, path: REQUEST.path }, code: 'VAULT_LOCKED' }]);
    const away = await callThroughGateway({ grant: GRANT, host: 'unavailable' }, true, extensionSender);
    expect(statusOf(away.agent)).toBe(503);
    expect(JSON.parse(away.agent.bodyText()).error.code).toBe('HOST_NOT_CONNECTED');
    // The refusal reports skip HOST_NOT_CONNECTED themselves (refusal-reports.ts); the gateway hands every refusal on.
    expect(away.reported).toEqual([{ identity: { kind: 'extension', subject: GRANT.subject }, call: { method: REQUEST.method, path: REQUEST.path }, code: 'HOST_NOT_CONNECTED' }]);
    const open = await callThroughGateway({ grant: GRANT }, true, extensionSender);
    expect(open.reported).toEqual([]);
    expect(open.host.only()[1].params.grantId).toBe(GRANT.id);
    expect(open.authorized).toEqual([{ kind: 'extension', subject: GRANT.subject }]);
  });

  it('a page is known by its tab origin; Keygate\'s own pages and ports without a tab are not agents', async () => {
    const page = await callThroughGateway({ grant: { ...GRANT, kind: 'site', subject: 'http://localhost:3000' } }, false, pageSender);
    expect(page.authorized).toEqual([{ kind: 'site', subject: 'http://localhost:3000' }]);
    expect(identifyPage({ ...pageSender, url: 'chrome-extension://keygateidkeygateidkeygateidkeyga/options.html' }, pageSender.id, 'chrome-extension://keygateidkeygateidkeygateidkeyga/')).toBeNull();
    expect(identifyPage({ ...pageSender, tab: undefined }, pageSender.id, 'chrome-extension://keygateidkeygateidkeygateidkeyga/')).toBeNull();
    expect(identifyPage({ ...pageSender, id: 'someoneelse' }, pageSender.id, 'x')).toBeNull();
  });

  it('Firefox: without sender.origin the frame URL gives the origin, port included', () => {
    const { origin: _origin, ...firefoxSender } = { ...pageSender, url: 'http://localhost:3001/chat?x=1' };
    expect(identifyPage(firefoxSender, pageSender.id, 'moz-extension://uuid/')).toEqual({ kind: 'site', subject: 'http://localhost:3001' });
  });

  it('answers another extension\'s one-message call under its grant, refuses an ungranted one (the popup hears of it), and leaves other senders unanswered', async () => {
    const call = { type: 'keygate.fetch', method: 'GET', path: '/openai/v1/models' };
    const ungranted = fakeRuntime();
    const refusing = gatewayServices();
    serveBrowserAgents(ungranted.runtime, Promise.resolve(refusing.services));
    const refused = (await ungranted.externalMessage[0]!(call, extensionSender as never)) as { status: number; body: string };
    expect(refused.status).toBe(403);
    expect(JSON.parse(atob(refused.body)).error.code).toBe('GRANT_MISSING');
    expect(refusing.asked).toEqual([GRANT.subject]);
    expect(refusing.host.calls).toEqual([]);

    const granted = fakeRuntime();
    const serving = gatewayServices({ grant: GRANT });
    serveBrowserAgents(granted.runtime, Promise.resolve(serving.services));
    const answer = granted.externalMessage[0]!(call, extensionSender as never);
    await serving.host.until(() => serving.host.requests.size === 1);
    const [requestId, open] = serving.host.only();
    expect(open.params).toMatchObject({ grantId: GRANT.id, method: 'GET', path: '/openai/v1/models', hasBody: false });
    serving.host.respond(requestId, 200, [['content-type', 'application/json']], [btoa('{"data":[]}')]);
    expect(await answer).toEqual({ status: 200, headers: [['content-type', 'application/json']], body: btoa('{"data":[]}') });
    expect(serving.authorized).toEqual([{ kind: 'extension', subject: GRANT.subject }]);

    // A web page (no extension id; the manifest lets none connect) and Keygate's own pages are not answered here.
    expect(granted.externalMessage[0]!(call, { url: 'https://evil.example/', origin: 'https://evil.example' } as never)).toBeUndefined();
    expect(granted.externalMessage[0]!(call, { id: granted.runtime.id } as never)).toBeUndefined();
  });

  it('answers the relay\'s start-up question by the sender only', async () => {
    const { runtime, message } = fakeRuntime();
    serveBrowserAgents(runtime, Promise.resolve(gatewayServices({ grant: { ...GRANT, kind: 'site', subject: 'http://localhost:3000' } }).services));
    expect(await message[0]!({ type: 'keygate.siteGranted' }, pageSender as never)).toBe(true);
    const refused = fakeRuntime();
    serveBrowserAgents(refused.runtime, Promise.resolve(gatewayServices().services));
    expect(await refused.message[0]!({ type: 'keygate.siteGranted', origin: 'http://localhost:3000' }, pageSender as never)).toBe(false);
    expect(message[0]!({ type: 'vault.unlock' }, pageSender as never)).toBeUndefined();
  });
});
