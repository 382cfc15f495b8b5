/**
 * A site's access taken away outside Keygate (the browser's extension settings, "site access"): the
 * grant stays stored as it was, but its page scripts go at once, its calls answer
 * GRANT_PERMISSION_DENIED, and the options list knows; asking the browser again (or the user giving
 * access back in its settings) brings the scripts back. The same holds when the removal happened
 * while the worker was not running: the worker's start reconciles. Loopback origins the manifest
 * declares are never reported removed, and extension grants are not concerned.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { askSiteAccessAgain, requestGrant } from '../../lib/grants/grant-request';
import type { GrantService, NewGrantInput } from '../../lib/grants/grant-service';
import { listGrants } from '../../lib/grants/grant-store';
import type { BrowserFamily } from '../../lib/grants/site-permission';
import { followSiteAccess, startGrants } from '../../lib/grants/start-grants';
import { openVaultDb, type VaultDb } from '../../lib/vault/vault-db';
import { FakePermissions, FakeScripting } from '../support/fake-browser-apis';

let dbCount = 0;
const LOOPBACK_DECLARED = ['http://127.0.0.1/*', 'http://localhost/*'];
const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop';

/** The browser's side, which outlives a worker: the vault database, the permissions, the registered scripts. */
interface Browser {
  db: VaultDb;
  permissions: FakePermissions;
  scripting: FakeScripting;
  family: BrowserFamily;
  /** Tests waiting for the host's next `grants.sync` (every applied change ends with one). */
  awaitingSync: Array<() => void>;
}

async function openBrowser(family: BrowserFamily = 'chromium'): Promise<Browser> {
  return { db: await openVaultDb(`site-access-${++dbCount}`), permissions: new FakePermissions(LOOPBACK_DECLARED), scripting: new FakeScripting(), family, awaitingSync: [] };
}

const nextSync = (browser: Browser) => new Promise<void>((resolve) => browser.awaitingSync.push(resolve));

/** A worker starting: the grants applied against the permissions the browser holds now. */
function startWorker(browser: Browser): Promise<GrantService> {
  const hostSync = { syncGrants: async () => void browser.awaitingSync.splice(0).forEach((resolve) => resolve()) };
  const session = { requireUnlocked: () => undefined, onStateChange: () => () => undefined };
  return startGrants({ db: browser.db, session, hostSync, permissions: browser.permissions, scripting: browser.scripting, browser: browser.family });
}

/**
 * The worker following the browser's permission events from now on. (The background listens from
 * its first moment; here the events of the granting itself have passed first, so that each test's
 * `nextSync` is the one its own event caused.)
 */
async function follow(browser: Browser, grants: GrantService): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  followSiteAccess(browser.permissions, Promise.resolve(grants));
}

async function grantAll(browser: Browser, grants: GrantService, inputs: NewGrantInput[]): Promise<GrantRecord[]> {
  const granted: GrantRecord[] = [];
  for (const input of inputs) {
    granted.push(await requestGrant(input, { permissions: browser.permissions, browser: browser.family, existing: [], create: (checked) => grants.create(checked) }));
  }
  return granted;
}

const site = (subject: string): NewGrantInput => ({ kind: 'site', subject, scopes: ['openai'], expiresAt: null });
const extension: NewGrantInput = { kind: 'extension', subject: EXTENSION_ID, scopes: ['openai'], expiresAt: null };
const answer = (grants: GrantService, kind: 'site' | 'extension', subject: string) =>
  grants.authorize({ kind, subject }).then(
    (grant) => grant.subject,
    (error: KeygateError) => error.code,
  );

describe('a site access removed in the browser\'s settings', () => {
  it('unregisters that grant\'s page scripts at once and refuses its calls with GRANT_PERMISSION_DENIED; the grant is kept, listed as without access; the others are untouched', async () => {
    const browser = await openBrowser();
    const grants = await startWorker(browser);
    const stored = await grantAll(browser, grants, [site('https://app.example'), site('https://kept.example'), site('http://localhost:3000'), extension]);
    await follow(browser, grants);
    expect(browser.scripting.matchesIn('MAIN')).toEqual(['http://localhost:3000/*', 'https://app.example/*', 'https://kept.example/*']);

    const synced = nextSync(browser);
    browser.permissions.removeInBrowserSettings(['https://app.example/*']);
    await synced;

    expect(browser.scripting.matchesIn('MAIN')).toEqual(['http://localhost:3000/*', 'https://kept.example/*']);
    expect(browser.scripting.matchesIn('ISOLATED')).toEqual(['http://localhost:3000/*', 'https://kept.example/*']);
    expect(await answer(grants, 'site', 'https://app.example')).toBe('GRANT_PERMISSION_DENIED');
    expect(await answer(grants, 'site', 'https://kept.example')).toBe('https://kept.example');
    expect(await answer(grants, 'site', 'http://localhost:3000')).toBe('http://localhost:3000');
    expect(await answer(grants, 'extension', EXTENSION_ID)).toBe(EXTENSION_ID);
    expect([...(await grants.withoutSiteAccess())]).toEqual([stored[0]!.id]);
    // Nothing deleted or changed: the grant is as the user made it.
    expect(await listGrants(browser.db)).toEqual(await grants.list());
    expect((await listGrants(browser.db)).find((grant) => grant.id === stored[0]!.id)).toEqual(stored[0]);
  });

  it('asking the browser again prompts for exactly that origin; once given, the scripts come back and the grant works, unchanged', async () => {
    const browser = await openBrowser();
    const grants = await startWorker(browser);
    const [grant] = await grantAll(browser, grants, [site('https://app.example')]);
    browser.permissions.removeInBrowserSettings(['https://app.example/*']);
    await grants.refresh();
    browser.permissions.prompts.length = 0;
    const again = { permissions: browser.permissions, browser: browser.family, recheck: () => grants.refresh() };

    browser.permissions.userAccepts = false;
    await expect(askSiteAccessAgain(grant!.subject, again)).rejects.toMatchObject({ code: 'GRANT_PERMISSION_DENIED' });
    expect(browser.scripting.registered.size).toBe(0);

    browser.permissions.userAccepts = true;
    await askSiteAccessAgain(grant!.subject, again);
    expect(browser.permissions.prompts).toEqual([['https://app.example/*'], ['https://app.example/*']]);
    expect(browser.scripting.matchesIn('MAIN')).toEqual(['https://app.example/*']);
    expect(await answer(grants, 'site', 'https://app.example')).toBe('https://app.example');
    expect(await grants.list()).toEqual([grant]);
  });

  it('access given back in the browser\'s settings (onAdded) brings the scripts back too', async () => {
    const browser = await openBrowser();
    const grants = await startWorker(browser);
    await grantAll(browser, grants, [site('https://app.example')]);
    await follow(browser, grants);
    const removed = nextSync(browser);
    browser.permissions.removeInBrowserSettings(['https://app.example/*']);
    await removed;
    expect(browser.scripting.registered.size).toBe(0);

    const added = nextSync(browser);
    browser.permissions.grantInBrowserSettings(['https://app.example/*']);
    await added;
    expect(browser.scripting.matchesIn('MAIN')).toEqual(['https://app.example/*']);
    expect(await answer(grants, 'site', 'https://app.example')).toBe('https://app.example');
  });
});

describe('reconciled when the worker starts', () => {
  it('a permission removed while no worker ran: the next worker leaves that grant\'s scripts out and refuses its calls before any event', async () => {
    const browser = await openBrowser();
    const first = await startWorker(browser);
    await grantAll(browser, first, [site('https://app.example'), site('https://kept.example')]);
    // The worker is gone; the user removes the access meanwhile; nobody hears the event.
    browser.permissions.removeInBrowserSettings(['https://app.example/*']);
    expect(browser.scripting.matchesIn('MAIN')).toEqual(['https://app.example/*', 'https://kept.example/*']);

    const next = await startWorker(browser);
    expect(browser.scripting.matchesIn('MAIN')).toEqual(['https://kept.example/*']);
    expect(await answer(next, 'site', 'https://app.example')).toBe('GRANT_PERMISSION_DENIED');
    expect(await answer(next, 'site', 'https://kept.example')).toBe('https://kept.example');
  });

  it.each(['chromium', 'firefox'] as const)('loopback grants the manifest covers are never reported removed (%s), at start or on another site\'s removal', async (family) => {
    const browser = await openBrowser(family);
    const first = await startWorker(browser);
    await grantAll(browser, first, [site('http://localhost:3000'), site('http://127.0.0.1:8080'), site('https://app.example')]);
    await follow(browser, first);
    const synced = nextSync(browser);
    browser.permissions.removeInBrowserSettings(['https://app.example/*']);
    await synced;
    const next = await startWorker(browser);
    expect([...(await next.withoutSiteAccess())]).toHaveLength(1);
    expect(await answer(next, 'site', 'http://localhost:3000')).toBe('http://localhost:3000');
    expect(await answer(next, 'site', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(browser.scripting.matchesIn('MAIN')).toEqual(family === 'chromium' ? ['http://127.0.0.1:8080/*', 'http://localhost:3000/*'] : ['http://127.0.0.1/*', 'http://localhost/*']);
  });
});
