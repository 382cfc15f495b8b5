/**
 * Gets the peer proxies the benchmark measures Keygate against, on demand and loudly: nginx and
 * HAProxy from Debian packages (as .ci/run does for Chromium), the Portkey AI gateway from npm into
 * a bench-only folder (bench/.peers/, gitignored), never a project dependency. Whatever cannot be
 * had throws: a benchmark that silently dropped a peer would report ratios against nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The gateway's version is pinned so that two runs measure the same program. */
const PORTKEY_PACKAGE = '@portkey-ai/gateway@1.15.2';
export const PEERS_DIR = fileURLToPath(new URL('./.peers', import.meta.url));
const PORTKEY_SERVER = `${PEERS_DIR}/node_modules/@portkey-ai/gateway/build/start-server.js`;

function onPath(binary: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  }
  return null;
}

let aptUpdated = false;

/** The absolute path of `binary`, installing Debian package `debianPackage` first when it is missing. */
export function ensureDebianBinary(binary: string, debianPackage: string): string {
  const found = onPath(binary);
  if (found !== null) return found;
  process.stderr.write(`bench: ${binary} is missing; installing the Debian package ${debianPackage} (apt-get update, apt-get install -y ${debianPackage})\n`);
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    if (!aptUpdated) apt(['update']);
    aptUpdated = true;
    apt(['install', '-y', '--no-install-recommends', debianPackage]);
  } catch (error) {
    throw new Error(`bench: cannot install ${debianPackage} (needs root and apt-get): ${(error as Error).message}`);
  }
  const installed = onPath(binary);
  if (installed === null) throw new Error(`bench: ${debianPackage} installed but ${binary} is still not found`);
  return installed;
}

/** The Portkey gateway's start script, installing the pinned package into bench/.peers/ when missing. */
/** The gateway's start script, installing the pinned package into bench/.peers/ when missing. */
export function ensurePortkeyGateway(): string {
  if (existsSync(PORTKEY_SERVER)) return PORTKEY_SERVER;
  process.stderr.write(`bench: the Portkey gateway is missing; installing ${PORTKEY_PACKAGE} into ${PEERS_DIR} (npm install --prefix)\n`);
  try {
    execFileSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', PORTKEY_PACKAGE], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (error) {
    throw new Error(`bench: cannot install ${PORTKEY_PACKAGE}: ${(error as Error).message}`);
  }
  if (!existsSync(PORTKEY_SERVER)) throw new Error(`bench: ${PORTKEY_PACKAGE} installed but ${PORTKEY_SERVER} is missing`);
  return PORTKEY_SERVER;
}
