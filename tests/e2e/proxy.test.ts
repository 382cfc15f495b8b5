import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeygateBrowser, launchKeygateBrowser } from '../../scripts/keygate-browser';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import {
  addApiKey,
  applyPolicy,
  click,
  createAgentKey,
  createVault,
  hostVaultStatus,
  lockVault,
  MASTER_PASSWORD,
  openOptionsSection,
  openServicesTab,
  proxyPort,
  setAgentKeyEnabled,
  typeInto,
  unlock,
  waitForProxyReady,
  waitForTestId,
} from './popup-driver';

const FAKE_OPENAI_KEY = 'sk-test-FAKE-e2e-proxy-0001';
const MODELS = { object: 'list', data: [{ id: 'gpt-e2e-mock', object: 'model', created: 0, owned_by: 'keygate-e2e' }] };

let keygate: KeygateBrowser | undefined;
let upstream: MockUpstream | undefined;
const temps: string[] = [];

beforeAll(async () => {
  keygate = await launchKeygateBrowser();
  upstream = await startMockUpstream((request, res) => {
    const found = request.method === 'GET' && request.url === '/v1/models';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? MODELS : { error: { message: `no route ${request.url}` } }));
  });
});

afterAll(async () => {
  await keygate?.close();
  await upstream?.close();
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function listModels(port: number, agentKey: string): Promise<{ status: number; body: { data?: unknown; error?: { code: string } } }> {
  const response = await fetch(`http://127.0.0.1:${port}/openai/v1/models`, { headers: { authorization: `Bearer ${agentKey}` } });
  return { status: response.status, body: await response.json() };
}

describe('options page → host proxy → upstream, in headless Chromium', () => {
  it('flags a typed invalid policy with its line and keeps Apply disabled; an imported file replaces it', async () => {
    const options = await keygate!.openExtensionPage('options.html');
    await openServicesTab(options, 'toml');
    await typeInto(options, 'policy-text', '[proxy]\nport = 0\nidle_lock_minutes = "soon"\n');
    const problem = await waitForTestId(options, 'policy-problem');
    expect(await problem.evaluate((el) => el.textContent)).toMatch(/^line 3 · proxy\.idle_lock_minutes: /);
    expect(await options.$eval('[data-testid="policy-apply"]', (el) => (el as HTMLButtonElement).disabled)).toBe(true);

    const policyFile = join(await mkdtemp(join(tmpdir(), 'keygate-policy-')), 'policy.toml');
    temps.push(dirname(policyFile));
    await writeFile(policyFile, '[proxy]\nport = 0\n');
    const fileInput = await waitForTestId(options, 'policy-import-file');
    await (fileInput as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(policyFile);
    await waitForTestId(options, 'policy-valid');
    expect(await options.$eval('[data-testid="policy-text"]', (el) => (el as HTMLTextAreaElement).value)).toBe('[proxy]\nport = 0\n');
    expect(await options.$$('[data-testid="policy-problem"]')).toHaveLength(0);
    expect(await options.$eval('[data-testid="policy-apply"]', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    await options.close();
  });

  it('injects the vault credential for a pk_ key, refuses while locked and once the key is disabled or deleted', async () => {
    const popup = await keygate!.openExtensionPage('popup.html');
    await createVault(popup);
    await addApiKey(popup, 'openai', 'personal', FAKE_OPENAI_KEY);

    const options = await keygate!.openExtensionPage('options.html');
    // Port 0 names no port: the host keeps the one it already has or takes any free one, so a Keygate
    // already running here (holding the default port) never breaks the test.
    await applyPolicy(options, `[proxy]\nport = 0\n[services.openai]\nbase_url = "${upstream!.url}"\n`);
    const port = await proxyPort(options);
    expect(port).toBeGreaterThan(0);
    await waitForTestId(popup, `[data-testid="proxy-status"][data-listening="true"][data-port="${port}"]`);

    const { key: agentKey, snippets } = await createAgentKey(options, 'e2e agent', ['openai']);
    expect(agentKey).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(snippets.openai).toBe(`export OPENAI_BASE_URL=http://127.0.0.1:${port}/openai/v1\nexport OPENAI_API_KEY=${agentKey}`);
    // Shown once: gone from the page as soon as the dialog is dismissed.
    expect(await options.content()).not.toContain(agentKey);
    await waitForTestId(options, '[data-testid="agent-key"][data-name="e2e agent"][data-enabled="true"]');

    // The real OpenAI SDK, set up exactly as the options page's snippet says.
    const baseURL = /OPENAI_BASE_URL=(\S+)/.exec(snippets.openai!)![1];
    const client = new OpenAI({ apiKey: agentKey, baseURL, maxRetries: 0 });
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(['gpt-e2e-mock']);
    const forwarded = upstream!.received.at(-1)!;
    expect(forwarded.url).toBe('/v1/models');
    expect(forwarded.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    expect(JSON.stringify(upstream!.received)).not.toContain(agentKey);

    expect(await listModels(port, agentKey)).toEqual({ status: 200, body: MODELS });

    await lockVault(popup);
    // Asked over the same native port after the lock, so the host has locked by the time it answers.
    expect(await hostVaultStatus(popup)).toMatchObject({ state: 'locked' });
    const locked = await listModels(port, agentKey);
    expect(locked.status).toBe(423);
    expect(locked.body.error?.code).toBe('VAULT_LOCKED');
    await openOptionsSection(options, 'services');
    await click(options, 'policy-apply');
    await waitForTestId(options, '[data-testid="policy-apply-error"][data-code="VAULT_LOCKED"]');

    await unlock(popup, MASTER_PASSWORD);
    await waitForProxyReady(popup);
    expect((await listModels(port, agentKey)).status).toBe(200);

    const forwardedCount = upstream!.received.length;
    await setAgentKeyEnabled(options, 'e2e agent', false);
    const disabled = await listModels(port, agentKey);
    expect(disabled.status).toBe(401);
    expect(disabled.body.error?.code).toBe('AGENT_KEY_INVALID');
    expect(upstream!.received).toHaveLength(forwardedCount);

    await openOptionsSection(options, 'agents');
    await click(options, '[data-testid="agent-key"][data-name="e2e agent"] [data-testid="delete-agent-key"]');
    await click(options, 'confirm-delete-agent-key');
    await waitForTestId(options, 'no-agent-keys');
    expect((await listModels(port, agentKey)).status).toBe(401);
  });

  it('shows in the popup a key the service refused, once the proxy has moved on to the other one', async () => {
    const revokedKey = 'sk-test-FAKE-e2e-revoked-0002';
    upstream!.setHandler((request, res) => {
      const refused = request.headers.authorization === `Bearer ${revokedKey}`;
      res.writeHead(refused ? 401 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(refused ? { error: { code: 'invalid_api_key', message: 'Incorrect API key provided.' } } : MODELS));
    });
    const popup = await keygate!.openExtensionPage('popup.html');
    await addApiKey(popup, 'openai', 'revoked', revokedKey);
    const options = await keygate!.openExtensionPage('options.html');
    await applyPolicy(options, `[proxy]\nport = 0\n[services.openai]\nbase_url = "${upstream!.url}"\nrotation = "round_robin"\n`);
    const port = await proxyPort(options);
    const { key: agentKey } = await createAgentKey(options, 'health agent', ['openai']);

    // round_robin: the second call starts at the refused key and moves on; the agent sees 200 both times.
    for (let call = 0; call < 2; call++) expect(await listModels(port, agentKey)).toEqual({ status: 200, body: MODELS });
    expect(upstream!.received.filter((request) => request.headers.authorization === `Bearer ${revokedKey}`)).toHaveLength(1);

    const line = await waitForTestId(popup, '[data-testid="credential"][data-name="revoked"] [data-testid="credential-health"][data-failing="true"]');
    expect(await line.evaluate((el) => el.textContent)).toMatch(/Refused by the service at .+ \(HTTP 401\)\. Tried after your other keys until /);
    expect(await popup.$('[data-testid="credential"][data-name="personal"] [data-testid="credential-health"]')).toBeNull();
    expect(await popup.content()).not.toContain(revokedKey);
  });
});
