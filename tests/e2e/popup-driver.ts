/** Drives the real popup and options page the way a person would: typing, clicking, reading. */
import type { Page } from 'puppeteer-core';
import type { PageReply } from '../../lib/extension-messages';

declare const chrome: { runtime: { sendMessage(message: unknown): Promise<PageReply> } };

export const MASTER_PASSWORD = 'orbit-lantern-Quartz-meadow-42';

const testId = (id: string) => `[data-testid="${id}"]`;

export async function typeInto(page: Page, id: string, text: string): Promise<void> {
  await page.locator(testId(id)).fill(text);
}

export async function click(page: Page, id: string): Promise<void> {
  await page.locator(testId(id)).click();
}

export async function waitForTestId(page: Page, selector: string, timeout = 60_000) {
  const handle = await page.waitForSelector(selector.startsWith('[') ? selector : testId(selector), { timeout });
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

export async function addApiKey(popup: Page, service: string, name: string, secret: string): Promise<void> {
  await popup.select(testId('credential-service'), service);
  await typeInto(popup, 'credential-name', name);
  await typeInto(popup, 'credential-secret', secret);
  await click(popup, 'add-credential-submit');
  await waitForTestId(popup, `[data-testid="credential"][data-name="${name}"]`);
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
