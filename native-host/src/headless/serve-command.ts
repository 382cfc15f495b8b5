/**
 * `keygate-host serve`: the proxy without a browser, for servers and CI agents. The policy is
 * checked first (a bad one costs no password), then the vault file is unlocked with the password
 * from KEYGATE_PASSWORD or a prompt. The first stdout line says where the proxy listens, so a
 * script can start it and read the port (`--port 0` picks a free one). SIGHUP reads both files
 * again and applies them without the password; a file that does not pass is refused whole and the
 * running policy, credentials and agent keys stay.
 */
import { readFile } from 'node:fs/promises';
import { formatPolicyProblem, parsePolicy } from '../../../shared/policy/parse-policy';
import type { Policy } from '../../../shared/policy/policy-types';
import { wipe } from '../../../shared/vault/envelope';
import { unlockVaultDocument } from '../../../shared/vault/vault-document';
import { hostDataDir } from '../native/host-data-dir';
import { deriveKeyEncryptionKeyInWorker } from '../vault/kdf-in-worker';
import { CommandError, type CommandIo, describeFailure, EXIT_USAGE, readOptions, requireOption, usageError } from './command-io';
import { type HeadlessProxy, startHeadlessProxy } from './headless-proxy';
import { readMasterPassword } from './master-password-input';
import type { ServeSignals } from './serve-signals';
import { readVaultFile } from './vault-file';

/** Without --policy, serve runs on the defaults (docs/policy.md), as an empty policy file would. */
async function readPolicyFile(path: string | undefined): Promise<Policy> {
  if (path === undefined) return defaultPolicy();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandError(`Cannot read the policy file ${path} (${(error as { code?: string }).code ?? 'error'}).`, EXIT_USAGE);
  }
  const parsed = parsePolicy(text);
  if (parsed.ok) return parsed.policy;
  const problems = parsed.errors.map((problem) => `  ${formatPolicyProblem(problem)}`).join('\n');
  throw new CommandError(`The policy ${path} was refused (${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}):\n${problems}`, EXIT_USAGE);
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65_535)) throw usageError(`--port must be a number from 0 to 65535 (0 picks a free port), not "${text}".`);
  return port;
}

function defaultPolicy(): Policy {
  const parsed = parsePolicy('');
  if (!parsed.ok) throw new Error('The default policy does not parse.');
  return parsed.policy;
}

/** Both files read and checked before anything is applied: a reload is all or nothing. */
async function reloadFiles(proxy: HeadlessProxy, vaultPath: string, policyPath: string | undefined, io: CommandIo): Promise<void> {
  try {
    const policy = await readPolicyFile(policyPath);
    const document = await readVaultFile(vaultPath);
    const files = policyPath === undefined ? vaultPath : `${vaultPath} and ${policyPath}`;
    io.say(`keygate-host serve: SIGHUP; reloaded ${files}: ${await proxy.reload(document, policy)}.`);
  } catch (error) {
    io.say(`keygate-host serve: SIGHUP; nothing reloaded, still serving as before: ${describeFailure(error)}`);
  }
}

/**
 * Serves until SIGINT or SIGTERM, then locks and resolves; SIGHUP reloads the files meanwhile.
 * Signals are listened for only once the proxy listens: one before that ends the process the
 * default way, with nothing on disk to clean up.
 */
export async function serve(args: readonly string[], io: CommandIo, listenForSignals: () => ServeSignals): Promise<void> {
  const options = readOptions(args, { vault: { type: 'string' }, policy: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } });
  const vaultPath = requireOption(options.vault, '--vault');
  const policyPath = options.policy === undefined ? undefined : requireOption(options.policy, '--policy');
  const port = parsePort(options.port);
  const dataDir = options['data-dir'] ?? hostDataDir(io.env);
  const policy = await readPolicyFile(policyPath);
  const document = await readVaultFile(vaultPath);
  // On a worker thread that ends: the KDF's 256 MiB are given back instead of held while serving.
  const dataKey = await unlockVaultDocument(document, await readMasterPassword(io), deriveKeyEncryptionKeyInWorker);
  let proxy: HeadlessProxy;
  try {
    proxy = await startHeadlessProxy({ vaultPath, document, dataKey, policy, port, dataDir, say: io.say });
  } finally {
    wipe(dataKey);
  }
  const signals = listenForSignals();
  io.print(`keygate listening on http://127.0.0.1:${proxy.port}`);
  io.say(
    `keygate-host serve: ${document.credentials.length} credential(s), ${document.agents.length} agent key(s) from ${vaultPath}; ` +
      `audit log ${proxy.auditPath}; locks after ${policy.proxy.idleLockMinutes} idle minutes. Reload the files with SIGHUP; stop with Ctrl-C or SIGTERM.`,
  );
  if (document.agents.length === 0) io.say('keygate-host serve: the vault has no agent keys, so every request is refused (401); add one with `keygate-host agent create`.');
  try {
    for (;;) {
      const signal = await signals.next();
      if (signal === 'SIGHUP') {
        await reloadFiles(proxy, vaultPath, policyPath, io);
        continue;
      }
      io.say(`keygate-host serve: ${signal}; locking the vault and stopping.`);
      break;
    }
    await proxy.stop();
  } finally {
    signals.close();
  }
}
