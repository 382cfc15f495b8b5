/**
 * A granted site's access taken away in the browser's own settings, end to end in headless Chromium
 * with the real extension and host. Puppeteer cannot answer the browser's permission prompt, but it
 * can use chrome://extensions the way a person does: Chromium lists even the manifest's loopback
 * host permissions there ("Site access", a switch each), and turning one off withholds it
 * (`permissions.onRemoved`). So the granted site here is a loopback origin, and the other loopback
 * host stays allowed: a removal must hit only the grant it concerns.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import type { MockUpstream } from '../integration/mock-upstream';
import { type AgentWebApp, callModels, startAgentWebApp, startModelsUpstream } from './browser-agent-fixtures';
import { grantAccess, vaultWithOpenAi, waitForTestId } from './popup-driver';
import { allowAllSiteAccess, keepOnlySiteAccess } from './site-access-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-site-access-0001';

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
let webApp: AgentWebApp | undefined;
let options: Page | undefined;

beforeAll(async () => {
  upstream = await startModelsUpstream(FAKE_OPENAI_KEY);
  webApp = await startAgentWebApp();
  keygate = await launchKeygateBrowser();
  ({ options } = await vaultWithOpenAi(keygate, { openaiKey: FAKE_OPENAI_KEY, upstreamUrl: upstream.url }));
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await webApp?.close();
});

/** What the background holds: the permission, and the page scripts' match patterns. */
async function backgroundView(pattern: string): Promise<{ held: boolean; matches: string[] }> {
  const worker = await keygate!.background();
  return worker.evaluate(`(async () => ({
    held: await chrome.permissions.contains({ origins: [${JSON.stringify(pattern)}] }),
    matches: (await chrome.scripting.getRegisteredContentScripts()).flatMap((script) => script.matches ?? []).filter((match, index, all) => all.indexOf(match) === index).sort(),
  }))()`) as Promise<{ held: boolean; matches: string[] }>;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; tries < 200; tries++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

async function openAgentPage(origin: string): Promise<Page> {
  const page = await keygate!.browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

describe('a granted site\'s access removed in chrome://extensions', () => {
  it('unregisters its page scripts at once, refuses the open page\'s next call with GRANT_PERMISSION_DENIED, shows "access removed in the browser"; access given back restores it; the site still allowed keeps working', async () => {
    const removedSite = webApp!.origin('127.0.0.1');
    const keptSite = webApp!.origin('localhost');
    await grantAccess(options!, 'site', removedSite, ['openai']);
    await grantAccess(options!, 'site', keptSite, ['openai']);
    const page = await openAgentPage(removedSite);
    await page.evaluate('window.keygateReady');
    expect(await callModels(page)).toMatchObject({ status: 200 });

    await keepOnlySiteAccess(keygate!, ['http://localhost/*']);
    const removed = await until(() => backgroundView('http://127.0.0.1/*'), (view) => view.matches.join() === `${keptSite}/*`);
    expect(removed).toEqual({ held: false, matches: [`${keptSite}/*`] });
    // The open page still has the script it loaded with; its next call is refused.
    expect(await callModels(page)).toMatchObject({ status: 403, body: { error: { code: 'GRANT_PERMISSION_DENIED' } } });
    await page.reload();
    expect(await page.evaluate(`'keygate' in window`)).toBe(false);
    const kept = await openAgentPage(keptSite);
    await kept.evaluate('window.keygateReady');
    expect(await callModels(kept)).toMatchObject({ status: 200 });

    await options!.reload();
    const row = `[data-testid="grant"][data-subject="${removedSite}"]`;
    await waitForTestId(options!, `${row}[data-state="access-removed"]`);
    expect(await options!.$eval(`${row} [data-testid="grant-state"]`, (element) => element.textContent)).toBe('access removed in the browser');
    expect(await options!.$(`${row} [data-testid="reask-site-access"]`)).not.toBeNull();
    expect(await options!.$eval(`[data-testid="grant"][data-subject="${keptSite}"]`, (element) => element.getAttribute('data-state'))).toBe('ok');

    await allowAllSiteAccess(keygate!);
    const restored = await until(() => backgroundView('http://127.0.0.1/*'), (view) => view.matches.includes(`${removedSite}/*`));
    expect(restored).toEqual({ held: true, matches: [`${removedSite}/*`, `${keptSite}/*`].sort() });
    await page.reload();
    await page.evaluate('window.keygateReady');
    expect(await callModels(page)).toMatchObject({ status: 200 });
    await options!.reload();
    await waitForTestId(options!, `${row}[data-state="ok"]`);
  });
});
