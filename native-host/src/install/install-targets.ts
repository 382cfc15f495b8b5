/**
 * Which browsers `install`, `uninstall` and `doctor` act on, and where each one's manifest and
 * Keygate's wrapper live for them. Validates paths before anything touches the disk.
 */
import {
  type Browser,
  BROWSERS,
  keygateDataDir,
  MANIFEST_FILE_NAME,
  type ManifestLocation,
  manifestLocation,
  type PathContext,
  pathsFor,
} from './browser-locations';
import type { CommandRunner } from './windows-registry';

export interface HostLocationOptions extends PathContext {
  browsers: readonly Browser[] | 'all';
  /** Overrides Keygate's data directory (where the wrapper lives). */
  dataDir?: string;
  /** Writes the manifest here instead, e.g. `<userDataDir>/NativeMessagingHosts` of a test profile. */
  manifestDir?: string;
  /** Runs `reg` on Windows; defaults to execFile. */
  runCommand?: CommandRunner;
}

export interface InstallTargets {
  dataDir: string;
  locations: ManifestLocation[];
}

export function requireAbsolutePath(options: PathContext, label: string, value: string): void {
  if (!pathsFor(options.platform).isAbsolute(value)) throw new Error(`${label} must be an absolute path, got ${JSON.stringify(value)}.`);
}

export function resolveInstallTargets(options: HostLocationOptions): InstallTargets {
  const browsers = options.browsers === 'all' ? [...BROWSERS] : [...new Set(options.browsers)];
  if (browsers.length === 0) throw new Error('Name at least one browser.');
  requireAbsolutePath(options, 'The home directory', options.home);
  const dataDir = options.dataDir ?? keygateDataDir(options);
  requireAbsolutePath(options, 'The data directory', dataDir);
  const { manifestDir } = options;
  if (manifestDir === undefined) return { dataDir, locations: browsers.map((b) => manifestLocation(b, options, dataDir)) };
  if (options.platform === 'win32') {
    throw new Error('A manifest directory is not supported on Windows: browsers there find hosts only through the registry.');
  }
  requireAbsolutePath(options, 'The manifest directory', manifestDir);
  const manifestPath = pathsFor(options.platform).join(manifestDir, MANIFEST_FILE_NAME);
  return { dataDir, locations: browsers.map((browser) => ({ browser, manifestPath })) };
}
