/**
 * `npm run screenshots`: every popup and options view, light and dark, written to docs/screenshots/
 * (headless Chromium with the built extension and host, a throwaway profile, fake keys only). Run it
 * after a UI change and look at the pictures; the README shows the main ones.
 */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { AgentKeyRecord } from '../shared/vault/format';
import { startMockUpstream } from '../tests/integration/mock-upstream';
import {
  addApiKey,
  applyPolicy,
  askBackground,
  click,
  createAgentKey,
  grantAccess,
  lockVault,
  MASTER_PASSWORD,
  openOptionsSection,
  openServicesTab,
  proxyPort,
  typeInto,
  unlock,
  waitForProxyReady,
  waitForTestId,
} from '../tests/e2e/popup-driver';
import { writeAgentExtension } from '../tests/e2e/browser-agent-fixtures';
import { keepOnlySiteAccess } from '../tests/e2e/site-access-driver';
import { launchKeygateBrowser } from './keygate-browser';
import { REPO_ROOT } from './paths';
import { sampleAuditHistory } from './sample-audit-history';

const OUTPUT_DIR = join(REPO_ROOT, 'docs', 'screenshots');
const SCHEMES = ['light', 'dark'] as const;
const POPUP_VIEWPORT = { width: 360, height: 600 };
const OPTIONS_VIEWPORT = { width: 1180, height: 860 };

/** A web app on loopback for the active tab, so the popup's "Allow this site" has a site to offer. */
async function startAgentApp(): Promise<{ origin: string; close: () => void }> {
  const server = createServer((_request, response) => response.end('<!doctype html><title>agent app</title><h1>An agent app</h1>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Lets pending renders and the state push settle, so a picture never catches a half-drawn view. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 150))));
}

/** `scrolledTo`: a test id the popup's scroll area shows at its bottom instead of its top. */
async function shoot(page: Page, name: string, fullPage = false, scrolledTo?: string): Promise<void> {
  for (const scheme of SCHEMES) {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    // The popup scrolls inside its own area; pictures show it from the top.
    await page.evaluate((testId) => {
      const target = testId === undefined ? null : document.querySelector(`[data-testid="${testId}"]`);
      if (target === null) document.querySelector('.scroll')?.scrollTo(0, 0);
      else target.scrollIntoView({ block: 'end' });
    }, scrolledTo);
    await settle(page);
    const path = join(OUTPUT_DIR, `${name}-${scheme}.png`);
    await page.screenshot({ path: path as `${string}.png`, fullPage });
    console.log(`docs/screenshots/${name}-${scheme}.png`);
  }
}

/** A few real calls through the proxy (forwarded, blocked by the policy, outside the key's scopes). */
async function callProxy(port: number, agentKeys: { coding: string; github: string }): Promise<void> {
  const calls: Array<[string, string, string]> = [
    [agentKeys.coding, 'GET', '/openai/v1/models'],
    [agentKeys.coding, 'POST', '/openai/v1/chat/completions'],
    [agentKeys.github, 'GET', '/custom/github/repos/acme/site/issues'],
    [agentKeys.github, 'DELETE', '/custom/github/repos/acme/site'],
    [agentKeys.github, 'GET', '/openai/v1/models'],
    [agentKeys.coding, 'DELETE', '/openai/v1/files/file-abc'],
  ];
  for (const [key, method, path] of calls) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{}' }) });
    await response.arrayBuffer();
  }
}

async function main(): Promise<void> {
  await mkdir(OUTPUT_DIR, { recursive: true });
  // An agent extension without a grant, for the popup's "Extension X asked to use Keygate".
  const askingExtension = await writeAgentExtension();
  const keygate = await launchKeygateBrowser({ extraExtensions: [askingExtension.dir] });
  const agentApp = await startAgentApp();
  const upstream = await startMockUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  try {
    const popup = await keygate.openExtensionPage('popup.html');
    await popup.setViewport(POPUP_VIEWPORT);
    await waitForTestId(popup, 'new-password');
    await shoot(popup, 'popup-first-run');

    await typeInto(popup, 'new-password', MASTER_PASSWORD);
    await typeInto(popup, 'confirm-password', MASTER_PASSWORD);
    await click(popup, 'create-vault-submit');
    await waitForProxyReady(popup);
    await shoot(popup, 'popup-empty-vault');

    const keys: Array<[string, string, string]> = [
      ['openai', 'personal', 'sk-proj-FAKEscreenshot000000000000000000a1b2'],
      ['openai', 'work', 'sk-proj-FAKEscreenshot111111111111111111c3d4'],
      ['anthropic', 'claude', 'sk-ant-api03-FAKEscreenshot2222222222222e5f6'],
      ['anthropic', 'team', 'sk-ant-api03-FAKEscreenshot3333333333333g7h8'],
      ['openai', 'batch jobs', 'sk-proj-FAKEscreenshot444444444444444444i9j0'],
    ];
    for (const [service, name, secret] of keys) await addApiKey(popup, service, name, secret);
    await shoot(popup, 'popup-unlocked');
    await click(popup, 'show-add-credential');
    await shoot(popup, 'popup-add-credential');
    await click(popup, 'add-credential-cancel');

    const options = await keygate.openExtensionPage('options.html');
    await options.setViewport(OPTIONS_VIEWPORT);
    await applyPolicy(
      options,
      `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\nrate_limit = 100\nblocked_endpoints = [ "DELETE /v1/files/*" ]\n\n[services.binance]\ndaily_volume_usd = 5000\n\n[custom.github]\nbase_url = "${upstream.url}"\nauth_header = "Authorization"\nauth_value_prefix = "Bearer "\nblocked_endpoints = [ "DELETE /repos/*" ]\n`,
    );
    const coding = (await createAgentKey(options, 'coding agent', ['openai', 'anthropic'])).key;
    const github = (await createAgentKey(options, 'github bot', ['custom:github'])).key;
    const agents = await askBackground<AgentKeyRecord[]>(options, { type: 'agents.list' });
    await appendFile(join(keygate.dataDir, 'audit.log'), sampleAuditHistory(agents, Date.now()).map((line) => `${JSON.stringify(line)}\n`).join(''));
    await openOptionsSection(options, 'sites');
    await waitForTestId(options, 'grant-form');
    await shoot(options, 'options-sites-empty', true);
    await grantAccess(options, 'site', 'http://localhost:3000', ['openai']);
    await grantAccess(options, 'extension', 'abcdefghijklmnopabcdefghijklmnop', ['anthropic', 'custom:github']);
    await callProxy(await proxyPort(options), { coding, github });

    for (const section of ['overview', 'activity', 'credentials', 'agents', 'sites', 'security']) {
      await openOptionsSection(options, section);
      if (section === 'overview') await waitForTestId(options, '[data-testid="chart-requests"] canvas');
      if (section === 'activity') await waitForTestId(options, 'activity-row');
      await shoot(options, `options-${section}`, true);
    }
    await openOptionsSection(options, 'overview');
    await click(options, 'stats-window-7d');
    await waitForTestId(options, '[data-testid="chart-requests"] canvas');
    await shoot(options, 'options-overview-7d', true);
    await openOptionsSection(options, 'activity');
    await options.select('[data-testid="filter-service"]', 'binance');
    await options.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll('[data-testid="activity-row"]'));
      return rows.length > 0 && rows.every((row) => row.querySelectorAll('td')[2]?.textContent === 'binance');
    });
    await click(options, '[data-testid="activity-row"][data-decision="allowed"] [data-testid="activity-open"]');
    await waitForTestId(options, 'activity-drawer-detail');
    await shoot(options, 'options-activity-drawer');
    await click(options, 'activity-drawer-close');
    await options.select('[data-testid="filter-service"]', '');
    await openServicesTab(options, 'openai');
    await typeInto(options, 'pattern-tester-input', 'DELETE /v1/files/file-abc');
    await shoot(options, 'options-services-openai', true);
    await openServicesTab(options, 'binance');
    await shoot(options, 'options-services-binance', true);
    await openServicesTab(options, 'custom-github');
    await shoot(options, 'options-services-custom', true);
    await openServicesTab(options, 'add');
    await shoot(options, 'options-services-add', true);
    await openServicesTab(options, 'toml');
    await shoot(options, 'options-services-toml', true);

    // Every state a grant row can show: disabled, expired (an extension grant valid for a moment),
    // and, further down, a site whose access was removed in the browser's own settings.
    await askBackground(options, { type: 'grants.create', kind: 'extension', subject: 'ponmlkjihgfedcbaponmlkjihgfedcba', scopes: ['openai'], expiresAt: Date.now() + 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await options.reload();
    await openOptionsSection(options, 'sites');
    await click(options, '[data-testid="grant"][data-subject="http://localhost:3000"] [data-testid="toggle-grant"]');
    await waitForTestId(options, '[data-testid="grant"][data-subject="http://localhost:3000"][data-enabled="false"]');

    const asking = await keygate.browser.newPage();
    await asking.goto(`chrome-extension://${askingExtension.id}/agent.html`);
    await asking.waitForFunction(() => 'keygateClient' in window);
    await asking.evaluate(async () => void (await (window as unknown as { keygateClient: { fetch: typeof fetch } }).keygateClient.fetch('https://keygate.invalid/openai/v1/models')).arrayBuffer());
    const askPopup = await keygate.openExtensionPage('popup.html');
    await askPopup.setViewport(POPUP_VIEWPORT);
    await waitForTestId(askPopup, 'extension-ask');
    await shoot(askPopup, 'popup-extension-ask', false, 'extension-ask');
    await askPopup.close();
    await asking.close();

    // The popup reads the active tab when it opens: load it while the agent app's tab is in front.
    const site = await keygate.browser.newPage();
    await site.goto(agentApp.origin);
    const allowSite = await keygate.openExtensionPage('popup.html');
    await allowSite.setViewport(POPUP_VIEWPORT);
    await site.bringToFront();
    await allowSite.reload();
    await waitForTestId(allowSite, '[data-testid="allow-site"]');
    await allowSite.bringToFront();
    await shoot(allowSite, 'popup-allow-site', false, 'allow-site');
    await click(allowSite, '[data-testid="allow-site-scope"][value="openai"]');
    await click(allowSite, 'allow-site-submit');
    await waitForTestId(allowSite, 'site-allowed');
    await shoot(allowSite, 'popup-site-allowed', false, 'allow-site');

    // The site's grant turned off in the options page: the popup says so instead of "allowed".
    const siteGrant = (await askBackground<{ grants: Array<{ id: string; subject: string }> }>(options, { type: 'grants.list' })).grants.find((grant) => grant.subject === agentApp.origin);
    await askBackground(options, { type: 'grants.update', grantId: siteGrant!.id, enabled: false });
    await site.bringToFront();
    await allowSite.reload();
    await waitForTestId(allowSite, '[data-testid="site-allowed"][data-state="disabled"]');
    await allowSite.bringToFront();
    await shoot(allowSite, 'popup-site-disabled', false, 'allow-site');
    await askBackground(options, { type: 'grants.update', grantId: siteGrant!.id, enabled: true });

    // The user takes Keygate's access to the site away in chrome://extensions.
    await keepOnlySiteAccess(keygate, ['http://localhost/*']);
    await options.reload();
    await openOptionsSection(options, 'sites');
    await waitForTestId(options, '[data-testid="grant"][data-state="access-removed"]');
    await shoot(options, 'options-sites-states', true);
    await click(options, '[data-testid="grant"][data-state="expired"] [data-testid="edit-grant-button"]');
    await waitForTestId(options, 'edit-grant');
    await shoot(options, 'options-sites-edit', true);

    await lockVault(popup);
    await shoot(popup, 'popup-locked');
    await openOptionsSection(options, 'overview');
    await shoot(options, 'options-locked', true);
    await unlock(popup, MASTER_PASSWORD);
  } finally {
    agentApp.close();
    await keygate.close();
    await upstream.close();
    await rm(dirname(askingExtension.dir), { recursive: true, force: true });
  }
}

await main();
