/**
 * What the browser-agent e2e tests load beside the real extension: a web app served over HTTP from
 * loopback (with the official `openai` SDK bundled for the browser by esbuild, now), and a second
 * unpacked extension that uses Keygate through the built client module.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'puppeteer-core';
import { type MockUpstream, startMockUpstream } from '../integration/mock-upstream';
import { CLIENT_BUNDLE_PATH, REPO_ROOT } from '../../scripts/paths';

export interface AgentWebApp {
  port: number;
  /** The same server under two origins: the test grants one, the other stays ungranted. */
  origin: (host: '127.0.0.1' | 'localhost') => string;
  close: () => Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>BYOK agent</title>
<script src="/openai.js"></script>
<script>
  window.keygateReady = new Promise((resolve) => {
    if (window.keygate) resolve(true);
    window.addEventListener('keygate:ready', () => resolve(true), { once: true });
  });
</script>
<h1>An agent app that never holds a key</h1>`;

async function bundleOpenAiForBrowser(): Promise<string> {
  const result = await build({
    stdin: { contents: "import OpenAI from 'openai'; window.OpenAI = OpenAI;", resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

export async function startAgentWebApp(): Promise<AgentWebApp> {
  const sdk = await bundleOpenAiForBrowser();
  const server = createServer((req, res) => {
    if (req.url === '/openai.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(sdk);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The browser keeps idle keep-alive sockets open; close would wait for them for minutes.
        server.closeAllConnections();
      }),
  };
}

/**
 * A manifest `key` made now, and the id Chromium derives from it (SHA-256 of the public key, first
 * 16 bytes, each hex digit mapped to a–p), so the test knows the agent extension's id up front.
 */
function extensionKeyAndId(): { key: string; id: string } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  return { key: der.toString('base64'), id: [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('') };
}

/** An unpacked MV3 extension whose page imports the built keygate-client.mjs, as an author would. */
export async function writeAgentExtension(): Promise<{ dir: string; id: string }> {
  if (!existsSync(CLIENT_BUNDLE_PATH)) throw new Error(`${CLIENT_BUNDLE_PATH} is missing: run \`npm run build\` first.`);
  const dir = join(await mkdtemp(join(tmpdir(), 'keygate-agent-extension-')), 'extension');
  await mkdir(dir);
  const { key, id } = extensionKeyAndId();
  await copyFile(CLIENT_BUNDLE_PATH, join(dir, 'keygate-client.mjs'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Keygate e2e agent', version: '1.0.0', key }));
  await writeFile(join(dir, 'agent.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="agent.js"></script>');
  await writeFile(join(dir, 'agent.js'), "import { createKeygateClient } from './keygate-client.mjs';\nwindow.keygateClient = createKeygateClient();\n");
  return { dir, id };
}

/** `GET /openai/v1/models` through the page's `window.keygate.fetch`: the answer's status and JSON. */
export const callModels = (page: Page) =>
  page.evaluate(`(async () => {
    const response = await window.keygate.fetch('/openai/v1/models');
    return { status: response.status, body: await response.json() };
  })()`) as Promise<{ status: number; body: { error?: { code: string } } }>;

/** An OpenAI stand-in for `/v1/models`: an empty list for `key`, OpenAI's 401 for any other. */
export function startModelsUpstream(key: string): Promise<MockUpstream> {
  return startMockUpstream((request, res) => {
    const keyed = request.headers.authorization === `Bearer ${key}`;
    res.writeHead(keyed ? 200 : 401, { 'content-type': 'application/json' });
    res.end(keyed ? '{"object":"list","data":[]}' : '{"error":{"message":"wrong key","code":"invalid_api_key"}}');
  });
}
