/**
 * The extension's whole side of a browser-agent call, with only the browser and the host faked:
 * window.keygate (main world) → relay (content script) → background relay → host link surface.
 */
import { describe, expect, it } from 'vitest';
import { relayAgentRequest } from '../../lib/browser-agents/bridge-relay';
import { splitPagePort } from '../../lib/browser-agents/page-line';
import { decodeChunk, encodeChunk } from '../../lib/browser-agents/body-chunks';
import { installKeygateApi, READY_EVENT } from '../../lib/browser-agents/page-api';
import { postNote } from '../../lib/browser-agents/page-channel';
import { relayPageRequests } from '../../lib/browser-agents/page-relay';
import type { KeygateFetch } from '../../lib/browser-agents/keygate-fetch';
import { BRIDGE_CREDIT_WINDOW } from '../../shared/bridge-messages';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { FakeBridgeHost } from '../support/fake-bridge-host';
import { connectedPorts, FakeWindow } from '../support/fake-runtime-ports';

const GRANT: GrantRecord = { id: 'grant-0000000000000001', kind: 'site', subject: 'http://localhost:3000', scopes: ['openai'], createdAt: 0, expiresAt: null, enabled: true, lastUsedAt: null };

async function grantedPage(options: { granted?: boolean; refusal?: KeygateError } = {}) {
  const win = new FakeWindow();
  const host = new FakeBridgeHost();
  const backgroundPorts: Array<{ disconnected: boolean }> = [];
  let ready = false;
  win.addEventListener(READY_EVENT, () => (ready = true));
  void relayPageRequests(win as unknown as Window, {
    siteGranted: async () => options.granted ?? true,
    connect: (name) => {
      const [client, background] = connectedPorts(name, { id: 'self', url: 'http://localhost:3000/app', tab: {} });
      backgroundPorts.push(background);
      splitPagePort(background, (requestPort) =>
        relayAgentRequest(requestPort, {
          admit: async () => {
            if (options.refusal) throw options.refusal;
            return { grant: GRANT, host: host.link };
          },
        }),
      );
      return client;
    },
  });
  const installed = installKeygateApi(win as unknown as Window);
  if (options.granted ?? true) await installed;
  const keygate = (win as unknown as { keygate?: { fetch: KeygateFetch; status: () => Promise<unknown> } }).keygate;
  return { win, host, keygate, ready: () => ready, backgroundPorts };
}

const sse = (n: number) => encodeChunk(new TextEncoder().encode(`data: {"n":${n}}\n\n`));

describe('page → content script → background → host', () => {
  it('defines window.keygate and fires keygate:ready on a granted page; forwards the request with the grant and streams the answer', async () => {
    const { host, keygate, ready } = await grantedPage();
    expect(ready()).toBe(true);
    const pending = keygate!.fetch('https://keygate.invalid/openai/v1/chat/completions', { method: 'POST', body: '{"stream":true}', headers: { 'content-type': 'application/json' } });
    await host.until(() => host.requests.size === 1 && host.only()[1].bodyEnded);
    const [requestId, open] = host.only();
    expect(open.params).toMatchObject({ grantId: GRANT.id, method: 'POST', path: '/openai/v1/chat/completions', hasBody: true });
    expect(new TextDecoder().decode(Uint8Array.from(open.body.flatMap((piece) => [...decodeChunk(piece)])))).toBe('{"stream":true}');

    host.respond(requestId, 200, [['content-type', 'text/event-stream']], [sse(1), sse(2), sse(3)]);
    const response = await pending;
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n');
  });

  it('a page that stops reading stops the host: no more than the credit window beyond what it read', async () => {
    const { host, keygate } = await grantedPage();
    const pending = keygate!.fetch('/openai/v1/chat/completions', { method: 'POST', body: '{}' });
    await host.until(() => host.requests.size === 1 && host.only()[1].bodyEnded);
    const [requestId, open] = host.only();
    host.respond(requestId, 200, [], Array.from({ length: 40 }, (_, n) => sse(n)));
    const reader = (await pending).body!.getReader();
    for (let read = 0; read < 3; read++) await reader.read();
    await host.until(() => open.sent >= 3 + BRIDGE_CREDIT_WINDOW);
    // Nothing more may come however long we wait: the page took 3, so the host may be 8 ahead of that.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(open.sent).toBe(3 + BRIDGE_CREDIT_WINDOW);
    await reader.read();
    await host.until(() => open.sent === 4 + BRIDGE_CREDIT_WINDOW);
  });

  it('the page aborting a stream cancels the host request', async () => {
    const { host, keygate } = await grantedPage();
    const controller = new AbortController();
    const pending = keygate!.fetch('/openai/v1/chat/completions', { method: 'POST', body: '{}', signal: controller.signal });
    await host.until(() => host.requests.size === 1 && host.only()[1].bodyEnded);
    const [requestId, open] = host.only();
    host.respond(requestId, 200, [], Array.from({ length: 40 }, (_, n) => sse(n)));
    const reader = (await pending).body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await host.until(() => open.cancelled);
    expect(host.calls.filter((call) => call.type === 'proxy.cancel')).toEqual([{ type: 'proxy.cancel', params: { requestId } }]);
  });

  it('a refusal at the door (vault locked) answers at once with its status, and nothing reaches the host', async () => {
    const { host, keygate } = await grantedPage({ refusal: new KeygateError('VAULT_LOCKED') });
    const response = await keygate!.fetch('/openai/v1/models');
    expect(response.status).toBe(423);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('VAULT_LOCKED');
    await expect(keygate!.status()).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    expect(host.calls).toEqual([]);
  });

  it('an ungranted page never gets window.keygate, whatever a page script posts', async () => {
    const { win, ready } = await grantedPage({ granted: false });
    postNote(win as unknown as Window, 'page-ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Object.hasOwn(win, 'keygate')).toBe(false);
    expect(ready()).toBe(false);
  });

  it('a message off the protocol ends that request only: nothing reaches the host, and the page\'s next call works on the same port', async () => {
    const { win, host, keygate, backgroundPorts } = await grantedPage();
    const { port1, port2 } = new MessageChannel();
    postNote(win as unknown as Window, 'open', [port2]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    port1.postMessage({ type: 'request', method: 'GET', path: 'no-leading-slash', headers: [], hasBody: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(host.calls).toEqual([]);
    port1.close();

    const pending = keygate!.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 1);
    host.respond(host.only()[0], 200, [], [sse(1)]);
    expect(await (await pending).text()).toBe('data: {"n":1}\n\n');
    expect(backgroundPorts).toHaveLength(1);
  });

  it('all of a page\'s calls share one port; a port that breaks fails the open calls and the next call opens a new one', async () => {
    const { host, keygate, backgroundPorts } = await grantedPage();
    const first = keygate!.fetch('/openai/v1/models');
    const second = keygate!.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 2);
    expect(backgroundPorts).toHaveLength(1);
    for (const [requestId] of host.requests) host.respond(requestId, 200, [], [sse(7)]);
    expect(await (await first).text()).toBe('data: {"n":7}\n\n');
    expect(await (await second).text()).toBe('data: {"n":7}\n\n');

    const open = keygate!.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 3);
    (backgroundPorts[0] as unknown as { disconnect(): void }).disconnect();
    await expect(open).rejects.toThrow(/closed before the answer was complete/);
    const again = keygate!.fetch('/openai/v1/models');
    await host.until(() => host.requests.size === 4);
    expect(backgroundPorts).toHaveLength(2);
    const [lastId] = [...host.requests.keys()].slice(-1);
    host.respond(lastId!, 200, [], [sse(8)]);
    expect(await (await again).text()).toBe('data: {"n":8}\n\n');
  });
});
