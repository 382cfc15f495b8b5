/** Where the build puts things; shared by scripts, tests and benchmarks. */
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const REPO_ROOT = ROOT;
export const HOST_BUNDLE_PATH = `${ROOT}native-host/dist/keygate-host.mjs`;
export const CHROMIUM_EXTENSION_DIR = `${ROOT}.output/chrome-mv3`;
export const FIREFOX_EXTENSION_DIR = `${ROOT}.output/firefox-mv3`;
export const CLIENT_BUNDLE_PATH = `${ROOT}client/dist/keygate-client.mjs`;
