import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID } from '../../shared/identity';
import { manifestLocation, type PathContext } from '../../native-host/src/install/browser-locations';
import { diagnoseHost, formatDoctorReport } from '../../native-host/src/install/doctor';
import { installHost, type InstallHostOptions, uninstallHost } from '../../native-host/src/install/installer';
import { renderHostWrapper } from '../../native-host/src/install/host-wrapper';
import { windowsRegistryCommands } from '../../native-host/src/install/windows-registry';
import { makeTestCertificates } from '../support/test-certificates';

const OTHER_ID = 'abcdefghijklmnopabcdefghijklmnop';

/**
 * Answers one hello like keygate-host: only when started as `native <caller>` by a caller the
 * wrapper's KEYGATE_ALLOWED_EXTENSIONS allows (Chromium passes an origin, Firefox a manifest path
 * and the add-on id).
 */
const FAKE_HOST = `
const [mode, first, second] = process.argv.slice(2);
const caller = /^chrome-extension:\\/\\/([a-p]{32})\\/$/.exec(first ?? '')?.[1] ?? second;
const allowed = (process.env.KEYGATE_ALLOWED_EXTENSIONS ?? '').split(',');
let input = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  input = Buffer.concat([input, chunk]);
  if (input.length < 4 || input.length < 4 + input.readUInt32LE(0)) return;
  const request = JSON.parse(input.subarray(4, 4 + input.readUInt32LE(0)).toString('utf8'));
  const reply = mode === 'native' && allowed.includes(caller)
    ? { id: request.id, ok: true, result: { version: '9.9.9', capabilities: [], pid: process.pid } }
    : { id: request.id, ok: false, error: { code: 'CALLER_NOT_ALLOWED', message: 'caller ' + caller + ' is not allowed' } };
  const body = Buffer.from(JSON.stringify(reply));
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  process.stdout.write(Buffer.concat([header, body]));
});
`;

let root: string;
let home: string;
let hostScriptPath: string;
let linux: PathContext;

function options(overrides: Partial<InstallHostOptions> = {}): InstallHostOptions {
  return { ...linux, browsers: ['chromium'], nodePath: process.execPath, hostScriptPath, ...overrides };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));

beforeEach(async () => {
  // A space and a quote in every path prove the wrapper's shell quoting.
  root = await mkdtemp(join(tmpdir(), "keygate it's "));
  home = join(root, 'home');
  await mkdir(home);
  hostScriptPath = join(root, 'host dir', 'fake-host.mjs');
  await mkdir(join(root, 'host dir'));
  await writeFile(hostScriptPath, FAKE_HOST);
  linux = { platform: 'linux', home, env: {} };
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('installHost', () => {
  it('writes a 0644 manifest per browser and a 0755 wrapper that runs Node by absolute path', async () => {
    const result = await installHost(options({ browsers: ['chromium', 'firefox'] }));
    const wrapperPath = join(home, '.local/share/keygate/keygate-native-host');
    const chromiumManifest = join(home, '.config/chromium/NativeMessagingHosts/dev.keygate.host.json');
    const firefoxManifest = join(home, '.mozilla/native-messaging-hosts/dev.keygate.host.json');

    expect(result.filesWritten).toEqual([wrapperPath, chromiumManifest, firefoxManifest]);
    expect(await readJson(chromiumManifest)).toEqual({
      name: 'dev.keygate.host',
      description: expect.any(String),
      path: wrapperPath,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${DEFAULT_EXTENSION_ID}/`],
    });
    expect(await readJson(firefoxManifest)).toEqual({
      name: 'dev.keygate.host',
      description: expect.any(String),
      path: wrapperPath,
      type: 'stdio',
      allowed_extensions: [GECKO_EXTENSION_ID],
    });
    expect(await modeOf(chromiumManifest)).toBe(0o644);
    expect(await modeOf(firefoxManifest)).toBe(0o644);
    expect(await modeOf(wrapperPath)).toBe(0o755);

    const quote = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
    const quotedScript = quote(hostScriptPath);
    expect(await readFile(wrapperPath, 'utf8')).toBe(
      [
        '#!/bin/sh',
        '# Written by `keygate-host install`. Browsers start this with a minimal environment.',
        `KEYGATE_ALLOWED_EXTENSIONS='${DEFAULT_EXTENSION_ID},${GECKO_EXTENSION_ID}'`,
        `KEYGATE_DATA_DIR=${quote(join(home, '.local', 'share', 'keygate'))}`,
        'export KEYGATE_ALLOWED_EXTENSIONS KEYGATE_DATA_DIR',
        `exec '${process.execPath}' ${quotedScript} native "$@"`,
        '',
      ].join('\n'),
    );
    expect(await filesUnder(home)).toEqual([
      '.config/chromium/NativeMessagingHosts/dev.keygate.host.json',
      '.local/share/keygate/keygate-native-host',
      '.mozilla/native-messaging-hosts/dev.keygate.host.json',
    ]);
  });

  it('allows every extension id it is given, in the manifest and in the wrapper', async () => {
    await installHost(options({ extensionIds: [DEFAULT_EXTENSION_ID, OTHER_ID] }));
    const manifest = await readJson(join(home, '.config/chromium/NativeMessagingHosts/dev.keygate.host.json'));
    expect(manifest).toMatchObject({
      allowed_origins: [`chrome-extension://${DEFAULT_EXTENSION_ID}/`, `chrome-extension://${OTHER_ID}/`],
    });
    expect(await readFile(join(home, '.local/share/keygate/keygate-native-host'), 'utf8')).toContain(
      `KEYGATE_ALLOWED_EXTENSIONS='${DEFAULT_EXTENSION_ID},${OTHER_ID},${GECKO_EXTENSION_ID}'`,
    );
  });

  it('rejects a bad extension id and writes nothing', async () => {
    await expect(installHost(options({ extensionIds: [DEFAULT_EXTENSION_ID, 'not-an-id'] }))).rejects.toThrow(
      /Invalid extension id "not-an-id": a Chromium extension id is 32 letters a–p/,
    );
    await expect(installHost(options({ extensionIds: ['ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP'] }))).rejects.toThrow(/Invalid extension id/);
    expect(await filesUnder(home)).toEqual([]);
  });

  it('hands the host extra CA certificates through the wrapper (NODE_EXTRA_CA_CERTS), which a browser would not pass', async () => {
    const { caPath } = await makeTestCertificates(root);
    const envProbe = join(root, 'host dir', 'env-probe.mjs');
    await writeFile(envProbe, 'process.stdout.write(String(process.env.NODE_EXTRA_CA_CERTS));');
    const { wrapperPath } = await installHost(options({ hostScriptPath: envProbe, extraCaCerts: caPath }));
    expect(await readFile(wrapperPath, 'utf8')).toContain(`NODE_EXTRA_CA_CERTS='${caPath.replaceAll("'", "'\\''")}'`);
    // Started as a browser starts it: an almost empty environment.
    const { stdout } = await promisify(execFile)(wrapperPath, [`chrome-extension://${DEFAULT_EXTENSION_ID}/`], { env: {} });
    expect(stdout).toBe(caPath);
  });

  it('sets the same variables in the Windows wrapper, each quoted for cmd', () => {
    const wrapper = renderHostWrapper('win32', {
      nodePath: 'C:\\Program Files\\nodejs\\node.exe',
      hostScriptPath: 'C:\\Keygate\\keygate-host.mjs',
      allowedExtensions: [DEFAULT_EXTENSION_ID],
      dataDir: 'C:\\Users\\me\\AppData\\Roaming\\keygate',
      extraCaCerts: 'C:\\certs\\corp 100%.pem',
    });
    expect(wrapper.split('\r\n')).toEqual([
      '@echo off',
      'rem Written by `keygate-host install`. Browsers start this with a minimal environment.',
      `set "KEYGATE_ALLOWED_EXTENSIONS=${DEFAULT_EXTENSION_ID}"`,
      'set "KEYGATE_DATA_DIR=C:\\Users\\me\\AppData\\Roaming\\keygate"',
      'set "NODE_EXTRA_CA_CERTS=C:\\certs\\corp 100%%.pem"',
      '"C:\\Program Files\\nodejs\\node.exe" "C:\\Keygate\\keygate-host.mjs" native %*',
      '',
    ]);
  });

  it('refuses a CA file that is missing or holds no certificate, and writes nothing', async () => {
    await expect(installHost(options({ extraCaCerts: join(root, 'missing.pem') }))).rejects.toThrow(/Cannot read the CA certificates file .*missing\.pem \(ENOENT\)/);
    const notPem = join(root, 'not.pem');
    await writeFile(notPem, 'just some text');
    await expect(installHost(options({ extraCaCerts: notPem }))).rejects.toThrow(/holds no PEM certificate/);
    await expect(installHost(options({ extraCaCerts: 'relative.pem' }))).rejects.toThrow(/The CA certificates path must be an absolute path/);
    expect(await filesUnder(home)).toEqual([]);
  });

  it('with a manifest directory, writes the manifest only there', async () => {
    const manifestDir = join(root, 'profile', 'NativeMessagingHosts');
    const dataDir = join(root, 'data');
    const result = await installHost(options({ manifestDir, dataDir }));
    expect(result.filesWritten).toEqual([join(dataDir, 'keygate-native-host'), join(manifestDir, 'dev.keygate.host.json')]);
    expect(await filesUnder(home)).toEqual([]);
    expect(await filesUnder(join(root, 'profile'))).toEqual(['NativeMessagingHosts/dev.keygate.host.json']);
    expect(await readJson(join(manifestDir, 'dev.keygate.host.json'))).toMatchObject({ path: join(dataDir, 'keygate-native-host') });
  });

  it('refuses to put the Firefox and Chromium manifests into one manifest directory', async () => {
    const manifestDir = join(root, 'profile');
    await expect(installHost(options({ manifestDir, browsers: ['chrome', 'firefox'] }))).rejects.toThrow(/different manifests/);
    expect(await filesUnder(root)).toEqual(['host dir/fake-host.mjs']);
  });

  it('refuses a relative Node path', async () => {
    await expect(installHost(options({ nodePath: 'node' }))).rejects.toThrow(/Node path must be an absolute path/);
    expect(await filesUnder(home)).toEqual([]);
  });
});

describe('uninstallHost', () => {
  it('removes only Keygate\'s manifests and wrapper, leaving other files and the directories', async () => {
    await installHost(options({ browsers: ['chromium', 'firefox'] }));
    const chromiumDir = join(home, '.config/chromium/NativeMessagingHosts');
    await writeFile(join(chromiumDir, 'org.other.host.json'), '{}');
    await writeFile(join(home, '.local/share/keygate/audit.log'), 'keep me');

    const result = await uninstallHost({ ...linux, browsers: 'all' });
    expect(result.filesRemoved).toEqual([
      join(chromiumDir, 'dev.keygate.host.json'),
      join(home, '.mozilla/native-messaging-hosts/dev.keygate.host.json'),
      join(home, '.local/share/keygate/keygate-native-host'),
    ]);
    expect(result.kept).toEqual([]);
    expect(await filesUnder(home)).toEqual(['.config/chromium/NativeMessagingHosts/org.other.host.json', '.local/share/keygate/audit.log']);
    expect((await stat(join(home, '.mozilla/native-messaging-hosts'))).isDirectory()).toBe(true);
  });

  it('keeps the wrapper while another browser\'s manifest still uses it', async () => {
    await installHost(options({ browsers: ['chromium', 'firefox'] }));
    const wrapperPath = join(home, '.local/share/keygate/keygate-native-host');
    const result = await uninstallHost({ ...linux, browsers: ['chromium'] });
    expect(result.filesRemoved).toEqual([join(home, '.config/chromium/NativeMessagingHosts/dev.keygate.host.json')]);
    expect(result.kept).toEqual([{ path: wrapperPath, reason: 'still used by firefox' }]);
    expect(await modeOf(wrapperPath)).toBe(0o755);
  });

  it('is a no-op when nothing is installed', async () => {
    expect(await uninstallHost({ ...linux, browsers: 'all' })).toEqual({ filesRemoved: [], registryKeysRemoved: [], kept: [] });
  });
});

describe('windowsRegistryCommands', () => {
  const win32: PathContext = { platform: 'win32', home: 'C:\\Users\\Ada', env: { LOCALAPPDATA: 'C:\\Users\\Ada\\AppData\\Local' } };
  const locations = [manifestLocation('chrome', win32), manifestLocation('firefox', win32)];

  it('registers each manifest as the default value of its HKCU key', () => {
    expect(windowsRegistryCommands('add', locations)).toEqual([
      [
        'reg', 'add', 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\dev.keygate.host',
        '/ve', '/t', 'REG_SZ', '/d', 'C:\\Users\\Ada\\AppData\\Local\\Keygate\\manifests\\chrome\\dev.keygate.host.json', '/f',
      ],
      [
        'reg', 'add', 'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\dev.keygate.host',
        '/ve', '/t', 'REG_SZ', '/d', 'C:\\Users\\Ada\\AppData\\Local\\Keygate\\manifests\\firefox\\dev.keygate.host.json', '/f',
      ],
    ]);
  });

  it('deletes exactly those keys', () => {
    expect(windowsRegistryCommands('delete', locations)).toEqual([
      ['reg', 'delete', 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\dev.keygate.host', '/f'],
      ['reg', 'delete', 'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\dev.keygate.host', '/f'],
    ]);
  });

  it('has nothing to run where browsers read manifest directories', () => {
    expect(windowsRegistryCommands('add', [manifestLocation('chrome', { platform: 'linux', home: '/h', env: {} })])).toEqual([]);
  });
});

describe('diagnoseHost', () => {
  it('fails for a missing install and says how to install', async () => {
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'] });
    const manifestPath = join(home, '.config/chromium/NativeMessagingHosts/dev.keygate.host.json');
    expect(diagnosis).toMatchObject({
      browser: 'chromium',
      level: 'fail',
      manifestFound: false,
      checks: [{ name: 'manifest', level: 'fail', message: `no manifest at ${manifestPath}` }],
      nextStep: 'run keygate-host install --browser chromium',
    });
    expect(formatDoctorReport([diagnosis!])).toBe(
      `✘ chromium: no manifest at ${manifestPath}\n    next step: run keygate-host install --browser chromium`,
    );
  });

  it('starts the installed wrapper like a browser and reports the host\'s version', async () => {
    await installHost(options({ browsers: ['chromium', 'firefox'] }));
    const diagnoses = await diagnoseHost({ ...linux, browsers: ['chromium', 'firefox'] });
    for (const diagnosis of diagnoses) {
      expect(diagnosis.level, formatDoctorReport([diagnosis])).toBe('ok');
      expect(diagnosis.hostVersion).toBe('9.9.9');
      expect(diagnosis.checks.map((c) => c.name)).toEqual(['manifest', 'allowed callers', 'host path', 'host answers']);
    }
    expect(formatDoctorReport(diagnoses).split('\n')).toEqual([
      `✔ chromium: manifest at ${manifestLocation('chromium', linux).manifestPath} points at a working host (v9.9.9)`,
      `✔ firefox: manifest at ${manifestLocation('firefox', linux).manifestPath} points at a working host (v9.9.9)`,
    ]);
  });

  it('only warns about browsers without a manifest when checking all of them and one works', async () => {
    await installHost(options({ browsers: ['chromium'] }));
    const diagnoses = await diagnoseHost({ ...linux, browsers: 'all' });
    expect(Object.fromEntries(diagnoses.map((d) => [d.browser, d.level]))).toEqual({
      chrome: 'warn',
      chromium: 'ok',
      edge: 'warn',
      brave: 'warn',
      firefox: 'warn',
    });
    expect(diagnoses[0]?.nextStep).toBe('to use Keygate in chrome, run keygate-host install --browser chrome');
  });

  it('fails when the manifest points at a file that is not executable', async () => {
    const { wrapperPath } = await installHost(options());
    await chmod(wrapperPath, 0o644);
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'] });
    expect(diagnosis?.level).toBe('fail');
    expect(diagnosis?.checks).toContainEqual({
      name: 'host path',
      level: 'fail',
      message: `the manifest's path ${wrapperPath} is not executable`,
    });
    expect(diagnosis?.nextStep).toBe('run keygate-host install --browser chromium');
  });

  it('fails when the manifest points at a missing file', async () => {
    const { wrapperPath } = await installHost(options());
    await unlink(wrapperPath);
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'] });
    expect(diagnosis?.level).toBe('fail');
    expect(diagnosis?.checks).toContainEqual({
      name: 'host path',
      level: 'fail',
      message: `the manifest's path ${wrapperPath} does not exist`,
    });
  });

  it('fails when the manifest does not allow the expected extension', async () => {
    await installHost(options({ extensionIds: [OTHER_ID] }));
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'] });
    expect(diagnosis?.level).toBe('fail');
    expect(diagnosis?.checks).toContainEqual({
      name: 'allowed callers',
      level: 'fail',
      message: `allowed_origins lacks chrome-extension://${DEFAULT_EXTENSION_ID}/`,
    });
    // The wrapper tells the host the same list, so the host itself refuses the caller too.
    expect(diagnosis?.checks.find((c) => c.name === 'host answers')?.message).toMatch(/CALLER_NOT_ALLOWED/);
  });

  it('fails with a pointer to stderr logging when the host writes text to stdout', async () => {
    await writeFile(hostScriptPath, "process.stdout.write('Keygate starting up\\n'); setTimeout(() => {}, 10_000);");
    await installHost(options());
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'] });
    expect(diagnosis?.checks.at(-1)).toEqual({
      name: 'host answers',
      level: 'fail',
      message: 'the host does not work: its stdout is not a frame (starts "Keygate starting up\\n"); the host must log to stderr only',
    });
    expect(diagnosis?.nextStep).toBe(`run ${diagnosis?.hostPath} by hand to see its error, then keygate-host install --browser chromium`);
  });

  it('fails when the host never answers', async () => {
    await writeFile(hostScriptPath, 'setTimeout(() => {}, 10_000);');
    await installHost(options());
    const [diagnosis] = await diagnoseHost({ ...linux, browsers: ['chromium'], probeTimeoutMs: 300 });
    expect(diagnosis?.checks.at(-1)?.message).toBe('the host does not work: it did not answer within 0.3 s');
  });
});
