import { isBinanceCredentialKind, readBinanceCredential } from '../../shared/binance/binance-credential';
import { errorBody, type ErrorBody, KeygateError } from '../../shared/errors';
import type { EventFrame } from '../../shared/protocol';
import { bytesToBase64 } from '../../shared/vault/base64';
import { wipe } from '../../shared/vault/envelope';
import type { KdfCost } from '../../shared/vault/kdf';
import { type CredentialKind, type CredentialSummary, VAULT_FORMAT_VERSION, type VaultExport } from '../../shared/vault/format';
import type { HostLink } from '../host-link/host-link';
import * as vault from '../vault/vault-service';
import * as store from '../vault/vault-db';
import type { SessionSettings } from './settings';
import type { LockReason, VaultState } from './vault-state';

export interface CredentialView extends CredentialSummary {
  /** Set when the record fails to open (tampered or corrupt); the others stay usable. */
  problem?: ErrorBody;
}

export interface NewCredentialInput {
  service: string;
  name: string;
  kind: CredentialKind;
  secret: string;
}

export interface VaultSessionDeps {
  db: store.VaultDb;
  host: Pick<HostLink, 'request' | 'onStateChange' | 'onEvent' | 'currentState'>;
  readSettings: () => Promise<SessionSettings>;
  rememberKdfDuration: (ms: number) => Promise<void>;
  /** Tests pass the minimum Argon2id cost; the extension uses the default. */
  kdfCost?: KdfCost;
  now?: () => number;
}

/**
 * The background's unlocked vault: owns the data key while unlocked, hands it to keygate-host,
 * locks on request or after the idle delay, and keeps the host in step with every change.
 */
export class VaultSession {
  private dataKey: Uint8Array | null = null;
  private state: VaultState = { status: 'loading' };
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** A change was made while a hand-off was in flight, so that hand-off may have missed it. */
  private handoffOutdated = false;
  private readonly listeners = new Set<(state: VaultState) => void>();
  private readonly now: () => number;

  constructor(private readonly deps: VaultSessionDeps) {
    this.now = deps.now ?? Date.now;
    // A restarted host has forgotten the key: hand it over again as soon as it is back.
    deps.host.onStateChange((host) => {
      if (this.dataKey === null) return;
      if (host.status === 'connected') void this.handOffToHost();
      // The host that held the key is gone: the proxy is not serving, whatever the last hand-off said.
      else if (host.status === 'unavailable') this.setHandoff({ status: 'failed', error: host.error });
    });
    deps.host.onEvent((event: EventFrame) => {
      if (event.event === 'vault.locked' && event.reason === 'idle') void this.lock('host-idle');
    });
  }

  get currentState(): VaultState {
    return this.state;
  }

  onStateChange(listener: (state: VaultState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every start of the background is a browser (re)start or a worker restart: start locked. */
  async initialize(): Promise<void> {
    this.setState((await store.hasMeta(this.deps.db)) ? { status: 'locked', reason: 'startup' } : { status: 'absent' });
  }

  async create(password: string): Promise<void> {
    if (this.state.status !== 'absent') throw new KeygateError('VAULT_EXISTS');
    await this.becomeUnlocked(await vault.createVault(this.deps.db, password, { kdfCost: this.deps.kdfCost }));
  }

  async unlock(password: string): Promise<void> {
    const { lastKdfMs } = await this.deps.readSettings();
    // Checked after the await and marked 'unlocking' in the same step: two quick clicks must not
    // both pass the check and derive (and hold) two keys.
    if (this.state.status === 'unlocked') return;
    if (this.state.status !== 'locked') throw new KeygateError(this.state.status === 'absent' ? 'VAULT_NOT_FOUND' : 'VAULT_BUSY');
    const startedAt = this.now();
    this.setState({ status: 'unlocking', startedAt, expectedMs: lastKdfMs });
    let dataKey: Uint8Array;
    try {
      dataKey = await vault.unlockVault(this.deps.db, password);
    } catch (error) {
      this.setState({ status: 'locked' });
      throw error;
    }
    await this.deps.rememberKdfDuration(this.now() - startedAt);
    await this.becomeUnlocked(dataKey);
  }

  async lock(reason: LockReason): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.dataKey !== null) wipe(this.dataKey);
    this.dataKey = null;
    if (this.state.status === 'unlocked') this.setState({ status: 'locked', reason });
    if (this.deps.host.currentState.status === 'connected') {
      await this.deps.host.request('vault.lock', {}).catch(() => undefined);
    }
  }

  /** User activity in an extension page postpones the idle lock. */
  async touch(): Promise<void> {
    if (this.state.status !== 'unlocked') return;
    const { idleLockMinutes } = await this.deps.readSettings();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.lock('idle'), idleLockMinutes * 60_000);
  }

  async listCredentials(): Promise<CredentialView[]> {
    const dataKey = this.requireKey();
    const records = await store.listCredentials(this.deps.db);
    const problems = new Map(
      vault.verifyCredentials(dataKey, records).flatMap((check) => (check.ok ? [] : [[check.id, check.error] as const])),
    );
    const summaries = await vault.listCredentialSummaries(this.deps.db);
    return summaries.map((summary) => {
      const problem = problems.get(summary.id);
      return problem ? { ...summary, problem } : summary;
    });
  }

  async addCredential(input: NewCredentialInput): Promise<CredentialSummary> {
    const dataKey = this.requireKey();
    // A malformed Binance key would only fail later, mid-trade; refuse it while the user is here.
    if (input.service === 'binance' && !isBinanceCredentialKind(input.kind)) {
      throw new KeygateError('CREDENTIAL_FORMAT_INVALID', 'Binance credentials are an API key with a secret key or a PEM private key.');
    }
    if (isBinanceCredentialKind(input.kind)) readBinanceCredential(input.kind, input.secret);
    const secret = new TextEncoder().encode(input.secret);
    try {
      const record = await vault.addCredential(this.deps.db, dataKey, { ...input, secret });
      await this.tellHost(() => this.deps.host.request('vault.credentials.put', { record }));
      const { sealed, ...summary } = record;
      return summary;
    } finally {
      wipe(secret);
    }
  }

  async renameCredential(id: string, name: string): Promise<CredentialSummary> {
    this.requireKey();
    const record = await vault.renameCredential(this.deps.db, id, name);
    await this.tellHost(() => this.deps.host.request('vault.credentials.put', { record }));
    const { sealed: _sealed, ...summary } = record;
    return summary;
  }

  /** The new secret is checked as a new one would be; the host gets the resealed record at once. */
  async replaceCredentialSecret(id: string, secretText: string): Promise<CredentialSummary> {
    const dataKey = this.requireKey();
    const existing = (await store.getCredential(this.deps.db, id))?.kind;
    if (existing !== undefined && isBinanceCredentialKind(existing)) readBinanceCredential(existing, secretText);
    const secret = new TextEncoder().encode(secretText);
    try {
      const record = await vault.replaceCredentialSecret(this.deps.db, dataKey, id, secret);
      await this.tellHost(() => this.deps.host.request('vault.credentials.put', { record }));
      const { sealed: _sealed, ...summary } = record;
      return summary;
    } finally {
      wipe(secret);
    }
  }

  async deleteCredential(id: string): Promise<void> {
    this.requireKey();
    await vault.deleteCredential(this.deps.db, id);
    await this.tellHost(() => this.deps.host.request('vault.credentials.delete', { credentialId: id }));
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await vault.changePassword(this.deps.db, this.requireKey(), oldPassword, newPassword);
  }

  async exportVault(): Promise<VaultExport> {
    this.requireKey();
    return vault.exportVault(this.deps.db);
  }

  /** Replaces the vault with a verified export file and unlocks into it. */
  async importVault(file: unknown, password: string): Promise<void> {
    if (this.state.status === 'unlocking') throw new KeygateError('VAULT_BUSY');
    const dataKey = await vault.importVault(this.deps.db, file, password);
    await this.lock('imported');
    await this.becomeUnlocked(dataKey);
  }

  /** For actions that need the user to have proven the password this session. */
  requireUnlocked(): void {
    this.requireKey();
  }

  private requireKey(): Uint8Array {
    if (this.dataKey === null) throw new KeygateError('VAULT_LOCKED');
    return this.dataKey;
  }

  private async becomeUnlocked(dataKey: Uint8Array): Promise<void> {
    this.dataKey = dataKey;
    const { idleLockMinutes } = await this.deps.readSettings();
    this.setState({ status: 'unlocked', unlockedAt: this.now(), handoff: { status: 'pending' }, idleLockMinutes });
    await this.touch();
    await this.handOffToHost();
  }

  /** Sends the data key and the sealed records; the popup says "proxy ready" only after the ack. */
  private async handOffToHost(): Promise<void> {
    const dataKey = this.dataKey;
    if (dataKey === null || this.state.status !== 'unlocked') return;
    const host = this.deps.host.currentState;
    if (host.status !== 'connected') {
      this.setHandoff({ status: 'failed', error: host.status === 'unavailable' ? host.error : errorBody('HOST_EXITED') });
      return;
    }
    this.setHandoff({ status: 'pending' });
    this.handoffOutdated = false;
    try {
      const credentials = await store.listCredentials(this.deps.db);
      const { idleLockMinutes } = this.state;
      await this.deps.host.request('vault.unlock', {
        dataKey: bytesToBase64(dataKey),
        formatVersion: VAULT_FORMAT_VERSION,
        credentials,
        idleLockMinutes,
      });
      if (this.dataKey !== dataKey) return;
      if (this.handoffOutdated) return await this.handOffToHost();
      this.setHandoff({ status: 'ready', at: this.now() });
    } catch (error) {
      if (this.dataKey === dataKey) {
        this.setHandoff({ status: 'failed', error: error instanceof KeygateError ? error.toBody() : errorBody('INTERNAL_ERROR') });
      }
    }
  }

  /** A change while the host is away reaches it with the next full hand-off instead. */
  private async tellHost(send: () => Promise<unknown>): Promise<void> {
    if (this.state.status !== 'unlocked') return;
    if (this.state.handoff.status === 'pending') this.handoffOutdated = true;
    if (this.state.handoff.status !== 'ready') return;
    try {
      await send();
    } catch {
      await this.handOffToHost();
    }
  }

  private setHandoff(handoff: Extract<VaultState, { status: 'unlocked' }>['handoff']): void {
    if (this.state.status === 'unlocked') this.setState({ ...this.state, handoff });
  }

  private setState(state: VaultState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}
