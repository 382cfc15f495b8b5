/**
 * `serve`'s proxy: the same ProxyRuntime the browser mode runs, with a VaultKeeper unlocked from
 * the vault file instead of from the extension, the file's agent keys, and an audit log in the data
 * directory. Nothing here reads a password or a terminal; serve-command.ts does that.
 */
import type { Policy } from '../../../shared/policy/policy-types';
import type { CredentialHealth } from '../../../shared/proxy-messages';
import type { VaultExport } from '../../../shared/vault/format';
import { AuditLog } from '../audit/audit-log';
import { ProxyRuntime } from '../proxy/proxy-runtime';
import { VaultKeeper } from '../vault/vault-keeper';
import { CommandError } from './command-io';
import { CredentialUseRecorder } from './credential-use-recorder';

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
  /** Locks (wipes the key), stops listening, then finishes the audit and last-used writes. */
  stop: () => Promise<void>;
}

/** serve has no popup: a key the upstream refuses (or that works again) is said on stderr. */
function reportHealth(setup: HeadlessProxySetup, health: CredentialHealth): void {
  const record = setup.document.credentials.find((credential) => credential.id === health.credentialId);
  const named = `credential ${health.credentialId}${record ? ` (${record.service} "${record.name}")` : ''}`;
  if (health.failures === 0) return setup.say(`keygate-host serve: ${named} works again.`);
  const until = health.coolingUntil === null ? '' : `; tried after the service's other keys until ${new Date(health.coolingUntil).toISOString()}`;
  setup.say(`keygate-host serve: ${named} was refused by the upstream (${health.lastFailure?.reason ?? 'unknown'}, ${health.failures} in a row)${until}.`);
}

function reportUnusableCredentials(setup: HeadlessProxySetup, checks: ReturnType<VaultKeeper['unlock']>): void {
  for (const check of checks) {
    if (check.ok) continue;
    const record = setup.document.credentials.find((credential) => credential.id === check.id)!;
    setup.say(`keygate-host serve: credential ${check.id} (${record.service} "${record.name}") failed its integrity check (${check.error}) and will not be used.`);
  }
}

export async function startHeadlessProxy(setup: HeadlessProxySetup): Promise<HeadlessProxy> {
  const { policy, say } = setup;
  // Before the unlock: a key held by a process that failed to start would keep it alive until the idle lock.
  const audit = await AuditLog.open({ directory: setup.dataDir, log: say });
  const vault = setup.vault ?? new VaultKeeper();
  const idleMinutes = policy.proxy.idleLockMinutes;
  reportUnusableCredentials(setup, vault.unlock(setup.dataKey, setup.document.credentials, idleMinutes * MS_PER_MINUTE));
  vault.onLocked((reason) => {
    // Nobody can type the password into a running server: only a restart unlocks it again.
    if (reason === 'idle') say(`keygate-host serve: vault locked after ${idleMinutes} idle minutes; requests now get VAULT_LOCKED. Restart keygate-host serve to unlock it.`);
  });
  const usage = new CredentialUseRecorder(setup.vaultPath, setup.document, say);
  const proxy = new ProxyRuntime(policy, { vault, audit, dataDir: setup.dataDir, onCredentialUsed: usage.record, onCredentialHealth: (health) => reportHealth(setup, health) });
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
    throw new CommandError(`Cannot listen on 127.0.0.1: ${status.error?.message ?? 'unknown error'}`);
  }
  return { port: status.port, auditPath: audit.path, stop };
}
