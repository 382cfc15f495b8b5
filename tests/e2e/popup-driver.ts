/** Drives the real popup and options page the way a person would: typing, clicking, reading. */
import type { Page } from 'puppeteer-core';
import type { PageReply } from '../../lib/extension-messages';

declare const chrome: { runtime: { sendMessage(message: unknown): Promise<PageReply> } };

export const MASTER_PASSWORD = 'orbit-lantern-Quartz-meadow-42';

const testId = (id: string) => `[data-testid="${id}"]`;

/**
 * Locators wait for animation frames, which Chromium does not run in a background tab; a test that
 * drives the popup and the options page in turn must bring each to the front first.
 */
async function act(page: Page, selector: string) {
  await page.bringToFront();
  return page.locator(selector);
}

/** `target` is a test id, or a full selector when it starts with '['. */
const selectorOf = (target: string) => (target.startsWith('[') ? target : testId(target));

export async function typeInto(page: Page, target: string, text: string): Promise<void> {
  await (await act(page, selectorOf(target))).fill(text);
}

export async function click(page: Page, target: string): Promise<void> {
  await (await act(page, selectorOf(target))).click();
}

export async function waitForTestId(page: Page, selector: string, timeout = 60_000) {
  const handle = await page.waitForSelector(selectorOf(selector), { timeout });
  if (handle === null) throw new Error(`${selector} never appeared`);
  return handle;
}

export async function createVault(popup: Page, password = MASTER_PASSWORD): Promise<void> {
  await typeInto(popup, 'new-password', password);
  await typeInto(popup, 'confirm-password', password);
  await click(popup, 'create-vault-submit');
  await waitForProxyReady(popup);
}

export async function waitForProxyReady(page: Page): Promise<void> {
  await waitForTestId(page, '[data-testid="vault-status"][data-handoff="ready"]');
}

export async function unlock(popup: Page, password: string): Promise<void> {
  await typeInto(popup, 'unlock-password', password);
  await click(popup, 'unlock-submit');
}

/** Opens one section of the options page by its sidebar link, as a person would. */
export async function openOptionsSection(options: Page, section: string): Promise<void> {
  await click(options, `nav-${section}`);
  await waitForTestId(options, `section-${section}`);
}

/** Opens one tab of the options page's Services section (a service's form, `add` or `toml`). */
export async function openServicesTab(options: Page, tab: string): Promise<void> {
  await openOptionsSection(options, 'services');
  await click(options, `services-tab-${tab}`);
}

export async function addApiKey(popup: Page, service: string, name: string, secret: string): Promise<void> {
  // A popup opened just now renders the button only once the background has told it the vault is open.
  await popup.bringToFront();
  await waitForTestId(popup, 'show-add-credential');
  await click(popup, 'show-add-credential');
  await waitForTestId(popup, 'credential-service');
  await popup.select(testId('credential-service'), service);
  await typeInto(popup, 'credential-name', name);
  await typeInto(popup, 'credential-secret', secret);
  await click(popup, 'add-credential-submit');
  await waitForTestId(popup, `[data-testid="credential"][data-name="${name}"]`);
}

export async function lockVault(popup: Page): Promise<void> {
  await click(popup, 'lock-vault');
  await waitForTestId(popup, 'unlock-password');
}

async function attribute(page: Page, selector: string, name: string): Promise<string | null> {
  return page.$eval(selector, (el, attr) => el.getAttribute(attr), name);
}

/** Types the policy into the options page's editor and applies it; waits for the host's answer. */
export async function applyPolicy(options: Page, toml: string): Promise<void> {
  await openServicesTab(options, 'toml');
  await typeInto(options, 'policy-text', toml);
  await waitForTestId(options, 'policy-valid');
  await click(options, 'policy-apply');
  await waitForTestId(options, '[data-testid="policy-applied"][data-host="applied"]');
}

/** The port the host's proxy really listens on, as the host card shows it (the options page's Overview). */
export async function proxyPort(page: Page): Promise<number> {
  if (page.url().includes('options.html')) await openOptionsSection(page, 'overview');
  await waitForTestId(page, '[data-testid="proxy-status"][data-listening="true"]');
  return Number(await attribute(page, '[data-testid="proxy-status"]', 'data-port'));
}

/**
 * Creates an agent key on the options page and dismisses the dialog that shows it once. Returns the
 * `pk_` key and the ready-to-paste snippets by SDK (`openai`, `anthropic`, `custom:NAME`).
 */
export async function createAgentKey(options: Page, name: string, scopes: string[]): Promise<{ key: string; snippets: Record<string, string> }> {
  await openOptionsSection(options, 'agents');
  await typeInto(options, 'agent-name', name);
  for (const scope of scopes) await click(options, `[data-testid="agent-scope"][value="${scope}"]`);
  await click(options, 'create-agent-submit');
  const field = await waitForTestId(options, 'new-agent-key');
  const key = await field.evaluate((el) => (el as HTMLInputElement).value);
  const snippets = await options.$$eval('[data-testid="sdk-snippet"]', (figures) =>
    Object.fromEntries(figures.map((figure) => [figure.getAttribute('data-sdk') ?? '', figure.querySelector('pre')?.textContent ?? ''])),
  );
  await click(options, 'dismiss-new-agent-key');
  await options.waitForSelector(testId('new-agent-key-dialog'), { hidden: true });
  return { key, snippets };
}

/** Grants a site origin or an extension id on the options page (reloaded first, so its lists are fresh). */
export async function grantAccess(options: Page, kind: 'site' | 'extension', subject: string, scopes: string[]): Promise<void> {
  await options.reload();
  await options.bringToFront();
  await openOptionsSection(options, 'sites');
  await options.select(testId('grant-kind'), kind);
  await typeInto(options, 'grant-subject', subject);
  for (const scope of scopes) await click(options, `[data-testid="grant-scope"][value="${scope}"]`);
  await click(options, 'grant-submit');
  await waitForTestId(options, `[data-testid="grant"][data-subject="${subject}"]`);
}

export async function setAgentKeyEnabled(options: Page, name: string, enabled: boolean): Promise<void> {
  await openOptionsSection(options, 'agents');
  const row = `[data-testid="agent-key"][data-name="${name}"]`;
  await waitForTestId(options, row);
  if ((await attribute(options, row, 'data-enabled')) === String(enabled)) return;
  await click(options, `${row} [data-testid="toggle-agent-key"]`);
  await waitForTestId(options, `${row}[data-enabled="${enabled}"]`);
}

/** Calls the background exactly as an extension page does (same message the UI sends). */
export async function askBackground<T>(page: Page, message: Record<string, unknown>): Promise<T> {
  const reply = await page.evaluate((msg) => chrome.runtime.sendMessage(msg), message);
  if (!reply.ok) throw new Error(`${String(message.type)} failed: ${reply.error.code}`);
  return reply.result as T;
}

export async function hostVaultStatus(page: Page): Promise<{ state: string; credentialCount: number }> {
  const status = await askBackground<{ vault: { state: string; credentialCount: number } }>(page, { type: 'host.request', request: 'status', params: {} });
  return status.vault;
}

/** Everything the extension stores: every IndexedDB database and store, and storage.local. */
export async function dumpExtensionStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dump: Record<string, unknown> = {};
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        dump[`${info.name}/${storeName}`] = await new Promise((resolve, reject) => {
          const request = db.transaction(storeName).objectStore(storeName).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      db.close();
    }
    dump['storage.local'] = await (globalThis as unknown as { chrome: { storage: { local: { get(keys: null): Promise<unknown> } } } }).chrome.storage.local.get(null);
    return JSON.stringify(dump);
  });
}

/**
 * A new vault holding one OpenAI key, and a policy whose `openai` service is `upstreamUrl`; returns
 * the popup and the options page that set them up.
 */
export async function vaultWithOpenAi(keygate: { openExtensionPage(path: string): Promise<Page> }, setup: { openaiKey: string; upstreamUrl: string }): Promise<{ popup: Page; options: Page }> {
  const popup = await keygate.openExtensionPage('popup.html');
  await createVault(popup);
  await addApiKey(popup, 'openai', 'personal', setup.openaiKey);
  const options = await keygate.openExtensionPage('options.html');
  await applyPolicy(options, `[proxy]\nport = 0\n[services.openai]\nbase_url = "${setup.upstreamUrl}"\n`);
  return { popup, options };
}

/** The usual start of a browser-agent test: `vaultWithOpenAi`, and `origin` granted the `openai` scope. Returns the popup. */
export async function vaultWithGrantedSite(keygate: { openExtensionPage(path: string): Promise<Page> }, setup: { openaiKey: string; upstreamUrl: string; origin: string }): Promise<Page> {
  const { popup, options } = await vaultWithOpenAi(keygate, setup);
  await grantAccess(options, 'site', setup.origin, ['openai']);
  return popup;
}
