import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BROWSERS,
  type Browser,
  isBrowser,
  isHostPlatform,
  manifestLocation,
  type PathContext,
} from '../install/browser-locations';
import { diagnoseHost, formatDoctorReport } from '../install/doctor';
import { installHost, uninstallHost } from '../install/installer';

type InstallCommand = 'install' | 'uninstall' | 'doctor';

const OPTIONS = {
  browser: { type: 'string' },
  'extension-id': { type: 'string', multiple: true },
  'manifest-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  'extra-ca-certs': { type: 'string' },
} as const;

function pathContext(): PathContext {
  if (!isHostPlatform(process.platform)) throw new Error(`Unsupported platform: ${process.platform}.`);
  return { platform: process.platform, home: homedir(), env: process.env };
}

/** Browsers whose profile folder exists, so installing does not create folders for absent ones. */
function detectedBrowsers(ctx: PathContext): Browser[] {
  if (ctx.platform === 'win32') return [...BROWSERS];
  return BROWSERS.filter((browser) => existsSync(dirname(dirname(manifestLocation(browser, ctx).manifestPath))));
}

function chosenBrowsers(value: string | undefined, command: InstallCommand, ctx: PathContext): Browser[] | 'all' {
  if (value === 'all') return 'all';
  if (value !== undefined) {
    if (!isBrowser(value)) throw new Error(`Unknown browser "${value}". Choose one of: ${BROWSERS.join(', ')}, all.`);
    return [value];
  }
  if (command !== 'install') return 'all';
  const found = detectedBrowsers(ctx);
  if (found.length === 0) throw new Error('No supported browser profile found; name one with --browser.');
  return found;
}

export async function runInstallCommand(command: InstallCommand, args: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false });
    const ctx = pathContext();
    const target = {
      ...ctx,
      browsers: chosenBrowsers(values.browser, command, ctx),
      dataDir: values['data-dir'],
      manifestDir: values['manifest-dir'],
    };
    const extensionIds = values['extension-id'];
    if (command === 'install') {
      // The host script is this very bundle; the wrapper runs it with this very Node.
      const extraCaCerts = values['extra-ca-certs'] === undefined ? undefined : resolve(values['extra-ca-certs']);
      const result = await installHost({ ...target, extensionIds, extraCaCerts, nodePath: process.execPath, hostScriptPath: fileURLToPath(import.meta.url) });
      for (const path of result.filesWritten) console.log(`wrote ${path}`);
      for (const key of result.registryKeysWritten) console.log(`registered ${key}`);
      console.log(`allowed callers: ${result.allowedExtensions.join(', ')}`);
      return 0;
    }
    if (command === 'uninstall') {
      const result = await uninstallHost(target);
      for (const path of result.filesRemoved) console.log(`removed ${path}`);
      for (const key of result.registryKeysRemoved) console.log(`unregistered ${key}`);
      for (const kept of result.kept) console.log(`kept ${kept.path}: ${kept.reason}`);
      if (result.filesRemoved.length + result.registryKeysRemoved.length === 0) console.log('nothing to remove');
      return 0;
    }
    const diagnoses = await diagnoseHost({ ...target, extensionIds });
    console.log(formatDoctorReport(diagnoses));
    return diagnoses.some((diagnosis) => diagnosis.level === 'fail') ? 1 : 0;
  } catch (error) {
    console.error(`keygate-host ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}
