import { describe, expect, it } from 'vitest';
import {
  BROWSERS,
  type Browser,
  keygateDataDir,
  manifestLocation,
  type PathContext,
} from '../../native-host/src/install/browser-locations';

const linux: PathContext = { platform: 'linux', home: '/home/ada', env: {} };
const darwin: PathContext = { platform: 'darwin', home: '/Users/ada', env: {} };
const win32: PathContext = {
  platform: 'win32',
  home: 'C:\\Users\\Ada',
  env: { LOCALAPPDATA: 'C:\\Users\\Ada\\AppData\\Local' },
};

const where = (ctx: PathContext): Record<Browser, ReturnType<typeof manifestLocation>> =>
  Object.fromEntries(BROWSERS.map((b) => [b, manifestLocation(b, ctx)])) as Record<Browser, ReturnType<typeof manifestLocation>>;

describe('native messaging manifest locations', () => {
  it('on Linux, uses each browser\'s per-user directory', () => {
    expect(where(linux)).toEqual({
      chrome: { browser: 'chrome', manifestPath: '/home/ada/.config/google-chrome/NativeMessagingHosts/dev.keygate.host.json' },
      chromium: { browser: 'chromium', manifestPath: '/home/ada/.config/chromium/NativeMessagingHosts/dev.keygate.host.json' },
      edge: { browser: 'edge', manifestPath: '/home/ada/.config/microsoft-edge/NativeMessagingHosts/dev.keygate.host.json' },
      brave: {
        browser: 'brave',
        manifestPath: '/home/ada/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/dev.keygate.host.json',
      },
      firefox: { browser: 'firefox', manifestPath: '/home/ada/.mozilla/native-messaging-hosts/dev.keygate.host.json' },
    });
  });

  it('on Linux, follows XDG_CONFIG_HOME for the Chromium family but not for Firefox', () => {
    const ctx = { ...linux, env: { XDG_CONFIG_HOME: '/srv/cfg' } };
    expect(manifestLocation('chrome', ctx).manifestPath).toBe('/srv/cfg/google-chrome/NativeMessagingHosts/dev.keygate.host.json');
    expect(manifestLocation('chromium', ctx).manifestPath).toBe('/srv/cfg/chromium/NativeMessagingHosts/dev.keygate.host.json');
    expect(manifestLocation('edge', ctx).manifestPath).toBe('/srv/cfg/microsoft-edge/NativeMessagingHosts/dev.keygate.host.json');
    expect(manifestLocation('brave', ctx).manifestPath).toBe(
      '/srv/cfg/BraveSoftware/Brave-Browser/NativeMessagingHosts/dev.keygate.host.json',
    );
    expect(manifestLocation('firefox', ctx).manifestPath).toBe('/home/ada/.mozilla/native-messaging-hosts/dev.keygate.host.json');
  });

  it('on Linux, ignores a relative XDG_CONFIG_HOME, as the XDG spec says', () => {
    const ctx = { ...linux, env: { XDG_CONFIG_HOME: 'cfg' } };
    expect(manifestLocation('chromium', ctx).manifestPath).toBe('/home/ada/.config/chromium/NativeMessagingHosts/dev.keygate.host.json');
  });

  it('on macOS, uses Application Support', () => {
    const support = '/Users/ada/Library/Application Support';
    expect(where(darwin)).toEqual({
      chrome: { browser: 'chrome', manifestPath: `${support}/Google/Chrome/NativeMessagingHosts/dev.keygate.host.json` },
      chromium: { browser: 'chromium', manifestPath: `${support}/Chromium/NativeMessagingHosts/dev.keygate.host.json` },
      edge: { browser: 'edge', manifestPath: `${support}/Microsoft Edge/NativeMessagingHosts/dev.keygate.host.json` },
      brave: { browser: 'brave', manifestPath: `${support}/BraveSoftware/Brave-Browser/NativeMessagingHosts/dev.keygate.host.json` },
      firefox: { browser: 'firefox', manifestPath: `${support}/Mozilla/NativeMessagingHosts/dev.keygate.host.json` },
    });
  });

  it('on Windows, keeps manifests under LOCALAPPDATA and names them in HKCU registry keys', () => {
    const manifests = 'C:\\Users\\Ada\\AppData\\Local\\Keygate\\manifests';
    expect(where(win32)).toEqual({
      chrome: {
        browser: 'chrome',
        manifestPath: `${manifests}\\chrome\\dev.keygate.host.json`,
        registryKey: 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\dev.keygate.host',
      },
      chromium: {
        browser: 'chromium',
        manifestPath: `${manifests}\\chromium\\dev.keygate.host.json`,
        registryKey: 'HKCU\\Software\\Chromium\\NativeMessagingHosts\\dev.keygate.host',
      },
      edge: {
        browser: 'edge',
        manifestPath: `${manifests}\\edge\\dev.keygate.host.json`,
        registryKey: 'HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\dev.keygate.host',
      },
      brave: {
        browser: 'brave',
        manifestPath: `${manifests}\\brave\\dev.keygate.host.json`,
        registryKey: 'HKCU\\Software\\BraveSoftware\\Brave-Browser\\NativeMessagingHosts\\dev.keygate.host',
      },
      firefox: {
        browser: 'firefox',
        manifestPath: `${manifests}\\firefox\\dev.keygate.host.json`,
        registryKey: 'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\dev.keygate.host',
      },
    });
  });

  it('on Windows, puts manifests under an overridden data directory', () => {
    expect(manifestLocation('edge', win32, 'D:\\kg').manifestPath).toBe('D:\\kg\\manifests\\edge\\dev.keygate.host.json');
  });
});

describe('Keygate data directory', () => {
  it('on Linux, is $XDG_DATA_HOME/keygate or ~/.local/share/keygate', () => {
    expect(keygateDataDir(linux)).toBe('/home/ada/.local/share/keygate');
    expect(keygateDataDir({ ...linux, env: { XDG_DATA_HOME: '/data' } })).toBe('/data/keygate');
    expect(keygateDataDir({ ...linux, env: { XDG_DATA_HOME: 'relative' } })).toBe('/home/ada/.local/share/keygate');
  });

  it('on macOS, is in Application Support', () => {
    expect(keygateDataDir(darwin)).toBe('/Users/ada/Library/Application Support/Keygate');
  });

  it('on Windows, is %LOCALAPPDATA%\\Keygate, falling back to the profile\'s AppData\\Local', () => {
    expect(keygateDataDir(win32)).toBe('C:\\Users\\Ada\\AppData\\Local\\Keygate');
    expect(keygateDataDir({ ...win32, env: {} })).toBe('C:\\Users\\Ada\\AppData\\Local\\Keygate');
  });
});
