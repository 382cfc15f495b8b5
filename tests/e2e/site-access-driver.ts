/**
 * Keygate's "Site access" in chrome://extensions, switched as a person does: Puppeteer cannot answer
 * the browser's permission prompt, but Chromium lists even the manifest's loopback host permissions
 * there (a switch each), and turning one off withholds it (`permissions.onRemoved`). Shared by the
 * site-access e2e test and the screenshot script (the "access removed in the browser" state).
 */
import type { Browser, Page } from 'puppeteer-core';

interface ExtensionInBrowser {
  browser: Browser;
  extensionId: string;
}

/**
 * Flips one switch: `name` is the "Automatically allow access on the following sites" switch's id
 * (`allHostsToggle`) or one host's switch by its text (those can be flipped only while the first is off).
 */
async function flipSiteAccessSwitch(settings: Page, name: string, on: boolean): Promise<void> {
  // The rows live in nested shadow roots; a string keeps the bundler's helpers out of the page.
  const flipped = await settings.waitForFunction(
    `(() => {
      const rows = [];
      const walk = (root) => {
        for (const element of root.querySelectorAll('*')) {
          if (element.tagName === 'EXTENSIONS-TOGGLE-ROW' && (element.id === ${JSON.stringify(name)} || element.textContent.trim() === ${JSON.stringify(name)})) rows.push(element);
          if (element.shadowRoot) walk(element.shadowRoot);
        }
      };
      walk(document);
      const toggle = rows[0]?.shadowRoot?.querySelector('cr-toggle');
      if (!toggle || toggle.disabled) return false;
      if (toggle.checked !== ${String(on)}) toggle.click();
      return toggle.checked === ${String(on)};
    })()`,
    { timeout: 30_000 },
  );
  if ((await flipped.jsonValue()) !== true) throw new Error(`chrome://extensions: the ${name} switch did not turn ${on ? 'on' : 'off'}`);
}

/** Keygate keeps only `kept` of its host permissions: the others are withheld, as chrome://extensions does. */
export async function keepOnlySiteAccess(keygate: ExtensionInBrowser, kept: string[]): Promise<void> {
  const settings = await keygate.browser.newPage();
  await settings.goto(`chrome://extensions/?id=${keygate.extensionId}`);
  await flipSiteAccessSwitch(settings, 'allHostsToggle', false);
  for (const pattern of kept) await flipSiteAccessSwitch(settings, pattern, true);
  await settings.close();
}

export async function allowAllSiteAccess(keygate: ExtensionInBrowser): Promise<void> {
  const settings = await keygate.browser.newPage();
  await settings.goto(`chrome://extensions/?id=${keygate.extensionId}`);
  await flipSiteAccessSwitch(settings, 'allHostsToggle', true);
  await settings.close();
}
