import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import {
  addApiKey,
  askBackground,
  click,
  createVault,
  dumpExtensionStorage,
  hostVaultStatus,
  MASTER_PASSWORD,
  openOptionsSection,
  typeInto,
  unlock,
  waitForProxyReady,
  waitForTestId,
} from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-openai-0001-notarealkey';
const sessions: KeygateBrowser[] = [];
const temps: string[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function launch(): Promise<KeygateBrowser> {
  const session = await launchKeygateBrowser();
  sessions.push(session);
  return session;
}

describe('vault in the real popup, real IndexedDB and the real host', () => {
  it('creates, stores a key sealed, locks, refuses a wrong password, unlocks, and hands the vault to the host', async () => {
    const keygate = await launch();
    const popup = await keygate.openExtensionPage('popup.html');
    await createVault(popup);
    await addApiKey(popup, 'openai', 'personal', FAKE_OPENAI_KEY);

    expect(await popup.content()).not.toContain(FAKE_OPENAI_KEY);
    expect(await hostVaultStatus(popup)).toMatchObject({ state: 'unlocked', credentialCount: 1 });

    const stored = await dumpExtensionStorage(popup);
    expect(stored).toContain('"service":"openai"');
    for (const secret of [FAKE_OPENAI_KEY, MASTER_PASSWORD, Buffer.from(FAKE_OPENAI_KEY).toString('base64'), Buffer.from(MASTER_PASSWORD).toString('base64')]) {
      expect(stored).not.toContain(secret);
    }

    await click(popup, 'lock-vault');
    await waitForTestId(popup, 'unlock-password');
    expect(await hostVaultStatus(popup)).toMatchObject({ state: 'locked', credentialCount: 0 });

    await unlock(popup, 'not-the-password-at-all');
    const error = await waitForTestId(popup, '[data-testid="unlock-error"]');
    expect(await error.evaluate((el) => el.getAttribute('data-code'))).toBe('VAULT_PASSWORD_WRONG');
    expect(await hostVaultStatus(popup)).toMatchObject({ state: 'locked' });

    await typeInto(popup, 'unlock-password', '');
    await unlock(popup, MASTER_PASSWORD);
    await waitForProxyReady(popup);
    await waitForTestId(popup, '[data-testid="credential"][data-name="personal"][data-problem=""]');
    expect(await hostVaultStatus(popup)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });

  it('exports the vault and imports it into a fresh profile; a tampered file changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-export-'));
    temps.push(dir);
    const source = await launch();
    const popup = await source.openExtensionPage('popup.html');
    await createVault(popup);
    await addApiKey(popup, 'anthropic', 'work', 'sk-ant-test-FAKE-e2e-0002');
    const exported = await askBackground<{ format: string; credentials: Array<{ sealed: { ciphertext: string } }> }>(popup, { type: 'vault.export' });
    expect(exported.format).toBe('keygate-vault');
    expect(JSON.stringify(exported)).not.toContain('sk-ant-test-FAKE-e2e-0002');
    const goodFile = join(dir, 'vault.json');
    await writeFile(goodFile, JSON.stringify(exported));

    const tampered = JSON.parse(await readFile(goodFile, 'utf8'));
    const ciphertext: string = tampered.credentials[0].sealed.ciphertext;
    tampered.credentials[0].sealed.ciphertext = (ciphertext[0] === 'A' ? 'B' : 'A') + ciphertext.slice(1);
    const tamperedFile = join(dir, 'tampered.json');
    await writeFile(tamperedFile, JSON.stringify(tampered));

    const fresh = await launch();
    const options = await fresh.openExtensionPage('options.html');
    await waitForTestId(options, '[data-testid="options-vault-status"][data-status="absent"]');

    await openOptionsSection(options, 'security');
    const fileInput = await waitForTestId(options, 'import-file');
    await (fileInput as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(tamperedFile);
    await typeInto(options, 'import-password', MASTER_PASSWORD);
    await click(options, 'import-submit');
    const refusal = await waitForTestId(options, '[data-testid="import-error"]');
    expect(await refusal.evaluate((el) => el.getAttribute('data-code'))).toBe('CREDENTIAL_TAMPERED');
    expect(await options.$eval('[data-testid="options-vault-status"]', (el) => el.getAttribute('data-status'))).toBe('absent');

    await (fileInput as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(goodFile);
    await click(options, 'import-submit');
    await waitForTestId(options, 'import-done');

    const freshPopup = await fresh.openExtensionPage('popup.html');
    await waitForProxyReady(freshPopup);
    await waitForTestId(freshPopup, '[data-testid="credential"][data-name="work"][data-service="anthropic"][data-problem=""]');
    expect(await hostVaultStatus(freshPopup)).toMatchObject({ state: 'unlocked', credentialCount: 1 });
  });
});
