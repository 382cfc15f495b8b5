import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import type { PageReply } from '../../lib/extension-messages';
import { KEYGATE_VERSION } from '../../shared/identity';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';

/** The page-side API the test calls inside the extension page (the real one, typed narrowly). */
declare const chrome: { runtime: { sendMessage(message: unknown): Promise<PageReply<{ data: string }>> } };

let session: KeygateBrowser | undefined;

afterEach(async () => {
  await session?.close();
  session = undefined;
});

async function hostStatus(popup: Page, status: string, timeout = 30_000) {
  return popup.waitForSelector(`[data-testid="host-status"][data-status="${status}"]`, { timeout });
}

async function hostPid(popup: Page): Promise<number> {
  return Number(await popup.$eval('[data-testid="host-pid"]', (el) => el.getAttribute('data-pid')));
}

describe('extension ↔ native host in headless Chromium', () => {
  it('shows the connected host and its version in the popup, then reconnects after the host is killed', async () => {
    session = await launchKeygateBrowser();
    const popup = await session.openExtensionPage('popup.html');
    await hostStatus(popup, 'connected');
    expect(await popup.$eval('[data-testid="host-version"]', (el) => el.textContent)).toBe(`keygate-host v${KEYGATE_VERSION}`);

    const firstPid = await hostPid(popup);
    expect(firstPid).toBeGreaterThan(0);
    process.kill(firstPid, 'SIGKILL');

    await popup.waitForFunction(
      (pid) => {
        const card = document.querySelector('[data-testid="host-status"][data-status="connected"] [data-testid="host-pid"]');
        return card !== null && card.getAttribute('data-pid') !== String(pid);
      },
      { timeout: 30_000 },
      firstPid,
    );
    expect(await hostPid(popup)).not.toBe(firstPid);
  });

  it('carries a 5 MB reply from the host to a page in chunks under Chromium’s 1 MB limit', async () => {
    session = await launchKeygateBrowser();
    const popup = await session.openExtensionPage('popup.html');
    await hostStatus(popup, 'connected');
    const reply = await popup.evaluate(async () => {
      const answer = await chrome.runtime.sendMessage({ type: 'host.request', request: 'diagnostics.payload', params: { bytes: 5_000_000 } });
      if (!answer.ok) return { ok: false, error: answer.error.code };
      return { ok: true, length: answer.result.data.length, allX: /^x*$/.test(answer.result.data) };
    });
    expect(reply).toEqual({ ok: true, length: 5_000_000, allX: true });
  });

  it('tells the user how to install the host when it is not registered', async () => {
    session = await launchKeygateBrowser({ registerHost: false });
    const popup = await session.openExtensionPage('popup.html');
    const card = await hostStatus(popup, 'unavailable');
    expect(await card?.evaluate((el) => el.getAttribute('data-code'))).toBe('HOST_NOT_INSTALLED');
    expect(await card?.evaluate((el) => el.textContent)).toContain('keygate-host install');
  });

  it('refuses a host manifest that allows a different extension', async () => {
    session = await launchKeygateBrowser({ registerHost: true, allowedExtensionId: 'abcdefghijklmnopabcdefghijklmnop' });
    const popup = await session.openExtensionPage('popup.html');
    const card = await hostStatus(popup, 'unavailable');
    expect(await card?.evaluate((el) => el.getAttribute('data-code'))).toBe('HOST_FORBIDDEN');
  });
});
