import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import type { GrantRecord } from '../../shared/grants/grant-record';
import { requestGrant } from '../../lib/grants/grant-request';
import { GrantService, type NewGrantInput } from '../../lib/grants/grant-service';
import { listGrants } from '../../lib/grants/grant-store';
import { PageScripts } from '../../lib/grants/page-scripts';
import type { BrowserFamily } from '../../lib/grants/site-permission';
import { openVaultDb } from '../../lib/vault/vault-db';
import { FakePermissions, FakeScripting } from '../support/fake-browser-apis';

let dbCount = 0;
const LOOPBACK_DECLARED = ['http://127.0.0.1/*', 'http://localhost/*'];

async function setup(options: { browser?: BrowserFamily; unlocked?: boolean } = {}) {
  const db = await openVaultDb(`grants-${++dbCount}`);
  const permissions = new FakePermissions(LOOPBACK_DECLARED);
  const scripting = new FakeScripting();
  const browser = options.browser ?? 'chromium';
  const pageScripts = new PageScripts(scripting, browser);
  const synced: GrantRecord[][] = [];
  const clock = { now: 1_700_000_000_000 };
  const vault = { unlocked: options.unlocked ?? true };
  const service = new GrantService({
    db,
    permissions,
    browser,
    requireUnlocked: () => {
      if (!vault.unlocked) throw new KeygateError('VAULT_LOCKED');
    },
    onChange: async (grants) => {
      await pageScripts.sync(grants, clock.now);
      synced.push(grants);
    },
    now: () => clock.now,
  });
  /** What an extension page does on the user's click: prompt, then ask the background. */
  const grantFromPage = (input: NewGrantInput) =>
    requestGrant(input, { permissions, browser, existing: [], create: (checked) => service.create(checked), now: () => clock.now });
  return { db, permissions, scripting, service, synced, clock, vault, grantFromPage };
}

const site = (subject: string, scopes = ['openai']): NewGrantInput => ({ kind: 'site', subject, scopes, expiresAt: null });
const refusal = (promise: Promise<unknown>) => promise.then(() => 'no refusal', (error: KeygateError) => error.code);

describe('granting an https site: the optional host permission path', () => {
  it('asks the browser for exactly the normalised origin, then stores the grant, registers both scripts and syncs the host', async () => {
    const { db, permissions, scripting, synced, grantFromPage } = await setup();
    const grant = await grantFromPage(site('  HTTPS://App.Example:443/ ', ['openai', 'anthropic', 'openai']));

    expect(permissions.prompts).toEqual([['https://app.example/*']]);
    expect(grant).toMatchObject({ kind: 'site', subject: 'https://app.example', scopes: ['anthropic', 'openai'], enabled: true, lastUsedAt: null, expiresAt: null });
    expect(await listGrants(db)).toEqual([grant]);
    expect(scripting.matchesIn('MAIN')).toEqual(['https://app.example/*']);
    expect(scripting.matchesIn('ISOLATED')).toEqual(['https://app.example/*']);
    expect(synced.at(-1)).toEqual([grant]);
  });

  it('stores nothing when the user declines the prompt', async () => {
    const { db, permissions, scripting, grantFromPage } = await setup();
    permissions.userAccepts = false;
    expect(await refusal(grantFromPage(site('https://app.example')))).toBe('GRANT_PERMISSION_DENIED');
    expect(await listGrants(db)).toEqual([]);
    expect(scripting.registered.size).toBe(0);
  });

  it('gives the permission back when the background refuses after the prompt (vault locked)', async () => {
    const { db, permissions, vault, grantFromPage } = await setup();
    vault.unlocked = false;
    expect(await refusal(grantFromPage(site('https://app.example')))).toBe('VAULT_LOCKED');
    expect(permissions.removed).toEqual([['https://app.example/*']]);
    expect(await permissions.contains({ origins: ['https://app.example/*'] })).toBe(false);
    expect(await listGrants(db)).toEqual([]);
  });

  it('the background refuses a site grant whose permission the browser does not hold (no prompt was answered)', async () => {
    const { service } = await setup();
    expect(await refusal(service.create(site('https://app.example')))).toBe('GRANT_PERMISSION_DENIED');
  });

  it('a loopback origin needs no prompt: the manifest declares it', async () => {
    const { permissions, scripting, grantFromPage } = await setup();
    await grantFromPage(site('http://localhost:3000'));
    expect(permissions.prompts).toEqual([]);
    expect(scripting.matchesIn('MAIN')).toEqual(['http://localhost:3000/*']);
  });

  it('refuses what is not one origin, or no scope, or an expiry in the past, before any prompt', async () => {
    const { permissions, clock, grantFromPage } = await setup();
    for (const subject of ['https://app.example/path', 'https://*.example', 'http://app.example', 'https://user:pw@app.example', 'app.example']) {
      expect(await refusal(grantFromPage(site(subject)))).toBe('GRANT_INVALID');
    }
    expect(await refusal(grantFromPage(site('https://app.example', [])))).toBe('GRANT_INVALID');
    expect(await refusal(grantFromPage(site('https://app.example', ['everything'])))).toBe('GRANT_INVALID');
    expect(await refusal(grantFromPage({ ...site('https://app.example'), expiresAt: clock.now - 1 }))).toBe('GRANT_INVALID');
    expect(permissions.prompts).toEqual([]);
  });

  it('refuses a second grant for the same origin', async () => {
    const { service, grantFromPage } = await setup();
    await grantFromPage(site('https://app.example'));
    expect(await refusal(service.create(site('https://APP.example:443')))).toBe('GRANT_INVALID');
  });
});

describe('revoking, disabling, expiry', () => {
  it('revoking removes the grant, its permission and its scripts at once, and syncs the host', async () => {
    const { db, permissions, scripting, service, synced, grantFromPage } = await setup();
    const kept = await grantFromPage(site('https://kept.example'));
    const grant = await grantFromPage(site('https://app.example'));
    await service.revoke(grant.id);

    expect(await listGrants(db)).toEqual([kept]);
    expect(permissions.removed).toEqual([['https://app.example/*']]);
    expect(scripting.matchesIn('MAIN')).toEqual(['https://kept.example/*']);
    expect(synced.at(-1)).toEqual([kept]);
    expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_MISSING');
  });

  it('revoking everything (the panic button) removes every grant, gives back each site permission once, drops every script, syncs the host; no password needed', async () => {
    const { db, permissions, scripting, service, synced, vault, grantFromPage } = await setup({ browser: 'firefox' });
    await grantFromPage(site('https://app.example'));
    await grantFromPage(site('https://app.example:8443'));
    await grantFromPage(site('http://127.0.0.1:8080'));
    await service.create({ kind: 'extension', subject: 'agent@example.org', scopes: ['openai'], expiresAt: null });
    vault.unlocked = false;

    expect(await service.revokeAll()).toBe(4);
    expect(await listGrants(db)).toEqual([]);
    expect(permissions.removed).toEqual([['https://app.example/*']]);
    expect(await permissions.contains({ origins: ['https://app.example/*'] })).toBe(false);
    expect(scripting.registered.size).toBe(0);
    expect(synced.at(-1)).toEqual([]);
    expect(await refusal(service.authorize({ kind: 'extension', subject: 'agent@example.org' }))).toBe('GRANT_MISSING');
  });

  it('revoking a loopback grant keeps the manifest permission (it cannot be removed) but drops the scripts', async () => {
    const { scripting, service, grantFromPage } = await setup();
    const grant = await grantFromPage(site('http://127.0.0.1:8080'));
    await service.revoke(grant.id);
    expect(scripting.registered.size).toBe(0);
  });

  it('a disabled grant answers GRANT_DISABLED and loses its scripts; enabling again needs the unlocked vault', async () => {
    const { scripting, service, vault, grantFromPage } = await setup();
    const grant = await grantFromPage(site('https://app.example'));
    vault.unlocked = false;
    await service.update(grant.id, { enabled: false });
    expect(scripting.registered.size).toBe(0);
    expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_DISABLED');
    expect(await refusal(service.update(grant.id, { enabled: true }))).toBe('VAULT_LOCKED');
    expect(await refusal(service.update(grant.id, { scopes: ['openai', 'anthropic'] }))).toBe('VAULT_LOCKED');
    vault.unlocked = true;
    await service.update(grant.id, { enabled: true, scopes: ['anthropic'] });
    expect((await service.authorize({ kind: 'site', subject: 'https://app.example' })).scopes).toEqual(['anthropic']);
    expect(scripting.matchesIn('MAIN')).toEqual(['https://app.example/*']);
  });

  it('an expired grant answers GRANT_EXPIRED and its scripts are removed on that call', async () => {
    const { scripting, service, clock, grantFromPage } = await setup();
    await grantFromPage({ ...site('https://app.example'), expiresAt: clock.now + 60_000 });
    expect((await service.authorize({ kind: 'site', subject: 'https://app.example' })).subject).toBe('https://app.example');
    clock.now += 60_000;
    expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_EXPIRED');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(scripting.registered.size).toBe(0);
  });

  it('a page that keeps calling on an expired or disabled grant re-registers no scripts and syncs the host no more than once, so other sites keep theirs', async () => {
    const { scripting, service, synced, clock, grantFromPage } = await setup();
    const expiring = await grantFromPage({ ...site('https://app.example'), expiresAt: clock.now + 60_000 });
    const disabled = await grantFromPage(site('https://idle.example'));
    await grantFromPage(site('https://other.example'));
    await service.update(disabled.id, { enabled: false });
    const unregistered: string[][] = [];
    const unregister = scripting.unregisterContentScripts.bind(scripting);
    scripting.unregisterContentScripts = async (filter) => {
      unregistered.push(filter?.ids ?? []);
      await unregister(filter);
    };
    const syncs = synced.length;
    clock.now += 60_000;
    for (let call = 0; call < 20; call++) {
      expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_EXPIRED');
      expect(await refusal(service.authorize({ kind: 'site', subject: 'https://idle.example' }))).toBe('GRANT_DISABLED');
    }
    // A refresh queues behind every re-registration the calls caused: then all of them are counted.
    await service.refresh();
    expect(synced.length - syncs).toBe(2);
    expect(unregistered).toHaveLength(2);
    expect(scripting.matchesIn('MAIN')).toEqual(['https://other.example/*']);

    // Given a new expiry that runs out too, the grant's next refused call removes its scripts again.
    await service.update(expiring.id, { expiresAt: clock.now + 60_000 });
    expect(scripting.matchesIn('MAIN')).toEqual(['https://app.example/*', 'https://other.example/*']);
    clock.now += 60_000;
    expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_EXPIRED');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(scripting.matchesIn('MAIN')).toEqual(['https://other.example/*']);
  });

  it('matches the exact origin: another port, scheme or host is not granted', async () => {
    const { service, grantFromPage } = await setup();
    await grantFromPage(site('http://localhost:3000'));
    expect((await service.authorize({ kind: 'site', subject: 'http://localhost:3000' })).subject).toBe('http://localhost:3000');
    for (const subject of ['http://localhost:3001', 'http://localhost', 'https://localhost:3000', 'http://127.0.0.1:3000']) {
      expect(await refusal(service.authorize({ kind: 'site', subject }))).toBe('GRANT_MISSING');
    }
  });

  it('records the last use (at most once a minute) without syncing the host again', async () => {
    const { db, service, synced, clock, grantFromPage } = await setup();
    const grant = await grantFromPage(site('https://app.example'));
    const syncs = synced.length;
    clock.now += 5_000;
    await service.recordUse(grant.id);
    const firstUse = clock.now;
    expect((await listGrants(db))[0]!.lastUsedAt).toBe(firstUse);
    clock.now += 59_000;
    await service.recordUse(grant.id);
    expect((await listGrants(db))[0]!.lastUsedAt).toBe(firstUse);
    clock.now += 1_000;
    await service.recordUse(grant.id);
    expect((await listGrants(db))[0]!.lastUsedAt).toBe(clock.now);
    expect((await service.list())[0]!.lastUsedAt).toBe(clock.now);
    expect(synced.length).toBe(syncs);
  });
});

describe('the list of grants', () => {
  it('is in the order a person looks for them: sites, then extensions, each by name, whatever their ids', async () => {
    const { service, grantFromPage } = await setup();
    for (const subject of ['http://localhost:3001', 'http://127.0.0.1:8080', 'http://localhost:3000']) await grantFromPage(site(subject));
    for (const subject of ['ponmlkjihgfedcbaponmlkjihgfedcba', 'abcdefghijklmnopabcdefghijklmnop']) await grantFromPage({ kind: 'extension', subject, scopes: ['openai'], expiresAt: null });
    expect((await service.list()).map((grant) => grant.subject)).toEqual([
      'http://127.0.0.1:8080',
      'http://localhost:3000',
      'http://localhost:3001',
      'abcdefghijklmnopabcdefghijklmnop',
      'ponmlkjihgfedcbaponmlkjihgfedcba',
    ]);
  });
});

describe('extension grants', () => {
  it('grant an extension id without any prompt or script', async () => {
    const { permissions, scripting, service, grantFromPage } = await setup();
    const grant = await grantFromPage({ kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop', scopes: ['openai'], expiresAt: null });
    expect(permissions.prompts).toEqual([]);
    expect(scripting.registered.size).toBe(0);
    expect((await service.authorize({ kind: 'extension', subject: 'abcdefghijklmnopabcdefghijklmnop' })).id).toBe(grant.id);
    expect(await refusal(grantFromPage({ kind: 'extension', subject: 'not-an-id', scopes: ['openai'], expiresAt: null }))).toBe('GRANT_INVALID');
  });
});

describe('Firefox: match patterns cannot name a port', () => {
  it('asks for and registers the host without its port; the background still matches the full origin', async () => {
    const { permissions, scripting, service, grantFromPage } = await setup({ browser: 'firefox' });
    await grantFromPage(site('https://app.example:8443'));
    expect(permissions.prompts).toEqual([['https://app.example/*']]);
    expect(scripting.matchesIn('MAIN')).toEqual(['https://app.example/*']);
    expect(await refusal(service.authorize({ kind: 'site', subject: 'https://app.example' }))).toBe('GRANT_MISSING');
  });
});

describe('Firefox: one permission per host', () => {
  it('revoking one port of a host keeps the permission another port still needs', async () => {
    const { permissions, service, grantFromPage } = await setup({ browser: 'firefox' });
    const first = await grantFromPage(site('https://app.example:8443'));
    await grantFromPage(site('https://app.example'));
    await service.revoke(first.id);
    expect(permissions.removed).toEqual([]);
    expect(await permissions.contains({ origins: ['https://app.example/*'] })).toBe(true);
  });
});
