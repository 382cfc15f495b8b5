/**
 * The checks `keygate-host doctor` runs on one browser's registration, in the order a browser
 * follows it: registry key (Windows), manifest, allowed callers, host executable, host answers.
 */
import { constants, promises as fs } from 'node:fs';
import { DEFAULT_EXTENSION_ID, GECKO_EXTENSION_ID, NATIVE_HOST_NAME } from '../../../shared/identity';
import { isPlainObject } from '../../../shared/validate';
import { type Browser, isChromiumFamily, type ManifestLocation, type PathContext, pathsFor } from './browser-locations';
import { chromiumOrigin } from './host-manifest';
import { probeHost } from './host-probe';
import { readManifestFile } from './install-files';
import { type CommandRunner, runRegistryCommand, windowsRegistryCommands } from './windows-registry';

export type FindingLevel = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: 'registry' | 'manifest' | 'host path' | 'allowed callers' | 'host answers';
  level: FindingLevel;
  message: string;
}

export interface ManifestReading {
  check: DoctorCheck;
  manifestFound: boolean;
  /** Set only when the manifest names a host path, so the later checks have something to check. */
  usable?: { manifest: Record<string, unknown>; hostPath: string };
}

export async function checkRegistry(location: ManifestLocation, options: { runCommand?: CommandRunner }): Promise<DoctorCheck | null> {
  const [argv] = windowsRegistryCommands('query', [location]);
  if (argv === undefined) return null;
  const outcome = await runRegistryCommand(options, argv);
  const value = /REG_SZ\s+(.+?)\s*$/m.exec(outcome.stdout)?.[1];
  if (outcome.exitCode !== 0 || value === undefined) {
    return { name: 'registry', level: 'fail', message: `registry key ${argv[2]} is missing` };
  }
  if (value.toLowerCase() !== location.manifestPath.toLowerCase()) {
    return { name: 'registry', level: 'fail', message: `registry key ${argv[2]} points at ${value}, not ${location.manifestPath}` };
  }
  return { name: 'registry', level: 'ok', message: `registry key ${argv[2]} points at the manifest` };
}

export async function checkManifest(manifestPath: string): Promise<ManifestReading> {
  let manifest: unknown;
  try {
    manifest = await readManifestFile(manifestPath);
  } catch (error) {
    const manifestFound = (error as NodeJS.ErrnoException).code !== 'ENOENT';
    const message = manifestFound
      ? `manifest at ${manifestPath} is unreadable: ${(error as Error).message}`
      : `no manifest at ${manifestPath}`;
    return { check: { name: 'manifest', level: 'fail', message }, manifestFound };
  }
  const problems = !isPlainObject(manifest)
    ? ['it is not a JSON object']
    : [
        manifest.name === NATIVE_HOST_NAME ? null : `name is not "${NATIVE_HOST_NAME}"`,
        manifest.type === 'stdio' ? null : 'type is not "stdio"',
        typeof manifest.path === 'string' ? null : 'path is missing',
      ].filter((p) => p !== null);
  const check: DoctorCheck =
    problems.length > 0
      ? { name: 'manifest', level: 'fail', message: `manifest at ${manifestPath}: ${problems.join('; ')}` }
      : { name: 'manifest', level: 'ok', message: `manifest at ${manifestPath} is well formed` };
  if (!isPlainObject(manifest) || typeof manifest.path !== 'string') return { check, manifestFound: true };
  return { check, manifestFound: true, usable: { manifest, hostPath: manifest.path } };
}

export function checkAllowedCallers(browser: Browser, manifest: Record<string, unknown>, extensionIds: readonly string[]): DoctorCheck {
  const [field, expected] = isChromiumFamily(browser)
    ? ['allowed_origins', extensionIds.map(chromiumOrigin)]
    : ['allowed_extensions', [GECKO_EXTENSION_ID]];
  const listed = manifest[field];
  const missing = expected.filter((entry) => !(Array.isArray(listed) && listed.includes(entry)));
  return missing.length > 0
    ? { name: 'allowed callers', level: 'fail', message: `${field} lacks ${missing.join(', ')}` }
    : { name: 'allowed callers', level: 'ok', message: `${field} includes ${expected.join(', ')}` };
}

export async function checkHostPath(hostPath: string, options: PathContext): Promise<DoctorCheck> {
  const fail = (message: string): DoctorCheck => ({ name: 'host path', level: 'fail', message });
  if (!pathsFor(options.platform).isAbsolute(hostPath)) return fail(`the manifest's path ${hostPath} is not absolute`);
  const stats = await fs.stat(hostPath).catch(() => null);
  if (stats === null) return fail(`the manifest's path ${hostPath} does not exist`);
  if (!stats.isFile()) return fail(`the manifest's path ${hostPath} is not a file`);
  if (options.platform !== 'win32' && !(await fs.access(hostPath, constants.X_OK).then(() => true, () => false))) {
    return fail(`the manifest's path ${hostPath} is not executable`);
  }
  return { name: 'host path', level: 'ok', message: `${hostPath} is an executable file` };
}

/** Starts the host with the arguments `location.browser` passes, as the first allowed caller. */
export async function checkHostAnswers(
  location: ManifestLocation,
  hostPath: string,
  extensionIds: readonly string[],
  options: PathContext & { timeoutMs: number },
): Promise<{ check: DoctorCheck; hostVersion: string | undefined }> {
  const callerArgs = isChromiumFamily(location.browser)
    ? [chromiumOrigin(extensionIds[0] ?? DEFAULT_EXTENSION_ID)]
    : [location.manifestPath, GECKO_EXTENSION_ID];
  const probe = await probeHost(hostPath, callerArgs, options);
  const check: DoctorCheck = probe.ok
    ? { name: 'host answers', level: 'ok', message: `the host answered hello (v${probe.version})` }
    : { name: 'host answers', level: 'fail', message: `the host does not work: ${probe.reason}` };
  return { check, hostVersion: probe.ok ? probe.version : undefined };
}
