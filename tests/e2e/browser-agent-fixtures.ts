/**
 * What the browser-agent e2e tests load beside the real extension: a web app served over HTTP from
 * loopback (with the official `openai` SDK bundled for the browser by esbuild, now), and a second
 * unpacked extension that uses Keygate through the built client module.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An unpacked MV3 extension whose page imports the built keygate-client.mjs, as an author would. */
export async function writeAgentExtension(): Promise<string> {
  if (!existsSync(CLIENT_BUNDLE_PATH)) throw new Error(`${CLIENT_BUNDLE_PATH} is missing: run \`npm run build\` first.`);
  const dir = join(await mkdtemp(join(tmpdir(), 'keygate-agent-extension-')), 'extension');
  await mkdir(dir);
  await copyFile(CLIENT_BUNDLE_PATH, join(dir, 'keygate-client.mjs'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Keygate e2e agent', version: '1.0.0', background: { service_worker: 'worker.js' } }));
  // A worker only so the test can read the extension's id from its target.
  await writeFile(join(dir, 'worker.js'), '// The agent extension needs no background logic.\n');
  await writeFile(join(dir, 'agent.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="agent.js"></script>');
  await writeFile(join(dir, 'agent.js'), "import { createKeygateClient } from './keygate-client.mjs';\nwindow.keygateClient = createKeygateClient();\n");
  return dir;
}
