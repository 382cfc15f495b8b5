/**
 * The options page as a control center, end to end: real pages in headless Chromium, the real host,
 * real HTTP calls through its proxy to a mock upstream that records what it receives. Each step is
 * done through the UI, and its effect is checked on the proxy, not on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import {
  addApiKey,
  applyPolicy,
  click,
  createAgentKey,
  createVault,
  lockVault,
  MASTER_PASSWORD,
  openOptionsSection,
  openServicesTab,
  proxyPort,
  typeInto,
  unlock,
  waitForProxyReady,
  waitForTestId,
} from './popup-driver';

const FIRST_KEY = 'sk-test-FAKE-control-center-first-0001';
const SECOND_KEY = 'sk-test-FAKE-control-center-second-0002';
const MODELS = { object: 'list', data: [] };

let keygate: KeygateBrowser;
let upstream: MockUpstream;
let popup: Page;
let options: Page;
let port: number;
let agentKey: string;

beforeAll(async () => {
  keygate = await launchKeygateBrowser();
  upstream = await startMockUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(MODELS));
  });
  popup = await keygate.openExtensionPage('popup.html');
  await createVault(popup);
  await addApiKey(popup, 'openai', 'personal', FIRST_KEY);
  options = await keygate.openExtensionPage('options.html');
  await applyPolicy(options, `[proxy]\nport = 0\n\n[services.openai]\nbase_url = "${upstream.url}"\n`);
  port = await proxyPort(options);
  agentKey = (await createAgentKey(options, 'cc agent', ['openai'])).key;
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
});

async function call(path: string, key: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

const agentRow = (name: string) => `[data-testid="agent-key"][data-name="${name}"]`;

describe('control center → host, in headless Chromium', () => {
  it('editing an agent key’s scopes changes what it may call (and the open popup’s "last used" follows the call)', async () => {
    expect(await call('/openai/v1/models', agentKey)).toEqual({ status: 200, code: undefined });
    await popup.bringToFront();
    await popup.waitForFunction(() => document.querySelector('[data-testid="credential"][data-name="personal"] [data-testid="credential-times"]')?.textContent?.includes('last used just now'));

    await openOptionsSection(options, 'agents');
    await click(options, `${agentRow('cc agent')} [data-testid="edit-agent-key-button"]`);
    await click(options, `${agentRow('cc agent')} [data-testid="edit-agent-scope"][value="openai"]`);
    await click(options, `${agentRow('cc agent')} [data-testid="edit-agent-scope"][value="anthropic"]`);
    await click(options, 'edit-agent-save');
    await waitForTestId(options, `${agentRow('cc agent')}[data-scopes="anthropic"]`);
    expect(await call('/openai/v1/models', agentKey)).toEqual({ status: 403, code: 'SCOPE_DENIED' });

    await click(options, `${agentRow('cc agent')} [data-testid="edit-agent-key-button"]`);
    await click(options, `${agentRow('cc agent')} [data-testid="edit-agent-scope"][value="openai"]`);
    await click(options, 'edit-agent-save');
    await waitForTestId(options, `${agentRow('cc agent')}[data-scopes="anthropic openai"]`);
    expect(await call('/openai/v1/models', agentKey)).toEqual({ status: 200, code: undefined });
  });

  it('renames a credential and replaces its secret in place: the same agent key now reaches the new secret', async () => {
    await openOptionsSection(options, 'credentials');
    const row = (name: string) => `[data-testid="credential"][data-name="${name}"]`;
    await waitForTestId(options, `${row('personal')}[data-hint="sk-test-…0001"]`);
    await click(options, `${row('personal')} [data-testid="rename-credential-button"]`);
    await typeInto(options, 'rename-credential-name', 'work');
    await click(options, 'rename-credential-save');
    await waitForTestId(options, row('work'));

    await click(options, `${row('work')} [data-testid="replace-credential-button"]`);
    await typeInto(options, 'replace-secret', SECOND_KEY);
    await click(options, 'replace-credential-save');
    await waitForTestId(options, `${row('work')}[data-hint="sk-test-…0002"]`);
    expect(await options.content()).not.toContain(SECOND_KEY);

    expect(await call('/openai/v1/models', agentKey)).toEqual({ status: 200, code: undefined });
    expect(upstream.received.at(-1)!.headers.authorization).toBe(`Bearer ${SECOND_KEY}`);
    // The popup lists the same record under its new name, its secret still never shown.
    const freshPopup = await keygate.openExtensionPage('popup.html');
    await waitForTestId(freshPopup, `${row('work')}[data-hint="sk-test-…0002"]`);
    await freshPopup.close();
  });

  it('regenerating a key kills the old one and hands out a working new one', async () => {
    await openOptionsSection(options, 'agents');
    await click(options, `${agentRow('cc agent')} [data-testid="regenerate-agent-key"]`);
    await click(options, 'confirm-regenerate-agent-key');
    const field = await waitForTestId(options, 'new-agent-key');
    const newKey = await field.evaluate((el) => (el as HTMLInputElement).value);
    await click(options, 'dismiss-new-agent-key');
    expect(newKey).not.toBe(agentKey);
    expect(await call('/openai/v1/models', agentKey)).toEqual({ status: 401, code: 'AGENT_KEY_INVALID' });
    expect(await call('/openai/v1/models', newKey)).toEqual({ status: 200, code: undefined });
    agentKey = newKey;
  });

  it('shows each agent key’s use from the host’s audit log: last use and requests in the last 24 h', async () => {
    await openOptionsSection(options, 'overview');
    await openOptionsSection(options, 'agents');
    // Five calls so far under this key's record (two of them refused with SCOPE_DENIED, one with the dead key).
    const usage = await waitForTestId(options, `${agentRow('cc agent')} [data-testid="agent-usage"][data-requests]`);
    const [requests, refusals] = await usage.evaluate((el) => [Number(el.getAttribute('data-requests')), Number(el.getAttribute('data-refusals'))]);
    expect(requests).toBeGreaterThanOrEqual(5);
    expect(refusals).toBeGreaterThanOrEqual(1);
    expect(await usage.evaluate((el) => el.textContent)).toMatch(/^last used just now · \d+ requests in the last 24 h/);
  });

  it('a rate limit set in the OpenAI form is enforced by the host', async () => {
    await openServicesTab(options, 'openai');
    const form = '[data-testid="service-form"][data-service="openai"]';
    await typeInto(options, `${form} [data-testid="field-rate_limit"]`, '0');
    // The shared parser's message appears under the field, and Apply stays off.
    await waitForTestId(options, `${form} [data-testid="field-problem"][data-field="rate_limit"]`);
    expect(await options.$eval('[data-testid="policy-apply"]', (el) => (el as HTMLButtonElement).disabled)).toBe(true);
    await typeInto(options, `${form} [data-testid="field-rate_limit"]`, '2');
    await typeInto(options, `${form} [data-testid="field-rate_limit_window_seconds"]`, '3600');
    await click(options, 'policy-apply');
    await waitForTestId(options, '[data-testid="policy-applied"][data-host="applied"]');

    await openServicesTab(options, 'toml');
    expect(await options.$eval('[data-testid="policy-text"]', (el) => (el as HTMLTextAreaElement).value)).toContain('rate_limit = 2\nrate_limit_window_seconds = 3600');

    const forwarded = upstream.received.length;
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await call('/openai/v1/models', agentKey));
    expect(results).toEqual([
      { status: 200, code: undefined },
      { status: 200, code: undefined },
      { status: 429, code: 'RATE_LIMITED' },
    ]);
    expect(upstream.received).toHaveLength(forwarded + 2);
  });

  it('adds a custom API in one flow (section, key, agent scope), and the agent reaches it with the key injected', async () => {
    const customKey = 'sk-test-FAKE-control-center-custom-0003';
    await openServicesTab(options, 'add');
    await typeInto(options, 'custom-api-name', 'echo');
    await typeInto(options, 'custom-api-base-url', upstream.url);
    await click(options, 'custom-api-create');
    const created = '[data-testid="custom-api-created"][data-name="echo"]';
    await waitForTestId(options, created);
    expect(await call('/custom/echo/ping', agentKey)).toEqual({ status: 403, code: 'SCOPE_DENIED' });

    await typeInto(options, `${created} [data-testid="credential-name"]`, 'echo key');
    await typeInto(options, `${created} [data-testid="credential-secret"]`, customKey);
    await click(options, `${created} [data-testid="add-credential-submit"]`);
    await click(options, `${created} [data-testid="custom-api-grant-agent"]`);
    await waitForTestId(options, `${created} [data-testid="custom-api-agent-granted"]`);

    expect(await call('/custom/echo/ping', agentKey)).toEqual({ status: 200, code: undefined });
    expect(upstream.received.at(-1)).toMatchObject({ url: '/ping', headers: { authorization: `Bearer ${customKey}` } });
    expect(await options.content()).not.toContain(customKey);
  });

  it('asks before a form rewrites a hand-written policy, and keeps the file when told to', async () => {
    await openServicesTab(options, 'toml');
    const handWritten = `# my notes: keep this\n${await options.$eval('[data-testid="policy-text"]', (el) => (el as HTMLTextAreaElement).value)}`;
    await typeInto(options, 'policy-text', handWritten);
    await click(options, 'services-tab-anthropic');
    await typeInto(options, '[data-testid="service-form"][data-service="anthropic"] [data-testid="field-rate_limit"]', '5');
    await waitForTestId(options, 'confirm-rewrite');
    await click(options, 'confirm-rewrite-keep');
    await openServicesTab(options, 'toml');
    expect(await options.$eval('[data-testid="policy-text"]', (el) => (el as HTMLTextAreaElement).value)).toBe(handWritten);
  });

  it('the panic button revokes every agent key at once', async () => {
    const second = (await createAgentKey(options, 'cc second', ['openai'])).key;
    expect((await call('/openai/v1/models', second)).status).not.toBe(401);
    await openOptionsSection(options, 'security');
    await click(options, 'revoke-everything-button');
    await click(options, 'confirm-revoke-everything');
    const done = await waitForTestId(options, 'revoke-everything-done');
    expect(await done.evaluate((el) => el.textContent)).toMatch(/^Revoked 2 agent keys and 0 grants/);
    for (const key of [agentKey, second]) expect(await call('/openai/v1/models', key)).toEqual({ status: 401, code: 'AGENT_KEY_INVALID' });
    await openOptionsSection(options, 'agents');
    await waitForTestId(options, 'no-agent-keys');
  });

  it('popup: a lock on the toolbar badge and the unlock field focused while locked; credentials searchable past four', async () => {
    const worker = await keygate.background();
    const badge = () => worker.evaluate(() => (globalThis as unknown as { chrome: { action: { getBadgeText(details: object): Promise<string> } } }).chrome.action.getBadgeText({}));
    expect(await badge()).toBe('');
    await lockVault(popup);
    await waitForBadge(badge, '🔒');
    const lockedPopup = await keygate.openExtensionPage('popup.html');
    await waitForTestId(lockedPopup, 'unlock-password');
    await lockedPopup.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'unlock-password');
    await unlock(lockedPopup, MASTER_PASSWORD);
    await waitForProxyReady(lockedPopup);
    await waitForBadge(badge, '');

    for (const name of ['alpha', 'beta', 'gamma']) await addApiKey(lockedPopup, 'anthropic', name, `sk-ant-FAKE-control-center-${name}-000000000`);
    await typeInto(lockedPopup, 'credential-search', 'echo');
    await lockedPopup.waitForFunction(() => document.querySelectorAll('[data-testid="credential"]').length === 1);
    expect(await lockedPopup.$eval('[data-testid="credential"]', (el) => el.getAttribute('data-name'))).toBe('echo key');
  });
});

async function waitForBadge(read: () => Promise<string>, expected: string): Promise<void> {
  // The badge follows the state push; poll the browser's own value rather than sleep.
  for (let attempt = 0; attempt < 100 && (await read()) !== expected; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await read()).toBe(expected);
}
