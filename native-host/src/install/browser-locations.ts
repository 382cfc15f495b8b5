/**
 * Where each browser looks for a per-user native messaging host manifest, and where Keygate keeps
 * its own files. Pure: every function takes the platform, home directory and environment as
 * arguments, so a test on Linux can ask for the macOS or Windows answer.
 */
import { posix, win32 } from 'node:path';
import { NATIVE_HOST_NAME } from '../../../shared/identity';

export const BROWSERS = ['chrome', 'chromium', 'edge', 'brave', 'firefox'] as const;
export type Browser = (typeof BROWSERS)[number];

export const HOST_PLATFORMS = ['linux', 'darwin', 'win32'] as const;
export type HostPlatform = (typeof HOST_PLATFORMS)[number];

export type Env = Readonly<Record<string, string | undefined>>;

export interface PathContext {
  platform: HostPlatform;
  home: string;
  env: Env;
}

/**
 * Per-user manifest directories. On Linux the Chromium family lives under the XDG config home
 * (Chromium honours XDG_CONFIG_HOME); Firefox always uses ~/.mozilla. Windows browsers find the
 * manifest through a registry key instead, so the file itself may live anywhere.
 */
export type ManifestRule =
  | { kind: 'directory'; root: 'home' | 'xdgConfigHome'; segments: readonly string[] }
  | { kind: 'registry'; parentKey: string };

const MACOS_SUPPORT = ['Library', 'Application Support'];

export const MANIFEST_RULES: Readonly<Record<HostPlatform, Readonly<Record<Browser, ManifestRule>>>> = {
  linux: {
    chrome: { kind: 'directory', root: 'xdgConfigHome', segments: ['google-chrome', 'NativeMessagingHosts'] },
    chromium: { kind: 'directory', root: 'xdgConfigHome', segments: ['chromium', 'NativeMessagingHosts'] },
    edge: { kind: 'directory', root: 'xdgConfigHome', segments: ['microsoft-edge', 'NativeMessagingHosts'] },
    brave: {
      kind: 'directory',
      root: 'xdgConfigHome',
      segments: ['BraveSoftware', 'Brave-Browser', 'NativeMessagingHosts'],
    },
    firefox: { kind: 'directory', root: 'home', segments: ['.mozilla', 'native-messaging-hosts'] },
  },
  darwin: {
    chrome: { kind: 'directory', root: 'home', segments: [...MACOS_SUPPORT, 'Google', 'Chrome', 'NativeMessagingHosts'] },
    chromium: { kind: 'directory', root: 'home', segments: [...MACOS_SUPPORT, 'Chromium', 'NativeMessagingHosts'] },
    edge: { kind: 'directory', root: 'home', segments: [...MACOS_SUPPORT, 'Microsoft Edge', 'NativeMessagingHosts'] },
    brave: {
      kind: 'directory',
      root: 'home',
      segments: [...MACOS_SUPPORT, 'BraveSoftware', 'Brave-Browser', 'NativeMessagingHosts'],
    },
    firefox: { kind: 'directory', root: 'home', segments: [...MACOS_SUPPORT, 'Mozilla', 'NativeMessagingHosts'] },
  },
  win32: {
    chrome: { kind: 'registry', parentKey: 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts' },
    chromium: { kind: 'registry', parentKey: 'HKCU\\Software\\Chromium\\NativeMessagingHosts' },
    edge: { kind: 'registry', parentKey: 'HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts' },
    brave: { kind: 'registry', parentKey: 'HKCU\\Software\\BraveSoftware\\Brave-Browser\\NativeMessagingHosts' },
    firefox: { kind: 'registry', parentKey: 'HKCU\\Software\\Mozilla\\NativeMessagingHosts' },
  },
};

export const MANIFEST_FILE_NAME = `${NATIVE_HOST_NAME}.json`;

export interface ManifestLocation {
  browser: Browser;
  manifestPath: string;
  /** Windows only: the HKCU key whose default value must name `manifestPath`. */
  registryKey?: string;
}

export function isHostPlatform(value: string): value is HostPlatform {
  return (HOST_PLATFORMS as readonly string[]).includes(value);
}

export function isBrowser(value: string): value is Browser {
  return (BROWSERS as readonly string[]).includes(value);
}

export function isChromiumFamily(browser: Browser): boolean {
  return browser !== 'firefox';
}

/** The path flavour of the target platform, not of the machine running this code. */
export function pathsFor(platform: HostPlatform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** XDG base-directory variables count only when absolute; the spec says to ignore relative ones. */
function xdgDir(ctx: PathContext, variable: string, fallback: readonly string[]): string {
  const value = ctx.env[variable];
  return value && posix.isAbsolute(value) ? value : posix.join(ctx.home, ...fallback);
}

function windowsLocalAppData(ctx: PathContext): string {
  const value = ctx.env.LOCALAPPDATA;
  return value && win32.isAbsolute(value) ? value : win32.join(ctx.home, 'AppData', 'Local');
}

/** Keygate's per-user data directory: the wrapper, audit logs and (on Windows) the manifests. */
export function keygateDataDir(ctx: PathContext): string {
  switch (ctx.platform) {
    case 'linux':
      return posix.join(xdgDir(ctx, 'XDG_DATA_HOME', ['.local', 'share']), 'keygate');
    case 'darwin':
      return posix.join(ctx.home, ...MACOS_SUPPORT, 'Keygate');
    case 'win32':
      return win32.join(windowsLocalAppData(ctx), 'Keygate');
  }
}

/**
 * Where `browser` finds Keygate's manifest. On Windows the file lives under Keygate's data directory
 * (`dataDir`, default {@link keygateDataDir}) and the registry key points at it.
 */
export function manifestLocation(browser: Browser, ctx: PathContext, dataDir = keygateDataDir(ctx)): ManifestLocation {
  const rule = MANIFEST_RULES[ctx.platform][browser];
  if (rule.kind === 'registry') {
    return {
      browser,
      manifestPath: win32.join(dataDir, 'manifests', browser, MANIFEST_FILE_NAME),
      registryKey: `${rule.parentKey}\\${NATIVE_HOST_NAME}`,
    };
  }
  const root = rule.root === 'home' ? ctx.home : xdgDir(ctx, 'XDG_CONFIG_HOME', ['.config']);
  return { browser, manifestPath: posix.join(root, ...rule.segments, MANIFEST_FILE_NAME) };
}
