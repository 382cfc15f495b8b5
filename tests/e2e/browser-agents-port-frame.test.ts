/**
 * A granted page's MessagePort to the background, end to end in headless Chromium with the real
 * extension and host: the page's calls go over the port Keygate's frame (a per-session URL, in the
 * page for a moment) handed over, held by window.keygate itself, bodies as bytes both ways; a page
 * that embeds the frame itself, without a grant or nested under another site, gets nothing from it;
 * and the service worker being stopped mid-session leaves the page able to call again (the watch
 * port in page-line.ts).
 */
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import { type AgentWebApp, startAgentWebApp } from './browser-agent-fixtures';
import { MASTER_PASSWORD, unlock, vaultWithGrantedSite, waitForProxyReady } from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-port-frame-0001';
const MODELS = '{"object":"list","data":[{"id":"gpt-e2e","object":"model"}]}';
/** Long enough for a frame to answer if it were going to (it answers a granted page in milliseconds). */
const SILENCE_MS = 3000;

const BINARY_BYTES = 300_000;
const everyByte = () => Buffer.from(Uint8Array.from({ length: BINARY_BYTES }, (_, at) => (at * 7) % 256));

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
let webApp: AgentWebApp | undefined;
let popup: Page | undefined;
/** Resolves when the upstream sees its endless stream's client go away. */
let endlessStreamClosed: Promise<void> | null = null;

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => {
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"wrong key"}}');
      return;
    }
    if (request.url.endsWith('/endless')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      endlessStreamClosed = new Promise((resolve) => res.on('close', () => resolve()));
      const timer = setInterval(() => res.write('data: more\n\n'), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (request.method === 'POST') {
      // Echoes the (text) body it got, then bytes of every value, so the page can check both ways byte for byte.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.concat([Buffer.from(request.body, 'utf8'), everyByte()]));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(MODELS);
  });
  webApp = await startAgentWebApp();
  keygate = await launchKeygateBrowser();
  popup = await vaultWithGrantedSite(keygate, { openaiKey: FAKE_OPENAI_KEY, upstreamUrl: upstream.url, origin: webApp.origin('127.0.0.1') });
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await webApp?.close();
});

/**
 * A page, with every URL its frames navigated to; the page records each message that brings a port
 * from another window (`window.portNotes`) and each note between window.keygate and the content script
 * that brings one (`window.ownNotes`).
 */
async function openPage(origin: string): Promise<{ page: Page; frameUrls: string[] }> {
  const page = await keygate!.browser.newPage();
  await page.evaluateOnNewDocument(() => {
    const notes: string[] = [];
    (window as unknown as { portNotes: string[] }).portNotes = notes;
    const ownNotes: string[] = [];
    (window as unknown as { ownNotes: string[] }).ownNotes = ownNotes;
    window.addEventListener('message', (event) => {
      if (event.ports.length > 0 && event.source !== window) notes.push((event.data as { type?: string } | null)?.type ?? 'other');
      // Between window.keygate and the content script: the notes that bring a port.
      const note = event.data as { channel?: string; kind?: string } | null;
      if (event.ports.length > 0 && event.source === window && note?.channel === 'keygate/v1') ownNotes.push(note.kind ?? 'other');
    });
  });
  const frameUrls: string[] = [];
  page.on('framenavigated', (frame: Frame) => {
    if (frame !== page.mainFrame()) frameUrls.push(frame.url());
  });
  await page.goto(`${origin}/`);
  return { page, frameUrls };
}

const callModels = (page: Page) =>
  page.evaluate(async () => {
    const scope = window as unknown as { keygateReady: Promise<boolean>; keygate: { fetch: typeof fetch } };
    await scope.keygateReady;
    try {
      const response = await scope.keygate.fetch('/openai/v1/models');
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { failed: String(error) };
    }
  });

/** What a page script sees arrive from a frame it embedded at `url`: any message, any port. */
function framedAt(target: Page | Frame, url: string, silenceMs: number) {
  return target.evaluate(
    async (src, wait) => {
      const frame = document.createElement('iframe');
      const heard: Array<{ data: string; ports: number }> = [];
      window.addEventListener('message', (event) => {
        if (event.source === frame.contentWindow) heard.push({ data: JSON.stringify(event.data), ports: event.ports.length });
      });
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.src = src;
      document.body.append(frame);
      await loaded;
      await new Promise((resolve) => setTimeout(resolve, wait));
      return heard;
    },
    url,
    silenceMs,
  );
}

/** The frame's URL this session, as the content script asks the browser for it. */
async function frameUrlNow(): Promise<string> {
  const worker = await keygate!.background();
  return worker.evaluate(() => (globalThis as unknown as { chrome: { runtime: { getURL(path: string): string } } }).chrome.runtime.getURL('keygate-port.html'));
}

/**
 * Puppeteer holds a restarted service worker at its first line, waiting for a debugger (it attached
 * to the first one); Chromium alone would just run it. Lets it run until `settled` settles.
 */
async function letWorkerRun<T>(settled: Promise<T>): Promise<T> {
  let done = false;
  void settled.finally(() => (done = true));
  while (!done) {
    for (const target of keygate!.browser.targets().filter((one) => one.type() === 'service_worker')) {
      const session = await target.createCDPSession().catch(() => null);
      await session?.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
      await session?.detach().catch(() => undefined);
    }
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return settled;
}

describe("a granted page's line to the background", () => {
  it('is a MessagePort from Keygate frame: at a per-session URL, gone from the page once the port is there; bytes cross both ways intact', async () => {
    const { page, frameUrls } = await openPage(webApp!.origin('127.0.0.1'));
    expect(await callModels(page)).toEqual({ status: 200, body: MODELS });
    expect(frameUrls.filter((url) => url.split('#')[0]!.endsWith('/keygate-port.html'))).toHaveLength(1);
    // The frame handed a port to this window (a page script sees that message too: see the docs' security review).
    expect(await page.evaluate(() => (window as unknown as { portNotes: string[] }).portNotes)).toEqual(['keygate.framePort']);
    // use_dynamic_url: not at the extension's fixed origin, so a page cannot know it in advance.
    expect(new URL(await frameUrlNow()).host).not.toBe(keygate!.extensionId);
    expect(await page.evaluate(() => document.querySelectorAll('iframe').length)).toBe(0);

    const echoed = await page.evaluate(async (binaryBytes) => {
      const sent = Uint8Array.from({ length: 300_000 }, (_, at) => 32 + (at % 95));
      const response = await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/files', { method: 'POST', body: sent });
      const got = new Uint8Array(await response.arrayBuffer());
      const tail = got.subarray(sent.length);
      return {
        status: response.status,
        same: got.length === sent.length + binaryBytes && sent.every((byte, at) => byte === got[at]) && tail.every((byte, at) => byte === (at * 7) % 256),
      };
    }, BINARY_BYTES);
    expect(echoed).toEqual({ status: 200, same: true });
    // Still one frame: all of the page's calls share the port.
    expect(frameUrls.filter((url) => url.split('#')[0]!.endsWith('/keygate-port.html'))).toHaveLength(1);
    // window.keygate holds that port itself: the content script handed it over once, and no request went through it.
    expect(await page.evaluate(() => (window as unknown as { ownNotes: string[] }).ownNotes)).toEqual(['line']);
    await page.close();
  });

  it('an ungranted page that embeds the frame at its URL gets nothing from it: no message, no port', async () => {
    const { page } = await openPage(webApp!.origin('localhost'));
    expect(await page.evaluate(() => 'keygate' in window)).toBe(false);
    const heard = await framedAt(page, await frameUrlNow(), SILENCE_MS);
    // The frame did load there (it is web-accessible), and saw who embeds it.
    const embedded = page.frames().find((frame) => frame.url().endsWith('/keygate-port.html'));
    expect(await embedded!.evaluate(() => [...location.ancestorOrigins])).toEqual([webApp!.origin('localhost')]);
    expect(heard).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { portNotes: string[] }).portNotes)).toEqual([]);
    // At the fixed URL the browser does not serve it to a page at all.
    expect(await framedAt(page, `chrome-extension://${keygate!.extensionId}/keygate-port.html`, 0)).toEqual([]);
    await page.close();
  });

  it('the frame nested under another site gets nothing, even inside a granted page', async () => {
    const { page } = await openPage(webApp!.origin('localhost'));
    const inner = await page.evaluate(async (src) => {
      const frame = document.createElement('iframe');
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.src = src;
      document.body.append(frame);
      await loaded;
      return true;
    }, `${webApp!.origin('127.0.0.1')}/`);
    expect(inner).toBe(true);
    const grantedInside = page.frames().find((frame) => frame.url() === `${webApp!.origin('127.0.0.1')}/`)!;
    // The content script runs in top-level pages only: the granted page framed here has no keygate.
    expect(await grantedInside.evaluate(() => 'keygate' in window)).toBe(false);
    expect(await framedAt(grantedInside, await frameUrlNow(), SILENCE_MS)).toEqual([]);
    const nested = grantedInside.childFrames().find((frame) => frame.url().endsWith('/keygate-port.html'));
    expect(await nested!.evaluate(() => [...location.ancestorOrigins])).toEqual([webApp!.origin('127.0.0.1'), webApp!.origin('localhost')]);
    await page.close();
  });

  it('a page that navigates away mid-stream frees its line: the upstream call is aborted', async () => {
    const { page } = await openPage(webApp!.origin('127.0.0.1'));
    const firstChunk = await page.evaluate(async () => {
      const scope = window as unknown as { keygateReady: Promise<boolean>; keygate: { fetch: typeof fetch } };
      await scope.keygateReady;
      const response = await scope.keygate.fetch('/openai/v1/endless');
      const { value } = await response.body!.getReader().read();
      return new TextDecoder().decode(value);
    });
    expect(firstChunk).toContain('data: more');
    expect(endlessStreamClosed).not.toBeNull();
    await page.goto('about:blank');
    await endlessStreamClosed;
    await page.close();
  });

  it('the service worker stopped mid-session: the open page\'s next call reaches the new worker over a new port', async () => {
    const { page, frameUrls } = await openPage(webApp!.origin('127.0.0.1'));
    expect(await callModels(page)).toEqual({ status: 200, body: MODELS });
    const session = await popup!.createCDPSession();
    await session.send('ServiceWorker.enable');
    await session.send('ServiceWorker.stopAllWorkers');
    await session.detach();
    // A restarted worker starts with the vault locked (its key lived in the stopped one's memory):
    // the call gets that catalogue answer from the new worker, not silence from the old port.
    const next = await letWorkerRun(callModels(page));
    expect(next).toMatchObject({ status: 423 });
    expect(JSON.parse((next as { body: string }).body)).toMatchObject({ error: { code: 'VAULT_LOCKED' } });
    expect(frameUrls.filter((url) => url.split('#')[0]!.endsWith('/keygate-port.html'))).toHaveLength(2);
    expect(await page.evaluate(() => (window as unknown as { portNotes: string[] }).portNotes)).toEqual(['keygate.framePort', 'keygate.framePort']);
    await popup!.reload();
    await unlock(popup!, MASTER_PASSWORD);
    await waitForProxyReady(popup!);
    expect(await callModels(page)).toEqual({ status: 200, body: MODELS });
    await page.close();
  });
});
