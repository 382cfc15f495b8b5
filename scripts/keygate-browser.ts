/**
 * Starts Debian's Chromium with the built extension and registers the built host inside that
 * browser's profile (`<profile>/NativeMessagingHosts`), so nothing outside the profile and data
 * directory is touched. Used by `npm start`, the e2e tests and the benchmarks. A missing Chromium or
 * a missing build is a loud failure, never a skip.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { DEFAULT_EXTENSION_ID } from '../shared/identity';
import { chromiumArgs, findChromium } from './chromium';
import { CHROMIUM_EXTENSION_DIR, HOST_BUNDLE_PATH } from './paths';

const run = promisify(execFile);

export type ExtensionPage = 'popup.html' | 'options.html';

export interface KeygateBrowser {
  browser: Browser;
  extensionId: string;
  profileDir: string;
  dataDir: string;
  background: () => Promise<WebWorker>;
  openExtensionPage: (page: ExtensionPage, tab?: Page) => Promise<Page>;
  close: () => Promise<void>;
}

export interface LaunchOptions {
  /** Register the built host in the profile (default true). */
  registerHost?: boolean;
  /** Register it for this extension id instead of Keygate's own (to prove the browser refuses). */
  allowedExtensionId?: string;
  /** Keep the profile here (npm start); by default a temp dir that close() deletes. */
  root?: string;
  headless?: boolean;
  /** Unpacked extensions loaded beside Keygate (the e2e tests' agent extension). */
  extraExtensions?: string[];
}

export async function launchKeygateBrowser(options: LaunchOptions = {}): Promise<KeygateBrowser> {
  const executablePath = findChromium();
  for (const built of [CHROMIUM_EXTENSION_DIR, HOST_BUNDLE_PATH]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
  }
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'keygate-browser-')));
  const profileDir = join(root, 'chromium-profile');
  const dataDir = join(root, 'host');
  if (options.registerHost ?? true) {
    const idArgs = options.allowedExtensionId ? ['--extension-id', options.allowedExtensionId] : [];
    const manifestDir = join(profileDir, 'NativeMessagingHosts');
    await run(process.execPath, [HOST_BUNDLE_PATH, 'install', '--browser', 'chromium', '--manifest-dir', manifestDir, '--data-dir', dataDir, ...idArgs]);
  }
  const browser = await puppeteer.launch({
    executablePath,
    headless: options.headless ?? true,
    pipe: true,
    enableExtensions: [CHROMIUM_EXTENSION_DIR, ...(options.extraExtensions ?? [])],
    userDataDir: profileDir,
    defaultViewport: null,
    args: chromiumArgs(),
  });
  const background = async () => {
    const target = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${DEFAULT_EXTENSION_ID}/`),
      { timeout: 30_000 },
    );
    const worker = await target.worker();
    if (worker === null) throw new Error('The extension service worker has no worker handle.');
    return worker;
  };
  const openExtensionPage = async (page: ExtensionPage, tab?: Page) => {
    const target = tab ?? (await browser.newPage());
    await target.goto(`chrome-extension://${DEFAULT_EXTENSION_ID}/${page}`);
    return target;
  };
  const close = async () => {
    await browser.close();
    if (options.root === undefined) await rm(root, { recursive: true, force: true });
  };
  return { browser, extensionId: DEFAULT_EXTENSION_ID, profileDir, dataDir, background, openExtensionPage, close };
}
