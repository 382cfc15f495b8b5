/**
 * A granted page while keygate-host is not there (not registered in this profile): its call is
 * answered at once with HOST_NOT_CONNECTED, never left hanging. Needs no host side of the bridge.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { type AgentWebApp, startAgentWebApp } from './browser-agent-fixtures';
import { click, MASTER_PASSWORD, openOptionsSection, typeInto, waitForTestId } from './popup-driver';

let keygate: KeygateBrowser | undefined;
let webApp: AgentWebApp | undefined;

beforeAll(async () => {
  webApp = await startAgentWebApp();
  keygate = await launchKeygateBrowser({ registerHost: false });
});

afterAll(async () => {
  await keygate?.close();
  await webApp?.close();
});

it('answers a granted page HOST_NOT_CONNECTED (503) at once while the host is away', async () => {
  const popup = await keygate!.openExtensionPage('popup.html');
  await typeInto(popup, 'new-password', MASTER_PASSWORD);
  await typeInto(popup, 'confirm-password', MASTER_PASSWORD);
  await click(popup, 'create-vault-submit');
  await waitForTestId(popup, '[data-testid="vault-status"][data-handoff="failed"]');

  const origin = webApp!.origin('127.0.0.1');
  const options = await keygate!.openExtensionPage('options.html');
  await openOptionsSection(options, 'sites');
  await typeInto(options, 'grant-subject', origin);
  await click(options, '[data-testid="grant-scope"][value="openai"]');
  await click(options, 'grant-submit');
  await waitForTestId(options, `[data-testid="grant"][data-subject="${origin}"]`);

  const page = await keygate!.browser.newPage();
  await page.goto(`${origin}/`);
  await page.evaluate(() => (window as unknown as { keygateReady: Promise<boolean> }).keygateReady);
  const answer = await page.evaluate(async () => {
    const response = await (window as unknown as { keygate: { fetch: typeof fetch } }).keygate.fetch('/openai/v1/models');
    return { status: response.status, body: (await response.json()) as { error: { code: string } } };
  });
  expect(answer).toMatchObject({ status: 503, body: { error: { code: 'HOST_NOT_CONNECTED' } } });
});
