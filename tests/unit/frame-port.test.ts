/**
 * The frame's MessagePort line between a page's content script and the background, with the
 * browser faked around real MessageChannels: who the background admits a port for (origin claims,
 * nested frames, messages not from its frame), bytes crossing as ArrayBuffers, and the line breaking.
 */
import { describe, expect, it, vi } from 'vitest';
import { type GatewayServices, serveFramePorts, type WorkerMessage } from '../../lib/browser-agents/agent-gateway';
import { decodeChunk, encodeChunk } from '../../lib/browser-agents/body-chunks';
import { type FrameSource, identifyFramePort } from '../../lib/browser-agents/frame-port-line';
import { installKeygateApi } from '../../lib/browser-agents/page-api';
import { PAGE_PORT_NAME, type PageEnvelope, splitPagePort, watchToken } from '../../lib/browser-agents/page-line';
import { relayAgentRequest } from '../../lib/browser-agents/bridge-relay';
import { PageWatches } from '../../lib/browser-agents/page-watches';
import { isPageNote, postNote } from '../../lib/browser-agents/page-channel';
import { relayPageRequests } from '../../lib/browser-agents/page-relay';
import { FRAME_PORT_NOTE, handOverFramePort } from '../../lib/browser-agents/port-frame';
import type { KeygateFetch } from '../../lib/browser-agents/keygate-fetch';
import type { AgentIdentity } from '../../lib/grants/grant-service';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { FakeBridgeHost } from '../support/fake-bridge-host';
import { connectedPorts, FakeWindow } from '../support/fake-runtime-ports';

const FRAME_URL = 'chrome-extension://ljfinjkkblfipmgadfpfgephgogcoghg/keygate-port.html';
/** The per-session URL Chromium serves a `use_dynamic_url` resource at. */
const SESSION_FRAME_URL = 'chrome-extension://8d04f4d0-5a4c-422d-ad24-7e488ec98980/keygate-port.html';
const GRANTED = 'http://localhost:3000';
const GRANT: GrantRecord = { id: 'grant-0000000000000001', kind: 'site', subject: GRANTED, scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };
const FRAME: FrameSource = { url: SESSION_FRAME_URL, frameType: 'nested' };
const note = (ancestors: string[]) => ({ type: FRAME_PORT_NOTE, ancestors, token: 'token-1' });
const REQUEST = { type: 'request', method: 'POST', path: '/openai/v1/files', headers: [], hasBody: true };
const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));
const PORT_PATIENCE_MS = 5000;

describe('which frame port the background admits', () => {
  it('one from its own frame (at either URL), nested directly in a page: that page is the identity', () => {
    expect(identifyFramePort(note([GRANTED]), FRAME, FRAME_URL)).toEqual({ kind: 'site', subject: GRANTED });
    expect(identifyFramePort(note([GRANTED]), { url: FRAME_URL, frameType: 'nested' }, FRAME_URL)).toEqual({ kind: 'site', subject: GRANTED });
  });

  it('none for a frame nested deeper: a granted page framed by another site, or the frame inside a subframe', () => {
    expect(identifyFramePort(note([GRANTED, 'https://evil.example']), FRAME, FRAME_URL)).toBeNull();
    expect(identifyFramePort(note(['https://evil.example', GRANTED]), FRAME, FRAME_URL)).toBeNull();
    expect(identifyFramePort(note([]), FRAME, FRAME_URL)).toBeNull();
  });

  it('none for a message not from its frame: another extension page, a top-level tab of the frame, no window', () => {
    expect(identifyFramePort(note([GRANTED]), { url: 'chrome-extension://ljfinjkkblfipmgadfpfgephgogcoghg/popup.html', frameType: 'nested' }, FRAME_URL)).toBeNull();
    expect(identifyFramePort(note([GRANTED]), { url: SESSION_FRAME_URL, frameType: 'top-level' }, FRAME_URL)).toBeNull();
    expect(identifyFramePort(note([GRANTED]), { url: SESSION_FRAME_URL }, FRAME_URL)).toBeNull();
    expect(identifyFramePort(note([GRANTED]), null, FRAME_URL)).toBeNull();
  });

  it('none for an origin that is no web origin, or a note of another shape', () => {
    for (const origin of ['null', 'chrome-extension://abc', 'file://', 'http://localhost:3000/path']) expect(identifyFramePort(note([origin]), FRAME, FRAME_URL)).toBeNull();
    expect(identifyFramePort({ type: FRAME_PORT_NOTE, ancestors: GRANTED, token: 'token-1' }, FRAME, FRAME_URL)).toBeNull();
    expect(identifyFramePort({ type: FRAME_PORT_NOTE, ancestors: [GRANTED] }, FRAME, FRAME_URL)).toBeNull();
    expect(identifyFramePort({ type: 'other', ancestors: [GRANTED] }, FRAME, FRAME_URL)).toBeNull();
  });
});

/** The background's service worker with the gateway's frame ports served, the frame and the page around it. */
function background() {
  const host = new FakeBridgeHost();
  const asked: AgentIdentity[] = [];
  const listeners: Array<(event: WorkerMessage) => void> = [];
  /** Set it to take the grant away (revoked in Keygate's options). */
  const grant = { revoked: false };
  /** The calls refused in the background, as the host hears of them for its audit log. */
  const reported: unknown[] = [];
  const services: GatewayServices = {
    grants: {
      authorize: async (identity) => {
        asked.push(identity);
        if (identity.subject !== GRANTED || grant.revoked) throw new KeygateError('GRANT_MISSING');
        return GRANT;
      },
      recordUse: async () => undefined,
    },
    hostLink: host.link as unknown as GatewayServices['hostLink'],
    session: { currentState: { status: 'unlocked' } as GatewayServices['session']['currentState'] },
    noteUngrantedExtension: () => undefined,
    reportRefusal: (identity, call, refusal) => void reported.push({ identity, call, code: (refusal as KeygateError).code }),
  };
  const watches = new PageWatches();
  serveFramePorts({ addEventListener: (_type, listener) => void listeners.push(listener) }, FRAME_URL, watches, Promise.resolve(services));
  /** The content script's watch port, from a tab of `origin` as the browser reports it; disconnect it to end the line. */
  const watchFrom = (token: string, origin = GRANTED) => {
    const [contentScript, worker] = connectedPorts(`keygate-page-watch:${token}`);
    watches.add(token, { kind: 'site', subject: origin }, worker);
    return contentScript;
  };
  /** The content script's runtime port (the fallback line), served as the gateway serves one. */
  const pagePortFrom = () => {
    const [contentScript, worker] = connectedPorts(PAGE_PORT_NAME);
    const admit = async () => ({ grant: await services.grants.authorize({ kind: 'site', subject: GRANTED }), host: host.link });
    splitPagePort(worker, (requestPort) => relayAgentRequest(requestPort, { admit }));
    return contentScript;
  };
  const worker = (source: FrameSource | null) => ({
    postMessage: (data: unknown, transfer: MessagePort[]) => {
      const event = { data: structuredClone(data), source, ports: transfer };
      setTimeout(() => listeners.forEach((listener) => listener(event)), 0);
    },
  });

  /** Keygate's frame in a page whose ancestors are `ancestors`, messaging the worker as `source`; what it hands its parent. */
  const frameIn = async (ancestors: string[], source: FrameSource | null = FRAME, token = 'token-1', silenceMs = 30) => {
    const handed: Array<{ data: unknown; targetOrigin: string; port: MessagePort }> = [];
    let handedOver = () => undefined as void;
    const win = {
      location: { ancestorOrigins: ancestors, hash: `#${token}` },
      parent: {
        postMessage: (data: unknown, targetOrigin: string, transfer: MessagePort[]) => {
          handed.push({ data, targetOrigin, port: transfer[0]! });
          handedOver();
        },
      },
    } as unknown as Window;
    void handOverFramePort(win, { ready: Promise.resolve({ active: worker(source) } as unknown as ServiceWorkerRegistration) });
    // A refusal is silence, waited out; where a port is due, `silenceMs` is long, as a loaded machine is slow.
    await Promise.race([new Promise<void>((resolve) => (handedOver = resolve)), tick(silenceMs)]);
    return handed;
  };
  /** The port a granted page's frame hands over. */
  const portFor = async (token = 'token-1') => (await frameIn([GRANTED], FRAME, token, PORT_PATIENCE_MS))[0]?.port;
  return { host, asked, grant, reported, frameIn, portFor, watchFrom, pagePortFrom, watches };
}

describe('the frame and the background', () => {
  it('a granted page gets a port, addressed to its exact origin; bodies cross as ArrayBuffers and reach the host as base64', async () => {
    const { host, frameIn, watchFrom } = background();
    watchFrom('token-1');
    const handed = await frameIn([GRANTED], FRAME, 'token-1', PORT_PATIENCE_MS);
    expect(handed).toHaveLength(1);
    expect(handed[0]!.targetOrigin).toBe(GRANTED);
    const port = handed[0]!.port;
    const heard: PageEnvelope[] = [];
    port.onmessage = (event: MessageEvent) => heard.push(event.data as PageEnvelope);

    const upload = Uint8Array.from([0, 1, 2, 250, 255]).buffer;
    port.postMessage({ rid: 1, message: REQUEST });
    port.postMessage({ rid: 1, message: { type: 'body', data: upload, end: false } }, [upload]);
    await host.until(() => host.requests.size === 1 && host.only()[1].body.length === 1);
    const [requestId, open] = host.only();
    expect(open.params).toMatchObject({ grantId: GRANT.id, method: 'POST', path: '/openai/v1/files' });
    expect([...decodeChunk(open.body[0]!)]).toEqual([0, 1, 2, 250, 255]);

    host.respond(requestId, 200, [], [encodeChunk(Uint8Array.from([9, 128, 255]))]);
    await tick(30);
    const chunk = heard.find((envelope) => (envelope.message as { type: string }).type === 'chunk')!.message as { data: unknown };
    expect(chunk.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(chunk.data as ArrayBuffer)]).toEqual([9, 128, 255]);
    port.close();
  });

  it('a body that is not an ArrayBuffer (base64 text, say) is refused with MESSAGE_INVALID, as on a runtime port', async () => {
    const { host, portFor, watchFrom } = background();
    watchFrom('token-1');
    const port = (await portFor())!;
    const heard: PageEnvelope[] = [];
    port.onmessage = (event: MessageEvent) => heard.push(event.data as PageEnvelope);
    port.postMessage({ rid: 1, message: REQUEST });
    await host.until(() => host.requests.size === 1);
    port.postMessage({ rid: 1, message: { type: 'body', data: 'AAEC', end: true } });
    await host.until(() => host.calls.some((call) => call.type === 'proxy.cancel'));
    await tick(30);
    const bytes = heard.filter((envelope) => (envelope.message as { type: string }).type === 'chunk').map((envelope) => new Uint8Array((envelope.message as { data: ArrayBuffer }).data));
    expect(JSON.parse(new TextDecoder().decode(bytes[0]))).toMatchObject({ error: { code: 'MESSAGE_INVALID' } });
    expect(host.requests.size).toBe(1);
    expect(host.only()[1].body).toEqual([]);
    port.close();
  });

  it('an ungranted origin gets nothing: the frame hands no port to its page', async () => {
    const { asked, frameIn } = background();
    expect(await frameIn(['https://evil.example'])).toEqual([]);
    expect(asked).toEqual([{ kind: 'site', subject: 'https://evil.example' }]);
  });

  it('a page framed under another site, or a port not from the frame, gets nothing, and no grant is even looked up', async () => {
    const { asked, frameIn } = background();
    expect(await frameIn([GRANTED, 'https://evil.example'])).toEqual([]);
    expect(await frameIn([GRANTED], { url: 'chrome-extension://ljfinjkkblfipmgadfpfgephgogcoghg/popup.html', frameType: 'nested' })).toEqual([]);
    expect(await frameIn([GRANTED], null)).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("the page going away (it navigated, its tab closed: its watch port disconnects) cancels its open requests on the host", async () => {
    const { host, portFor, watchFrom } = background();
    const watch = watchFrom('token-1');
    const port = (await portFor())!;
    port.postMessage({ rid: 1, message: { ...REQUEST, method: 'GET', hasBody: false } });
    await host.until(() => host.requests.size === 1);
    watch.disconnect();
    await host.until(() => host.only()[1].cancelled);
    expect(host.calls.filter((call) => call.type === 'proxy.cancel')).toHaveLength(1);
  });

  it('no port without the watch of a tab of the same origin: none at all, one from another site, or another token', async () => {
    const { asked, frameIn, watchFrom } = background();
    expect(await frameIn([GRANTED])).toEqual([]);
    watchFrom('token-2', 'https://evil.example');
    expect(await frameIn([GRANTED], FRAME, 'token-2')).toEqual([]);
    watchFrom('token-3');
    expect(await frameIn([GRANTED], FRAME, 'token-4')).toEqual([]);
    expect(asked).toHaveLength(3);
  });
});

/** A page's window that keeps the kind of every keygate/v1 note posted on it. */
class NotedWindow extends FakeWindow {
  readonly notes: string[] = [];
  override postMessage(data: unknown, targetOrigin: string, transfer: Transferable[] = []): void {
    if (isPageNote(data)) this.notes.push(transfer.length > 0 ? `${data.kind}+port` : data.kind);
    super.postMessage(data, targetOrigin, transfer);
  }
}

describe("the page's own line through the frame", () => {
  async function grantedPage() {
    const { host, grant, reported, portFor, watchFrom, pagePortFrom } = background();
    const win = new NotedWindow();
    const watches: Array<{ disconnect(): void; readonly disconnected: boolean }> = [];
    const runtimePorts: string[] = [];
    let tokens = 0;
    void relayPageRequests(win as unknown as Window, {
      siteGranted: async () => !grant.revoked,
      newToken: () => `token-${++tokens}`,
      openFramePort: async (token) => (await portFor(token)) ?? null,
      connect: (name) => {
        runtimePorts.push(name);
        if (name === PAGE_PORT_NAME) return pagePortFrom();
        const contentScript = watchFrom(watchToken(name)!);
        watches.push(contentScript);
        return contentScript;
      },
    });
    await installKeygateApi(win as unknown as Window);
    const keygate = (win as unknown as { keygate: { fetch: KeygateFetch } }).keygate;
    return { host, grant, reported, keygate, watches, runtimePorts, win };
  }

  it('a call its grant refuses retires the line: the refusal arrives on it, and the next call, the grant checked afresh, is refused at once over the runtime port, the old line closed', async () => {
    const { host, grant, reported, keygate, watches, runtimePorts } = await grantedPage();
    const first = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 1);
    host.respond(host.only()[0], 200, [], [encodeChunk(new TextEncoder().encode('{"ok":true}'))]);
    expect((await first).status).toBe(200);

    grant.revoked = true;
    const refusedOnLine = await keygate.fetch('/openai/v1/models');
    expect({ status: refusedOnLine.status, body: await refusedOnLine.json() }).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    const startedAt = performance.now();
    const refusedAfter = await keygate.fetch('/openai/v1/models');
    expect({ status: refusedAfter.status, body: await refusedAfter.json() }).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    // Not after a refused frame's wait: no frame was tried for a page without a grant.
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(runtimePorts).toEqual(['keygate-page-watch:token-1', PAGE_PORT_NAME]);
    // The retired line's watch went with it, so the background closed that line.
    expect(watches[0]!.disconnected).toBe(true);
    expect(host.requests.size).toBe(1);
    // The call refused on the line never reached the host as a request, but is reported for its audit
    // line (the runtime port here is the test's stand-in, not the gateway's, so it reports nothing).
    expect(reported).toEqual([{ identity: { kind: 'site', subject: GRANTED }, call: { method: 'GET', path: '/openai/v1/models' }, code: 'GRANT_MISSING' }]);
  });

  it('a page whose grant is given back gets a line of its own again with its next call, without a reload', async () => {
    const { host, grant, keygate, runtimePorts, win } = await grantedPage();
    const answerLast = () => {
      const [lastId] = [...host.requests.keys()].slice(-1);
      host.respond(lastId!, 200, [], [encodeChunk(new TextEncoder().encode('{"ok":true}'))]);
    };
    const first = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 1);
    answerLast();
    expect((await first).status).toBe(200);

    grant.revoked = true;
    for (let call = 0; call < 3; call++) expect((await keygate.fetch('/openai/v1/models')).status).toBe(403);
    grant.revoked = false;
    const again = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 2);
    answerLast();
    expect(await (await again).text()).toBe('{"ok":true}');
    // Refused on the line (retiring it: the next ask closed it), then twice through the content
    // script, each call asking again; given back, the next call came over a new frame port.
    expect(win.notes.filter((kind) => kind.startsWith('line'))).toEqual(['line-wanted', 'line+port', 'line-wanted', 'line-closed', 'line-later', 'line-wanted', 'line-later', 'line-wanted', 'line+port']);
    expect(runtimePorts).toEqual(['keygate-page-watch:token-1', PAGE_PORT_NAME, 'keygate-page-watch:token-2']);
  });

  it("the page holds the frame's port itself: once it is there, requests and answers cross no note through the content script", async () => {
    const { host, keygate, win } = await grantedPage();
    const answer = (n: number) => host.until(() => host.requests.size === n).then(() => host.respond([...host.requests.keys()][n - 1]!, 200, [], [encodeChunk(Uint8Array.from([n]))]));
    const first = keygate.fetch('/openai/v1/models');
    await answer(1);
    expect([...new Uint8Array(await (await first).arrayBuffer())]).toEqual([1]);
    const second = keygate.fetch('/openai/v1/files', { method: 'POST', body: Uint8Array.from([4, 5]) });
    await host.until(() => [...host.requests.values()][1]?.bodyEnded === true);
    await answer(2);
    expect([...new Uint8Array(await (await second).arrayBuffer())]).toEqual([2]);
    // One ask for a line, one answer with the port; no `open` note per request.
    expect(win.notes.filter((kind) => kind !== 'page-ready' && kind !== 'relay-ready')).toEqual(['line-wanted', 'line+port']);
  });

  it('a page script asking for a line again replaces the line: the old one ends (its watch goes, its open call fails) and the next call works', async () => {
    const { host, keygate, watches, runtimePorts, win } = await grantedPage();
    const open = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 1);
    postNote(win as unknown as Window, 'line-wanted');
    await expect(open).rejects.toThrow(/closed before the answer was complete/);
    expect(watches[0]!.disconnected).toBe(true);
    // The background ended that line: the call open on it is cancelled on the host.
    await host.until(() => host.only()[1].cancelled);
    // The script's line is there (and in its hands only): window.keygate asks for its own.
    await vi.waitFor(() => expect(win.notes.filter((kind) => kind === 'line+port')).toHaveLength(2));
    const again = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 2);
    const [lastId] = [...host.requests.keys()].slice(-1);
    host.respond(lastId!, 200, [], [encodeChunk(new TextEncoder().encode('{"ok":true}'))]);
    expect(await (await again).text()).toBe('{"ok":true}');
    // At most one line at a time: the script's line was replaced in turn by window.keygate's.
    expect(runtimePorts).toEqual(['keygate-page-watch:token-1', 'keygate-page-watch:token-2', 'keygate-page-watch:token-3']);
    expect(watches.map((watch) => watch.disconnected)).toEqual([true, true, false]);
  });

  it('carries window.keygate calls over the MessagePort, bytes intact, with only a watch port beside it', async () => {
    const { host, keygate, runtimePorts } = await grantedPage();
    const pending = keygate.fetch('/openai/v1/files', { method: 'POST', body: Uint8Array.from([1, 2, 3, 200]) });
    await host.until(() => host.requests.size === 1 && host.only()[1].bodyEnded);
    const [requestId, open] = host.only();
    expect(open.body.flatMap((piece) => [...decodeChunk(piece)])).toEqual([1, 2, 3, 200]);
    host.respond(requestId, 200, [], [encodeChunk(Uint8Array.from([7, 255]))]);
    expect([...new Uint8Array(await (await pending).arrayBuffer())]).toEqual([7, 255]);
    expect(runtimePorts).toEqual(['keygate-page-watch:token-1']);
  });

  it('a stopped worker (its watch port disconnected) fails the open calls as a broken line does; the next call gets a new port', async () => {
    const { host, keygate, watches, runtimePorts } = await grantedPage();
    const open = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 1);
    // Chromium disconnects a runtime port when its service worker stops; the MessagePort just goes quiet.
    (watches[0] as unknown as { hangUp(): void }).hangUp();
    await expect(open).rejects.toThrow(/closed before the answer was complete/);
    const again = keygate.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 2);
    const [lastId] = [...host.requests.keys()].slice(-1);
    host.respond(lastId!, 200, [], [encodeChunk(new TextEncoder().encode('{"ok":true}'))]);
    expect(await (await again).text()).toBe('{"ok":true}');
    expect(runtimePorts).toEqual(['keygate-page-watch:token-1', 'keygate-page-watch:token-2']);
  });

  it('falls back to a runtime port when no frame port comes (Firefox, or a refused frame)', async () => {
    const win = new FakeWindow();
    const runtimePorts: string[] = [];
    const contentScriptEnds: Array<{ disconnected: boolean }> = [];
    const workerEnds: Array<{ heard: number; disconnect(): void }> = [];
    void relayPageRequests(win as unknown as Window, {
      siteGranted: async () => true,
      openFramePort: async () => null,
      connect: (name) => {
        runtimePorts.push(name);
        const [contentScript, worker] = connectedPorts(name);
        contentScriptEnds.push(contentScript);
        const workerEnd = { heard: 0, disconnect: () => worker.disconnect() };
        workerEnds.push(workerEnd);
        worker.onMessage.addListener((envelope) => {
          workerEnd.heard += 1;
          const { rid, message } = envelope as PageEnvelope;
          // Over JSON, the page's body bytes went as base64.
          if ((message as { type: string }).type === 'body') worker.postMessage({ rid, message: { type: 'answer', status: 200, headers: [], data: (message as { data: string }).data } });
          else if ((message as { type: string }).type === 'request') worker.postMessage({ rid, message: { type: 'body-ack' } });
        });
        return contentScript;
      },
    });
    await installKeygateApi(win as unknown as Window);
    const keygate = (win as unknown as { keygate: { fetch: KeygateFetch } }).keygate;
    const response = await keygate.fetch('/openai/v1/files', { method: 'POST', body: Uint8Array.from([5, 6, 250]) });
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([5, 6, 250]);
    // The watch opened for the frame is let go.
    expect(runtimePorts).toEqual([expect.stringMatching(/^keygate-page-watch:/), 'keygate-page']);
    expect(contentScriptEnds.map((end) => end.disconnected)).toEqual([true, false]);

    // That line breaking (a stopped worker) fails the call open on it; the next call tries the frame again first.
    const heardBefore = workerEnds[1]!.heard;
    const open = keygate.fetch('/openai/v1/models');
    await vi.waitFor(() => expect(workerEnds[1]!.heard).toBe(heardBefore + 1));
    workerEnds[1]!.disconnect();
    await expect(open).rejects.toThrow(/closed before the answer was complete/);
    const again = await keygate.fetch('/openai/v1/files', { method: 'POST', body: Uint8Array.from([9]) });
    expect([...new Uint8Array(await again.arrayBuffer())]).toEqual([9]);
    expect(runtimePorts).toEqual([expect.stringMatching(/^keygate-page-watch:/), 'keygate-page', expect.stringMatching(/^keygate-page-watch:/), 'keygate-page']);
  });
});
