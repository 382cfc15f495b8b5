/**
 * `serve`'s proxy: the same ProxyRuntime the browser mode runs, with a VaultKeeper unlocked from
 * the vault file instead of from the extension, the file's agent keys, and an audit log in the data
 * directory. It can take the files again while running (serve reloads them on SIGHUP) without
 * the password: the data key it holds opens the reloaded records. Nothing here reads a password, a
 * terminal or a file; serve-command.ts does that.
 */
import type { ErrorBody } from '../../../shared/errors';
import type { Policy } from '../../../shared/policy/policy-types';
import type { CredentialRecord, VaultExport } from '../../../shared/vault/format';
import { isSameVault } from '../../../shared/vault/vault-document';
import { AuditLog } from '../audit/audit-log';
import { ProxyRuntime } from '../proxy/proxy-runtime';
import { VaultKeeper } from '../vault/vault-keeper';
import { CommandError } from './command-io';
import { credentialChanges, sameCredentialContent } from './credential-changes';
import { CredentialUseRecorder } from './credential-use-recorder';
import { findPortHolder } from './port-holder';
import { plural, reportHealth, reportUnusableCredentials } from './serve-reports';

const MS_PER_MINUTE = 60_000;

export interface HeadlessProxySetup {
  vaultPath: string;
  document: VaultExport;
  /** The document's data key; the keeper takes a copy, the caller wipes its own. */
  dataKey: Uint8Array;
  policy: Policy;
  /** --port; wins over the policy's port. */
  port: number | undefined;
  /** The audit log and the Binance daily-volume ledger live here. */
  dataDir: string;
  say: (line: string) => void;
  /** The keeper to unlock; a fresh one by default (tests pass one with their own timers). */
  vault?: VaultKeeper;
}

export interface HeadlessProxy {
  port: number;
  auditPath: string;
  /**
   * Applies a vault file and policy read again (both already validated): agent keys, credentials
   * and rules as they are now in the files. The port stays; a file that holds another vault is
   * refused whole (CommandError) and nothing changes. Resolves to one line saying what changed.
   */
  reload: (document: VaultExport, policy: Policy) => Promise<string>;
  /** Locks (wipes the key), stops listening, then finishes the audit and last-used writes. */
  stop: () => Promise<void>;
}

/**
 * A reloaded file must still be the vault serve unlocked: the same wrapped data key, or, after
 * `vault passwd` re-wrapped it under a new password, records that open with the key held here.
 */
function requireServedVault(path: string, reloaded: VaultExport, applied: VaultExport, vault: VaultKeeper): void {
  if (isSameVault(reloaded, applied) || reloaded.credentials.some((record) => vault.sealedWithHeldKey(record))) return;
  if (!vault.isUnlocked) throw new CommandError(`${path} is wrapped under another password or is another vault, and serve, locked, cannot tell which; restart keygate-host serve.`);
  throw new CommandError(`${path} now holds another vault (its records do not open with the key serve holds); restart keygate-host serve to use it.`);
}


/** What a person needs to fix a port that is taken: who holds it, and how to choose another. */
async function cannotListen(port: number, error: ErrorBody | null): Promise<string> {
  if (error?.code !== 'PROXY_PORT_IN_USE') return `Cannot listen on 127.0.0.1: ${error?.message ?? 'unknown error'}`;
  const holder = process.platform === 'linux' ? await findPortHolder(port) : null;
  const who = holder === null ? 'another program' : `process ${holder.pid} (${holder.command})`;
  return `Cannot listen on 127.0.0.1:${port}: ${who} holds that port. Stop it, or choose another port with --port N (or [proxy] port in the policy; --port 0 picks a free one).`;
}

export async function startHeadlessProxy(setup: HeadlessProxySetup): Promise<HeadlessProxy> {
  const { say } = setup;
  let policy = setup.policy;
  /** The credentials the keeper holds, as last read from the file. */
  let held = setup.document.credentials;
  /** The file as last applied: what a reload is compared with. */
  let applied = setup.document;
  // Before the unlock: a key held by a process that failed to start would keep it alive until the idle lock.
  const audit = await AuditLog.open({ directory: setup.dataDir, log: say });
  const vault = setup.vault ?? new VaultKeeper();
  reportUnusableCredentials(say, held, vault.unlock(setup.dataKey, held, policy.proxy.idleLockMinutes * MS_PER_MINUTE));
  vault.onLocked((reason) => {
    // Nobody can type the password into a running server: only a restart unlocks it again.
    if (reason === 'idle') say(`keygate-host serve: vault locked after ${policy.proxy.idleLockMinutes} idle minutes; requests now get VAULT_LOCKED. Restart keygate-host serve to unlock it.`);
  });
  const holds = (record: CredentialRecord) => held.some((own) => own.id === record.id && sameCredentialContent(own, record));
  const usage = new CredentialUseRecorder(setup.vaultPath, holds, say);
  const proxy = new ProxyRuntime(policy, { vault, audit, dataDir: setup.dataDir, hintMode: 'headless', onCredentialUsed: usage.record, onCredentialHealth: (health) => reportHealth(say, held, health) });
  const stop = async () => {
    vault.lock('request');
    await proxy.close();
    await usage.settled();
    await audit.close();
  };
  proxy.replaceAgents(setup.document.agents);
  const status = await proxy.applyPolicy(policy, setup.port);
  if (!status.listening || status.port === null) {
    await stop();
    throw new CommandError(await cannotListen(setup.port ?? policy.proxy.port, status.error));
  }
  const port = status.port;

  const reload = async (document: VaultExport, reloadedPolicy: Policy): Promise<string> => {
    requireServedVault(setup.vaultPath, document, applied, vault);
    const notes: string[] = [];
    await proxy.applyPolicy(reloadedPolicy, port);
    const wantedPort = reloadedPolicy.proxy.port;
    if (setup.port === undefined && wantedPort !== 0 && wantedPort !== port) notes.push(`port ${wantedPort} takes effect at restart; serving on ${port}`);
    if (reloadedPolicy.proxy.idleLockMinutes !== policy.proxy.idleLockMinutes) vault.setIdleLock(reloadedPolicy.proxy.idleLockMinutes * MS_PER_MINUTE);
    policy = reloadedPolicy;
    proxy.replaceAgents(document.agents);
    let credentialsSaid: string;
    if (vault.isUnlocked) {
      const changes = credentialChanges(held, document.credentials);
      for (const record of changes.removed) vault.deleteCredential(record.id);
      held = document.credentials;
      reportUnusableCredentials(say, held, [...changes.added, ...changes.replaced].map((record) => vault.putCredential(record)));
      credentialsSaid = `${plural(held.length, 'credential')} (${changes.added.length} added, ${changes.replaced.length} replaced, ${changes.removed.length} removed)`;
    } else {
      credentialsSaid = 'credentials not reloaded: the vault is locked until restart';
    }
    applied = document;
    return [`${credentialsSaid}, ${plural(document.agents.length, 'agent key')}, policy applied`, ...notes].join('; ');
  };
  return { port, auditPath: audit.path, reload, stop };
}
