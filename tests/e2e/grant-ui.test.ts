/**
 * Granting as a person meets it, end to end in headless Chromium with the real extension and host:
 * the popup's "Allow this site" for the tab in front (above the credential list, then a way to reload
 * the page that was open before the grant), an extension's ask opening the grant form filled in, and
 * an expired grant renewed in place from the options page's list.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { localDate } from '../../lib/ui/components/ValidThroughField';
import type { MockUpstream } from '../integration/mock-upstream';
import { type AgentWebApp, callModels, startAgentWebApp, startModelsUpstream, writeAgentExtension } from './browser-agent-fixtures';
import { addApiKey, askBackground, click, openOptionsSection, vaultWithOpenAi, waitForTestId } from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-grant-ui-0001';

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
let webApp: AgentWebApp | undefined;
let options: Page | undefined;
let agentExtension: { dir: string; id: string } | undefined;

beforeAll(async () => {
  upstream = await startModelsUpstream(FAKE_OPENAI_KEY);
  webApp = await startAgentWebApp();
  agentExtension = await writeAgentExtension();
  keygate = await launchKeygateBrowser({ extraExtensions: [agentExtension.dir] });
  const opened = await vaultWithOpenAi(keygate, { openaiKey: FAKE_OPENAI_KEY, upstreamUrl: upstream.url });
  options = opened.options;
  // Enough credentials that the popup's list runs past its 600 px.
  for (const name of ['one', 'two', 'three', 'four', 'five']) await addApiKey(opened.popup, 'anthropic', name, `sk-ant-api03-FAKEgrantui000000000000000000${name}`);
  await opened.popup.close();
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await webApp?.close();
  if (agentExtension) await rm(dirname(agentExtension.dir), { recursive: true, force: true });
});

/** The popup as it opens over `site`: it reads the tab in front of its window when it loads. */
async function popupOver(site: Page): Promise<Page> {
  const popup = await keygate!.openExtensionPage('popup.html');
  await popup.setViewport({ width: 360, height: 600 });
  await site.bringToFront();
  await popup.reload();
  await waitForTestId(popup, 'credential-list');
  return popup;
}

/** Whether the element `first` comes before `second` in the page, and is on screen without scrolling. */
function shownBefore(page: Page, first: string, second: string): Promise<{ before: boolean; onScreen: boolean }> {
  return page.evaluate(
    (a, b) => {
      const one = document.querySelector(`[data-testid="${a}"]`)!;
      const other = document.querySelector(`[data-testid="${b}"]`)!;
      return { before: (one.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0, onScreen: one.getBoundingClientRect().top < window.innerHeight };
    },
    first,
    second,
  );
}

describe("the popup's Allow this site", () => {
  it('is shown above the credentials for the tab in front; once allowed, its Reload button gives the open page window.keygate', async () => {
    const origin = webApp!.origin('127.0.0.1');
    const site = await keygate!.browser.newPage();
    await site.goto(`${origin}/`);
    const popup = await popupOver(site);
    await waitForTestId(popup, `[data-testid="allow-site"][data-origin="${origin}"]`);
    expect(await shownBefore(popup, 'allow-site', 'credential-list')).toEqual({ before: true, onScreen: true });

    await click(popup, '[data-testid="allow-site-scope"][value="openai"]');
    await click(popup, 'allow-site-submit');
    await waitForTestId(popup, '[data-testid="site-allowed"][data-state="ok"]');
    // The page was loaded before the grant: it has no window.keygate until it loads again.
    expect(await site.evaluate(() => 'keygate' in window)).toBe(false);
    await click(popup, 'reload-allowed-site');
    await site.waitForFunction(() => 'keygate' in window);
    expect(await callModels(site)).toMatchObject({ status: 200 });
    expect(upstream!.received.at(-1)?.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    // status(): what this site may use, under its grant's name, and no secret.
    const status = (await site.evaluate('window.keygate.status()')) as { agent: { id: string; scopes: string[] }; services: Array<{ name: string; allowed: boolean }> };
    expect(status.agent).toMatchObject({ id: `site:${origin}`, scopes: ['openai'] });
    expect(status.services.filter((service) => service.allowed).map((service) => service.name)).toEqual(['openai']);
    expect(JSON.stringify(status)).not.toContain(FAKE_OPENAI_KEY);
    await site.close();
    if (!popup.isClosed()) await popup.close();
  });
});

describe('an extension that asked', () => {
  it('is shown at the top of the popup, and Review and grant opens the options form filled in for it', async () => {
    const agentPage = await keygate!.browser.newPage();
    await agentPage.goto(`chrome-extension://${agentExtension!.id}/agent.html`);
    await agentPage.waitForFunction(() => 'keygateClient' in window);
    const asked = await agentPage.evaluate(async () => (await (window as unknown as { keygateClient: { fetch: typeof fetch } }).keygateClient.fetch('https://keygate.invalid/openai/v1/models')).status);
    expect(asked).toBe(403);

    const popup = await popupOver(agentPage);
    const ask = `[data-testid="extension-ask"][data-extension-id="${agentExtension!.id}"]`;
    await waitForTestId(popup, ask);
    expect(await shownBefore(popup, 'extension-ask', 'credential-list')).toEqual({ before: true, onScreen: true });
    const opened = keygate!.browser.waitForTarget((target) => target.url().includes('options.html#grant=extension:'));
    await click(popup, `${ask} [data-testid="review-extension-ask"]`);
    const form = (await (await opened).page())!;
    await waitForTestId(form, 'grant-form');
    expect(await form.$eval('[data-testid="grant-kind"]', (select) => (select as HTMLSelectElement).value)).toBe('extension');
    expect(await form.$eval('[data-testid="grant-subject"]', (input) => (input as HTMLInputElement).value)).toBe(agentExtension!.id);
    await Promise.all([form.close(), popup.close(), agentPage.close()]);
  });
});

describe('an expired grant', () => {
  it('says so in the popup, and Edit in the options list renews it in place: the site is served again', async () => {
    const origin = webApp!.origin('localhost');
    const brief = await askBackground<{ id: string; expiresAt: number }>(options!, { type: 'grants.create', kind: 'site', subject: origin, scopes: ['openai'], expiresAt: Date.now() + 1_500 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, brief.expiresAt - Date.now()) + 200));
    const site = await keygate!.browser.newPage();
    await site.goto(`${origin}/`);
    const popup = await popupOver(site);
    await waitForTestId(popup, '[data-testid="site-allowed"][data-state="expired"]');
    expect(await popup.$eval('[data-testid="site-allowed"]', (line) => line.textContent)).toContain('expired');

    await options!.reload();
    await openOptionsSection(options!, 'sites');
    const row = `[data-testid="grant"][data-subject="${origin}"]`;
    await waitForTestId(options!, `${row}[data-state="expired"]`);
    await click(options!, `${row} [data-testid="edit-grant-button"]`);
    const nextWeek = localDate(Date.now() + 7 * 86_400_000);
    // A date input takes its value as the picker would set it.
    await options!.$eval(`${row} [data-testid="edit-grant-expiry"]`, (input, value) => {
      (input as HTMLInputElement).value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, nextWeek);
    await click(options!, `${row} [data-testid="edit-grant-save"]`);
    await waitForTestId(options!, `${row}[data-state="ok"]`);
    expect(await options!.$eval(`${row} [data-testid="grant-last-used"]`, (line) => line.textContent)).toContain(`valid through ${new Date(`${nextWeek}T12:00`).toLocaleDateString()}`);

    await site.reload();
    await site.waitForFunction(() => 'keygate' in window);
    expect(await callModels(site)).toMatchObject({ status: 200 });
    await Promise.all([site.close(), popup.close()]);
  });
});
