/**
 * Browser agents end to end, in headless Chromium with the real extension and the real host: a web
 * app on a granted loopback origin runs the official openai SDK with `fetch: window.keygate.fetch`,
 * and two more extensions call Keygate through the built client module (one over ports, one with
 * one runtime.sendMessage per call), through the host's side of the bridge (grants.sync, proxy.*).
 */
import { rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type OpenAI from 'openai';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { readAuditLines } from '../../native-host/src/audit/read-audit';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import { activityRows, categoryLegends, choose, waitForRowCount } from './activity-driver';
import { type AgentWebApp, startAgentWebApp, writeAgentExtension } from './browser-agent-fixtures';
import { addApiKey, applyPolicy, click, createVault, grantAccess, lockVault, MASTER_PASSWORD, openOptionsSection, unlock, waitForProxyReady, waitForTestId } from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-browser-agent-0001';
const COMPLETION = { id: 'chatcmpl-e2e', object: 'chat.completion', created: 0, model: 'gpt-e2e', choices: [{ index: 0, message: { role: 'assistant', content: 'hello from upstream' }, finish_reason: 'stop' }] };
const sseEvent = (content: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-e2e', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
let webApp: AgentWebApp | undefined;
let options: Page | undefined;
let agentExtension: { dir: string; id: string } | undefined;
/** A second agent extension, for one-message calls only: its first ask in the popup comes from sendMessage. */
let messagingExtension: { dir: string; id: string } | undefined;
/** Resolves when the upstream sees its endless stream's client go away. */
let endlessStreamClosed: Promise<void> = Promise.resolve();

function answerLikeOpenAi(body: string, res: ServerResponse): void {
  const request = JSON.parse(body) as { stream?: boolean; messages?: Array<{ content: string }> };
  if (!request.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(COMPLETION));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (request.messages?.[0]?.content !== 'endless') {
    res.end(`${sseEvent('one ')}${sseEvent('two')}data: [DONE]\n\n`);
    return;
  }
  endlessStreamClosed = new Promise((resolve) => res.on('close', () => resolve()));
  const timer = setInterval(() => res.write(sseEvent('more ')), 50);
  res.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  upstream = await startMockUpstream((request, res) => {
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"wrong key","code":"invalid_api_key"}}');
      return;
    }
    answerLikeOpenAi(request.body, res);
  });
  webApp = await startAgentWebApp();
  agentExtension = await writeAgentExtension();
  messagingExtension = await writeAgentExtension();
  keygate = await launchKeygateBrowser({ extraExtensions: [agentExtension.dir, messagingExtension.dir] });
  const popup = await keygate.openExtensionPage('popup.html');
  await createVault(popup);
  await addApiKey(popup, 'openai', 'personal', FAKE_OPENAI_KEY);
  options = await keygate.openExtensionPage('options.html');
  await applyPolicy(options, `[proxy]\nport = 0\n[services.openai]\nbase_url = "${upstream.url}"\nblocked_endpoints = ["DELETE /v1/files/*"]\n`);
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await webApp?.close();
  for (const extension of [agentExtension, messagingExtension]) if (extension) await rm(dirname(extension.dir), { recursive: true, force: true });
});

function grant(kind: 'site' | 'extension', subject: string, scopes: string[]): Promise<void> {
  return grantAccess(options!, kind, subject, scopes);
}

async function openAgentPage(origin: string): Promise<Page> {
  const page = await keygate!.browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** An agent extension's page, once it has made its keygate-client (`window.keygateClient`). */
async function openAgentExtensionPage(extensionId: string): Promise<Page> {
  const page = await keygate!.browser.newPage();
  await page.goto(`chrome-extension://${extensionId}/agent.html`);
  await page.waitForFunction(() => 'keygateClient' in window);
  return page;
}

/** Everything the page could hold: DOM, storage, cookies, and every string in its JS heap. */
async function pageHolds(page: Page, secret: string): Promise<boolean> {
  const visible = await page.evaluate(() => JSON.stringify([document.documentElement.outerHTML, { ...localStorage }, { ...sessionStorage }, document.cookie]));
  const session = await page.createCDPSession();
  let snapshot = '';
  session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }: { chunk: string }) => (snapshot += chunk));
  await session.send('HeapProfiler.enable');
  await session.send('HeapProfiler.collectGarbage');
  await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await session.detach();
  expect(snapshot.length).toBeGreaterThan(10_000);
  return visible.includes(secret) || snapshot.includes(secret);
}

describe('a web page on a granted origin', () => {
  it('runs the official openai SDK through window.keygate: a completion and a streamed one; the upstream gets the real key, the page never holds it', async () => {
    await grant('site', webApp!.origin('127.0.0.1'), ['openai']);
    const page = await openAgentPage(webApp!.origin('127.0.0.1'));
    await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);

    const answers = await page.evaluate(async () => {
      const scope = window as unknown as { OpenAI: typeof OpenAI; keygate: { fetch: typeof fetch } };
      const openai = new scope.OpenAI({ baseURL: 'https://keygate.invalid/openai/v1', apiKey: 'keygate', fetch: scope.keygate.fetch, dangerouslyAllowBrowser: true });
      const completion = await openai.chat.completions.create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] });
      const stream = await openai.chat.completions.create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'stream' }], stream: true });
      let streamed = '';
      for await (const part of stream) streamed += part.choices[0]?.delta?.content ?? '';
      return { content: completion.choices[0]?.message.content, streamed };
    });
    expect(answers).toEqual({ content: 'hello from upstream', streamed: 'one two' });
    expect(upstream!.received.map((request) => request.headers.authorization)).toEqual([`Bearer ${FAKE_OPENAI_KEY}`, `Bearer ${FAKE_OPENAI_KEY}`]);
    expect(await pageHolds(page, FAKE_OPENAI_KEY)).toBe(false);
    await page.close();
  });

  it('an ungranted origin (same server, other host name) has no window.keygate', async () => {
    const ungranted = await openAgentPage(webApp!.origin('localhost'));
    // Let a granted page get its API in the same browser first: by then an ungranted one would have too.
    const granted = await openAgentPage(webApp!.origin('127.0.0.1'));
    await granted.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
    expect(await ungranted.evaluate(() => 'keygate' in window)).toBe(false);
    await Promise.all([ungranted.close(), granted.close()]);
  });

  it('the page aborting a stream aborts the upstream request', async () => {
    const page = await openAgentPage(webApp!.origin('127.0.0.1'));
    await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
    const firstPart = await page.evaluate(async () => {
      const scope = window as unknown as { OpenAI: typeof OpenAI; keygate: { fetch: typeof fetch }; stopStream?: () => void };
      const controller = new AbortController();
      scope.stopStream = () => controller.abort();
      const openai = new scope.OpenAI({ baseURL: 'https://keygate.invalid/openai/v1', apiKey: 'keygate', fetch: scope.keygate.fetch, dangerouslyAllowBrowser: true });
      const stream = await openai.chat.completions.create({ model: 'gpt-e2e', messages: [{ content: 'endless', role: 'user' }], stream: true }, { signal: controller.signal });
      for await (const part of stream) return part.choices[0]?.delta?.content;
      return null;
    });
    expect(firstPart).toBe('more ');
    const closed = endlessStreamClosed;
    await page.evaluate(() => (window as unknown as { stopStream: () => void }).stopStream());
    await closed;
    await page.close();
  });

  it('a locked vault answers VAULT_LOCKED at once, and the toolbar badge shows the lock until it is unlocked', async () => {
    const page = await openAgentPage(webApp!.origin('127.0.0.1'));
    await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
    const popup = await keygate!.openExtensionPage('popup.html');
    const badge = () => popup.evaluate(() => (globalThis as unknown as { chrome: { action: { getBadgeText(details: object): Promise<string> } } }).chrome.action.getBadgeText({}));
    await lockVault(popup);
    const refused = await page.evaluate(async () => {
      const response = await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/models');
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    expect(refused).toMatchObject({ status: 423, body: { error: { code: 'VAULT_LOCKED' } } });
    expect(await badge()).toBe('🔒');
    // The background refused it and the host never ran it, but the host's audit log has its line.
    const refusedLine = async () =>
      (await readAuditLines(keygate!.dataDir)).find((record) => record.agent === `site:${webApp!.origin('127.0.0.1')}` && record.reason === 'VAULT_LOCKED: refused in the browser');
    for (let tries = 0; (await refusedLine()) === undefined && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await refusedLine()).toMatchObject({ method: 'GET', path: '/openai/v1/models', status: 423, decision: 'blocked' });
    await unlock(popup, MASTER_PASSWORD);
    await waitForProxyReady(popup);
    expect(await badge()).toBe('');
    await Promise.all([page.close(), popup.close()]);
  });

  it('revoking the grant refuses the next call from an open page and retires its MessagePort line, a new page has no window.keygate, and given back the open page is served again over a line of its own', async () => {
    const origin = webApp!.origin('127.0.0.1');
    const page = await keygate!.browser.newPage();
    // Each request window.keygate hands the content script to carry (an `open` note brings its port).
    await page.evaluateOnNewDocument(() => {
      const carried: string[] = [];
      (window as unknown as { carried: string[] }).carried = carried;
      window.addEventListener('message', (event) => {
        const note = event.data as { channel?: string; kind?: string } | null;
        if (event.source === window && note?.channel === 'keygate/v1' && note.kind === 'open') carried.push(note.kind);
      });
    });
    await page.goto(`${origin}/`);
    const call = () =>
      page.evaluate(async () => {
        const completion = { method: 'POST', body: JSON.stringify({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] }) };
        const response = await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/chat/completions', completion);
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      });
    await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
    // A call before the revoke: the page holds its line to the background.
    expect((await call()).status).toBe(200);
    await options!.reload();
    await click(options!, `[data-testid="grant"][data-subject="${origin}"] [data-testid="revoke-grant"]`);
    await options!.waitForSelector(`[data-testid="grant"][data-subject="${origin}"]`, { hidden: true });

    expect(await call()).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    // That refusal retired the line: the next call is refused at once through the content script.
    const startedAt = Date.now();
    expect(await call()).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(await page.evaluate(() => (window as unknown as { carried: string[] }).carried)).toEqual(['open']);
    const opened = await keygate!.browser.newPage();
    await opened.goto(`${origin}/`);
    expect(await opened.evaluate(() => 'keygate' in window)).toBe(false);
    await opened.close();

    // Given back: the open page's next call is answered, over a new MessagePort line (not carried).
    await grant('site', origin, ['openai']);
    expect((await call()).status).toBe(200);
    expect(await page.evaluate(() => (window as unknown as { carried: string[] }).carried)).toEqual(['open']);
    // Left as found: revoked.
    await options!.reload();
    await click(options!, `[data-testid="grant"][data-subject="${origin}"] [data-testid="revoke-grant"]`);
    await options!.waitForSelector(`[data-testid="grant"][data-subject="${origin}"]`, { hidden: true });
    await page.close();
  });
});

describe('another extension, through the client module', () => {
  it('is refused with GRANT_MISSING and shown in the popup until granted; then it calls the upstream through Keygate', async () => {
    const agentId = agentExtension!.id;
    const agentPage = await openAgentExtensionPage(agentId);
    const callUpstream = () =>
      agentPage.evaluate(async () => {
        const client = (window as unknown as { keygateClient: { fetch: typeof fetch } }).keygateClient;
        const response = await client.fetch('https://keygate.invalid/openai/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] }),
        });
        return { status: response.status, body: (await response.json()) as { choices: Array<{ message: { content: string } }>; error?: { code: string } } };
      });

    expect(await callUpstream()).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    const popup = await keygate!.openExtensionPage('popup.html');
    await waitForTestId(popup, `[data-testid="extension-ask"][data-extension-id="${agentId}"]`);

    await grant('extension', agentId, ['openai']);
    const answered = await callUpstream();
    expect(answered.status).toBe(200);
    expect(answered.body.choices[0]?.message.content).toBe('hello from upstream');
    expect(upstream!.received.at(-1)?.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    await Promise.all([agentPage.close(), popup.close()]);
  });
});

describe('Revoke everything (Backup & security)', () => {
  it('revokes every grant too: an open granted page and the granted extension are refused at once, a reloaded page has no window.keygate', async () => {
    const origin = webApp!.origin('127.0.0.1');
    await grant('site', origin, ['openai']);
    const page = await openAgentPage(origin);
    await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
    const agentPage = await openAgentExtensionPage(agentExtension!.id);
    const completion = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] }) };
    const pageCall = () =>
      page.evaluate(async (init) => {
        const response = await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/chat/completions', init);
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      }, completion);
    const extensionCall = () =>
      agentPage.evaluate(async (init) => {
        const response = await (window as unknown as { keygateClient: { fetch: typeof fetch } }).keygateClient.fetch('https://keygate.invalid/openai/v1/chat/completions', init);
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      }, completion);
    expect((await pageCall()).status).toBe(200);
    expect((await extensionCall()).status).toBe(200);

    await openOptionsSection(options!, 'security');
    await click(options!, 'revoke-everything-button');
    await click(options!, 'confirm-revoke-everything');
    const done = await waitForTestId(options!, 'revoke-everything-done');
    expect(await done.evaluate((el) => el.textContent)).toMatch(/^Revoked 0 agent keys and 2 grants/);

    expect(await pageCall()).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    expect(await extensionCall()).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    await page.reload();
    expect(await page.evaluate(() => 'keygate' in window)).toBe(false);
    await openOptionsSection(options!, 'sites');
    await waitForTestId(options!, '[data-testid="grant-list"]:empty');
    await Promise.all([page.close(), agentPage.close()]);
  });
});

describe('Activity and Overview, after a granted page’s bridged calls', () => {
  it('lists a forwarded and a refused call under the site’s grant, filters by it, charts it; the grant row shows its last use', async () => {
    // A second origin, so every line under its grant is one this test made.
    const secondApp = await startAgentWebApp();
    try {
      const origin = secondApp.origin('127.0.0.1');
      const identity = `site:${origin}`;
      const completion = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] }) };
      await grant('site', origin, ['openai']);
      const lastUsed = () => options!.$eval(`[data-testid="grant"][data-subject="${origin}"] [data-testid="grant-last-used"]`, (el) => el.textContent ?? '');
      expect(await lastUsed()).toMatch(/never used$/);

      // Another grant calls too, so filtering by this one has lines to leave out.
      const otherOrigin = webApp!.origin('127.0.0.1');
      await grant('site', otherOrigin, ['openai']);
      const otherPage = await openAgentPage(otherOrigin);
      await otherPage.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
      expect(await otherPage.evaluate(async (init) => (await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/chat/completions', init)).status, completion)).toBe(200);
      await otherPage.close();

      const page = await openAgentPage(origin);
      await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
      const answers = await page.evaluate(async (init) => {
        const { keygate } = window as unknown as { keygate: { fetch: typeof fetch } };
        const forwarded = await keygate.fetch('/openai/v1/chat/completions', init);
        const refused = await keygate.fetch('/openai/v1/files/file-abc', { method: 'DELETE' });
        return [forwarded.status, refused.status, ((await refused.json()) as { error: { code: string } }).error.code];
      }, completion);
      expect(answers).toEqual([200, 403, 'ENDPOINT_BLOCKED']);
      expect(upstream!.received.at(-1)?.url).toBe('/v1/chat/completions');
      await page.close();

      await openOptionsSection(options!, 'activity');
      // Newest first: this test's two calls on top of the other grant's line (and earlier tests' lines).
      await options!.waitForFunction((agent) => document.querySelectorAll(`[data-testid="activity-row"][data-agent="${agent}"]`).length === 2, { timeout: 30_000 }, identity);
      const everyone = await activityRows(options!);
      expect(everyone.length).toBeGreaterThan(2);
      const listed = everyone.slice(0, 2);
      expect(listed.map(({ agent, decision, status }) => ({ agent, decision, status }))).toEqual([
        { agent: identity, decision: 'blocked', status: '403' },
        { agent: identity, decision: 'allowed', status: '200' },
      ]);
      // time, agent, service, method, path, status, decision
      expect(listed[0]!.cells.slice(1, 7)).toEqual([identity, 'openai', 'DELETE', '/openai/v1/files/file-abc', '403', 'RefusedENDPOINT_BLOCKED']);
      expect(listed[1]!.cells.slice(1, 7)).toEqual([identity, 'openai', 'POST', '/openai/v1/chat/completions', '200', 'Forwarded']);

      await choose(options!, 'filter-agent', identity);
      expect((await waitForRowCount(options!, 2)).map((row) => [row.agent, row.decision])).toEqual([
        [identity, 'blocked'],
        [identity, 'allowed'],
      ]);
      await choose(options!, 'filter-decision', 'blocked');
      expect((await waitForRowCount(options!, 1))[0]!.cells[4]).toBe('/openai/v1/files/file-abc');
      await click(options!, 'clear-filters');
      await waitForRowCount(options!, everyone.length);

      await openOptionsSection(options!, 'overview');
      await options!.waitForSelector('[data-testid="chart-agents"] .u-over', { timeout: 30_000 });
      expect(await categoryLegends(options!, 'chart-agents', 16)).toContainEqual([
        ['Agent', identity],
        ['failed', '0'],
        ['refused', '1'],
        ['forwarded', '1'],
      ]);

      await options!.reload();
      await openOptionsSection(options!, 'sites');
      await options!.waitForFunction((subject) => /last used \S/.test(document.querySelector(`[data-testid="grant"][data-subject="${subject}"] [data-testid="grant-last-used"]`)?.textContent ?? ''), { timeout: 30_000 }, origin);
      expect(await lastUsed()).not.toContain('never used');
    } finally {
      await secondApp.close();
    }
  });
});

describe('another extension, one runtime.sendMessage per call (the client module\'s call)', () => {
  it('is refused with GRANT_MISSING and shown in the popup until granted; then its call reaches the upstream with the real key, body included', async () => {
    const agentId = messagingExtension!.id;
    const agentPage = await openAgentExtensionPage(agentId);
    const callUpstream = (content: string) =>
      agentPage.evaluate(async (content) => {
        const client = (window as unknown as { keygateClient: { call: typeof fetch } }).keygateClient;
        const response = await client.call('https://keygate.invalid/openai/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-e2e', messages: [{ role: 'user', content }] }),
        });
        return { status: response.status, body: (await response.json()) as { choices: Array<{ message: { content: string } }>; error?: { code: string } } };
      }, content);

    const seenBefore = upstream!.received.length;
    expect(await callUpstream('before the grant')).toMatchObject({ status: 403, body: { error: { code: 'GRANT_MISSING' } } });
    expect(upstream!.received).toHaveLength(seenBefore);
    const popup = await keygate!.openExtensionPage('popup.html');
    await waitForTestId(popup, `[data-testid="extension-ask"][data-extension-id="${agentId}"]`);

    await grant('extension', agentId, ['openai']);
    const answered = await callUpstream('one message');
    expect(answered.status).toBe(200);
    expect(answered.body.choices[0]?.message.content).toBe('hello from upstream');
    expect(upstream!.received).toHaveLength(seenBefore + 1);
    const seen = upstream!.received.at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    expect(JSON.parse(seen.body)).toMatchObject({ messages: [{ role: 'user', content: 'one message' }] });

    // Web pages cannot send Keygate messages at all: no extension's externally_connectable names them.
    const page = await openAgentPage(webApp!.origin('127.0.0.1'));
    expect(await page.evaluate(() => typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage)).toBe('undefined');
    await Promise.all([agentPage.close(), popup.close(), page.close()]);
  });
});
