/**
 * The native messaging host manifest a browser reads to find and trust keygate-host. Chromium
 * browsers allow callers by origin, Firefox by add-on id; both need `type: "stdio"` and an absolute
 * `path` (relative paths work only on Windows, so we never write one).
 */
import { GECKO_EXTENSION_ID, NATIVE_HOST_NAME } from '../../../shared/identity';
import { type Browser, isChromiumFamily, type ManifestLocation } from './browser-locations';

export const HOST_DESCRIPTION = 'Keygate native host: lets AI agents use your API keys without holding them.';

interface ManifestBase {
  name: string;
  description: string;
  path: string;
  type: 'stdio';
}

export interface ChromiumHostManifest extends ManifestBase {
  allowed_origins: string[];
}

export interface FirefoxHostManifest extends ManifestBase {
  allowed_extensions: string[];
}

export type HostManifest = ChromiumHostManifest | FirefoxHostManifest;

/** Chromium ids are 32 characters from a–p (a SHA-256 prefix written in "mpdecimal" hex). */
const CHROMIUM_EXTENSION_ID = /^[a-p]{32}$/;

export function isChromiumExtensionId(value: string): boolean {
  return CHROMIUM_EXTENSION_ID.test(value);
}

export function chromiumOrigin(extensionId: string): string {
  return `chrome-extension://${extensionId}/`;
}

/** Returns the ids without duplicates, or throws naming the first one that is not a Chromium id. */
export function checkedExtensionIds(extensionIds: readonly string[]): string[] {
  if (extensionIds.length === 0) throw new Error('At least one extension id is needed.');
  const bad = extensionIds.find((id) => !isChromiumExtensionId(id));
  if (bad !== undefined) {
    throw new Error(
      `Invalid extension id ${JSON.stringify(bad)}: a Chromium extension id is 32 letters a–p, ` +
        'as shown on chrome://extensions with developer mode on.',
    );
  }
  return [...new Set(extensionIds)];
}

export function buildHostManifest(browser: Browser, hostPath: string, extensionIds: readonly string[]): HostManifest {
  const base = { name: NATIVE_HOST_NAME, description: HOST_DESCRIPTION, path: hostPath, type: 'stdio' as const };
  if (!isChromiumFamily(browser)) return { ...base, allowed_extensions: [GECKO_EXTENSION_ID] };
  return { ...base, allowed_origins: checkedExtensionIds(extensionIds).map(chromiumOrigin) };
}

/** Manifest text per path; refuses to put Firefox's and Chromium's (different) manifests in one file. */
export function renderManifestFiles(
  locations: readonly ManifestLocation[],
  hostPath: string,
  extensionIds: readonly string[],
): Map<string, string> {
  const files = new Map<string, string>();
  for (const { browser, manifestPath } of locations) {
    const text = `${JSON.stringify(buildHostManifest(browser, hostPath, extensionIds), null, 2)}\n`;
    if (files.has(manifestPath) && files.get(manifestPath) !== text) {
      throw new Error(`Firefox and Chromium browsers need different manifests; install them into ${manifestPath} one at a time.`);
    }
    files.set(manifestPath, text);
  }
  return files;
}
