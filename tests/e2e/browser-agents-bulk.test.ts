/**
 * The bulk lane in the real browser: a granted page downloads 5 MiB of bytes nothing shrinks through
 * `window.keygate.fetch`, and they arrive byte-exact (SHA-256 in the page) while the background
 * fetched the answer's rest from the host's loopback listener — seen in the service worker's own
 * network log, with the headers the listener tells it from a page's request by.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { DEFAULT_EXTENSION_ID } from '../../shared/identity';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import { type AgentWebApp, startAgentWebApp } from './browser-agent-fixtures';
import { vaultWithGrantedSite } from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-bulk-lane-0001';
const DOWNLOAD = randomBytes(5 * 1024 * 1024);
const DOWNLOAD_SHA256 = createHash('sha256').update(DOWNLOAD).digest('hex');

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
let webApp: AgentWebApp | undefined;

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => {
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"invalid_api_key"}}');
      return;
    }
    // In pieces, as an upstream sends a file: the host sees a stream, not one buffer.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let at = 0; at < DOWNLOAD.length; at += 64 * 1024) res.write(DOWNLOAD.subarray(at, at + 64 * 1024));
    res.end();
  });
  webApp = await startAgentWebApp();
  keygate = await launchKeygateBrowser();
  await vaultWithGrantedSite(keygate, { openaiKey: FAKE_OPENAI_KEY, upstreamUrl: upstream.url, origin: webApp.origin('127.0.0.1') });
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await webApp?.close();
});

it('a 5 MiB download of bytes nothing shrinks arrives byte-exact through window.keygate.fetch, its rest over the bulk lane', async () => {
  const worker = await keygate!.background();
  const bulkFetches: Array<{ url: string; status?: number }> = [];
  /** The headers each request went out with, by CDP request id (requestWillBeSent shows them before the network stack adds its own). */
  const sentHeaders = new Map<string, Record<string, string>>();
  const bulkRequestIds: string[] = [];
  worker.client.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => {
    if (!event.request.url.includes('/bulk/')) return;
    bulkFetches.push({ url: event.request.url });
    bulkRequestIds.push(event.requestId);
  });
  worker.client.on('Network.requestWillBeSentExtraInfo', (event: { requestId: string; headers: Record<string, string> }) => void sentHeaders.set(event.requestId, event.headers));
  worker.client.on('Network.responseReceived', (event: { response: { url: string; status: number } }) => {
    const fetch = bulkFetches.find((seen) => seen.url === event.response.url);
    if (fetch) fetch.status = event.response.status;
  });
  await worker.client.send('Network.enable');

  const page = await keygate!.browser.newPage();
  await page.goto(`${webApp!.origin('127.0.0.1')}/`);
  await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
  const received = await page.evaluate(async () => {
    const scope = window as unknown as { keygate: { fetch: typeof fetch } };
    const response = await scope.keygate.fetch('/openai/v1/files/file-bulk/content');
    const bytes = await response.arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return { status: response.status, length: bytes.byteLength, sha256: [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('') };
  });
  expect(received).toEqual({ status: 200, length: DOWNLOAD.length, sha256: DOWNLOAD_SHA256 });
  expect(bulkFetches).toHaveLength(1);
  expect(bulkFetches[0]).toMatchObject({ status: 200 });
  // What the listener tells the extension's fetch from a page's by: no Origin, or the extension's; the site "none".
  const headers = sentHeaders.get(bulkRequestIds[0]!);
  expect(headers?.['Sec-Fetch-Site']).toBe('none');
  expect([undefined, `chrome-extension://${DEFAULT_EXTENSION_ID}`]).toContain(headers?.Origin);
  expect(bulkFetches[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bulk\/[A-Za-z0-9_-]{43}$/);
  await page.close();
});
