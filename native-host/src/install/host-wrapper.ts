/**
 * The executable a host manifest's `path` names. Browsers start native hosts with a minimal
 * environment (no nvm or Homebrew PATH), so the wrapper runs Node by absolute path, and it carries
 * the allowed extension ids to the host, which checks its caller against them.
 */
import { GECKO_EXTENSION_ID } from '../../../shared/identity';
import { type HostPlatform, pathsFor } from './browser-locations';

export interface HostWrapperTarget {
  /** Absolute path of the Node binary, e.g. process.execPath. */
  nodePath: string;
  /** Absolute path of keygate-host.mjs. */
  hostScriptPath: string;
  /** Chromium ids plus the gecko id, as the host's KEYGATE_ALLOWED_EXTENSIONS expects. */
  allowedExtensions: readonly string[];
  /** Where the host keeps its audit log and ledgers (KEYGATE_DATA_DIR). */
  dataDir: string;
  /**
   * A PEM file of CA certificates Node should trust besides its own (NODE_EXTRA_CA_CERTS), for a
   * network that inspects TLS: the browser's minimal environment would not carry the variable.
   */
  extraCaCerts?: string;
}

const HEADER = 'Written by `keygate-host install`. Browsers start this with a minimal environment.';

export function hostWrapperPath(dataDir: string, platform: HostPlatform): string {
  return pathsFor(platform).join(dataDir, platform === 'win32' ? 'keygate-native-host.bat' : 'keygate-native-host');
}

/** The list the wrapper exports: every allowed Chromium id, then Firefox's add-on id. */
export function allowedExtensionsFor(chromiumIds: readonly string[]): string[] {
  return [...chromiumIds, GECKO_EXTENSION_ID];
}

/** Single-quotes a word for sh; a quote inside becomes '\'' (close, escaped quote, reopen). */
export function quoteForPosixShell(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Double-quotes a path for a .bat file. Inside quotes cmd still expands %VAR%, so % is doubled;
 * a double quote or line break cannot be escaped there (and is not legal in Windows paths anyway).
 */
export function quoteForBatch(value: string): string {
  if (/["\r\n]/.test(value)) throw new Error(`Cannot write ${JSON.stringify(value)} into a .bat file.`);
  return `"${value.replaceAll('%', '%%')}"`;
}

export function renderHostWrapper(platform: HostPlatform, target: HostWrapperTarget): string {
  const variables: Array<[string, string]> = [
    ['KEYGATE_ALLOWED_EXTENSIONS', target.allowedExtensions.join(',')],
    ['KEYGATE_DATA_DIR', target.dataDir],
  ];
  if (target.extraCaCerts !== undefined) variables.push(['NODE_EXTRA_CA_CERTS', target.extraCaCerts]);
  if (platform === 'win32') {
    return [
      '@echo off',
      `rem ${HEADER}`,
      ...variables.map(([name, value]) => `set ${quoteForBatch(`${name}=${value}`)}`),
      `${quoteForBatch(target.nodePath)} ${quoteForBatch(target.hostScriptPath)} native %*`,
      '',
    ].join('\r\n');
  }
  return [
    '#!/bin/sh',
    `# ${HEADER}`,
    ...variables.map(([name, value]) => `${name}=${quoteForPosixShell(value)}`),
    `export ${variables.map(([name]) => name).join(' ')}`,
    `exec ${quoteForPosixShell(target.nodePath)} ${quoteForPosixShell(target.hostScriptPath)} native "$@"`,
    '',
  ].join('\n');
}
