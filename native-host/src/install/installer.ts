/**
 * `keygate-host install | uninstall`: registers the native host with browsers and removes exactly
 * what it registered. The CLI parses arguments and prints; everything here takes explicit options.
 */
import { promises as fs } from 'node:fs';
import { DEFAULT_EXTENSION_ID } from '../../../shared/identity';
import { isPlainObject } from '../../../shared/validate';
import { type Browser, BROWSERS, type ManifestLocation, manifestLocation, pathsFor } from './browser-locations';
import { checkedExtensionIds, renderManifestFiles } from './host-manifest';
import { allowedExtensionsFor, hostWrapperPath, renderHostWrapper } from './host-wrapper';
import { replaceFileDurably } from '../files/durable-write';
import { readManifestFile, removeOwnFile } from './install-files';
import { type HostLocationOptions, requireAbsolutePath, resolveInstallTargets } from './install-targets';
import { runRegistryCommand, windowsRegistryCommands } from './windows-registry';

export interface InstallHostOptions extends HostLocationOptions {
  extensionIds?: readonly string[];
  nodePath: string;
  hostScriptPath: string;
  /** Absolute path of a PEM file of extra CA certificates for the host (NODE_EXTRA_CA_CERTS). */
  extraCaCerts?: string;
}

/** Node reads NODE_EXTRA_CA_CERTS once, at start, and only warns when it cannot: check it here, where someone is watching. */
async function checkExtraCaCerts(options: InstallHostOptions): Promise<void> {
  if (options.extraCaCerts === undefined) return;
  requireAbsolutePath(options, 'The CA certificates path', options.extraCaCerts);
  const text = await fs.readFile(options.extraCaCerts, 'utf8').catch((error: { code?: string }) => {
    throw new Error(`Cannot read the CA certificates file ${options.extraCaCerts} (${error.code ?? 'error'}).`);
  });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${options.extraCaCerts} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
}

export interface InstallResult {
  wrapperPath: string;
  manifests: ManifestLocation[];
  filesWritten: string[];
  registryKeysWritten: string[];
  allowedExtensions: string[];
}

export interface UninstallResult {
  filesRemoved: string[];
  registryKeysRemoved: string[];
  kept: { path: string; reason: string }[];
}

export async function installHost(options: InstallHostOptions): Promise<InstallResult> {
  const paths = pathsFor(options.platform);
  const chromiumIds = checkedExtensionIds(options.extensionIds ?? [DEFAULT_EXTENSION_ID]);
  requireAbsolutePath(options, 'The Node path', options.nodePath);
  requireAbsolutePath(options, 'The host script path', options.hostScriptPath);
  await checkExtraCaCerts(options);
  const { dataDir, locations } = resolveInstallTargets(options);
  const wrapperPath = hostWrapperPath(dataDir, options.platform);
  const allowedExtensions = allowedExtensionsFor(chromiumIds);
  const wrapper = renderHostWrapper(options.platform, { ...options, allowedExtensions, dataDir });
  const manifests = renderManifestFiles(locations, wrapperPath, chromiumIds);
  // Everything above validates; nothing is written until it all passed.
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Written whole or not at all: a browser never reads a half-written wrapper or manifest.
  await replaceFileDurably(wrapperPath, wrapper, 0o755);
  for (const [manifestPath, text] of manifests) {
    await fs.mkdir(paths.dirname(manifestPath), { recursive: true });
    await replaceFileDurably(manifestPath, text, 0o644);
  }
  const registryKeysWritten: string[] = [];
  for (const argv of windowsRegistryCommands('add', locations)) {
    const outcome = await runRegistryCommand(options, argv);
    if (outcome.exitCode !== 0) throw new Error(`Could not register ${argv[2]}: ${outcome.stderr.trim()}`);
    registryKeysWritten.push(argv[2]);
  }
  return { wrapperPath, manifests: locations, filesWritten: [wrapperPath, ...manifests.keys()], registryKeysWritten, allowedExtensions };
}

/** Browsers whose default-location manifest still starts `hostPath`. */
async function browsersUsingHost(options: HostLocationOptions, dataDir: string, hostPath: string): Promise<Browser[]> {
  const users = await Promise.all(
    BROWSERS.map(async (browser) => {
      const manifest = await readManifestFile(manifestLocation(browser, options, dataDir).manifestPath).catch(() => null);
      return isPlainObject(manifest) && manifest.path === hostPath ? [browser] : [];
    }),
  );
  return users.flat();
}

export async function uninstallHost(options: HostLocationOptions): Promise<UninstallResult> {
  const { dataDir, locations } = resolveInstallTargets(options);
  const result: UninstallResult = { filesRemoved: [], registryKeysRemoved: [], kept: [] };
  // A failing `reg delete` means the key was not there (HKCU is always writable by its user).
  for (const argv of windowsRegistryCommands('delete', locations)) {
    if ((await runRegistryCommand(options, argv)).exitCode === 0) result.registryKeysRemoved.push(argv[2]);
  }
  const removeAndRecord = async (path: string): Promise<void> => {
    const outcome = await removeOwnFile(path);
    if (outcome === 'removed') result.filesRemoved.push(path);
    if (outcome === 'not a file') result.kept.push({ path, reason: 'it is a directory, not a file Keygate wrote' });
  };
  for (const manifestPath of new Set(locations.map((l) => l.manifestPath))) await removeAndRecord(manifestPath);
  const wrapperPath = hostWrapperPath(dataDir, options.platform);
  const stillUsedBy = await browsersUsingHost(options, dataDir, wrapperPath);
  if (stillUsedBy.length > 0) result.kept.push({ path: wrapperPath, reason: `still used by ${stillUsedBy.join(', ')}` });
  else await removeAndRecord(wrapperPath);
  return result;
}
