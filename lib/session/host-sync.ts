/**
 * Keeps the host's proxy in step with what the options page set: the policy, the agent keys and the
 * browser-agent grants go over at every (re)connection and after every change; the host's
 * "credential used" reports come back into the vault's records.
 */
import { errorBody, KeygateError } from '../../shared/errors';
import { parsePolicy, policyInvalidError } from '../../shared/policy/parse-policy';
import type { EventFrame, ProxyStatus } from '../../shared/protocol';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../shared/proxy-messages';
import type { HostLink } from '../host-link/host-link';
import { listGrants } from '../grants/grant-store';
import { readActivePolicy, writeActivePolicy } from '../policy/policy-store';
import * as store from '../vault/vault-db';

export class HostSync {
  private proxy: ProxyStatus | null = null;
  private readonly binanceKeys = new Map<string, BinanceKeyRestrictions>();
  /** The running host's view; a new host starts with none, so it is forgotten when the host goes. */
  private readonly health = new Map<string, CredentialHealth>();
  private readonly listeners = new Set<() => void>();
  private lastUse: number | null = null;

  constructor(
    private readonly db: store.VaultDb,
    private readonly host: Pick<HostLink, 'request' | 'onStateChange' | 'onEvent' | 'currentState'>,
    private readonly now: () => number = Date.now,
  ) {
    host.onStateChange((state) => {
      if (state.status === 'connected') void this.pushAll();
      else {
        this.health.clear();
        this.setProxy(null);
      }
    });
    host.onEvent((event: EventFrame) => {
      if (event.event === 'credential.used') void this.recordUse(event.credentialId, event.at);
      if (event.event === 'binance.restrictions') {
        const { type: _type, event: _event, ...restrictions } = event;
        this.binanceKeys.set(restrictions.credentialId, restrictions);
        this.notify();
      }
      if (event.event === 'credential.health') {
        const { type: _type, event: _event, ...health } = event;
        this.health.set(health.credentialId, health);
        this.notify();
      }
    });
  }

  get proxyStatus(): ProxyStatus | null {
    return this.proxy;
  }

  /** What Binance said each stored key may do (checked by the host at every unlock). */
  get binanceKeyRestrictions(): BinanceKeyRestrictions[] {
    return [...this.binanceKeys.values()];
  }

  /** How each credential has fared upstream since the host started (only those it has news of). */
  get credentialHealth(): CredentialHealth[] {
    return [...this.health.values()];
  }

  /** When a credential was last recorded as used; open pages reload their "last used" times when it moves. */
  get lastCredentialUseAt(): number | null {
    return this.lastUse;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates here (for line-exact errors at once), then the host validates again and applies. */
  async applyPolicy(toml: string): Promise<ProxyStatus | null> {
    const parsed = parsePolicy(toml);
    if (!parsed.ok) throw policyInvalidError(parsed.errors);
    if (this.host.currentState.status === 'connected') await this.sendPolicy(toml);
    await writeActivePolicy(this.db, toml, this.now());
    return this.proxy;
  }

  async syncAgents(): Promise<void> {
    if (this.host.currentState.status !== 'connected') return;
    await this.host.request('agents.sync', { agents: await store.listAgents(this.db) });
  }

  /**
   * Sends the grants. Never throws: a stored grant stands, and a host that cannot take the list now
   * (or does not know grants at all) gets it again at its next connection; the HTTP proxy and the
   * user's change must not fail for it.
   */
  async syncGrants(): Promise<void> {
    if (this.host.currentState.status !== 'connected') return;
    try {
      await this.host.request('grants.sync', { grants: await listGrants(this.db) });
    } catch (error) {
      console.warn('[keygate] the host did not take the grants', error);
    }
  }

  private async pushAll(): Promise<void> {
    try {
      await this.sendPolicy((await readActivePolicy(this.db)).toml);
      await this.syncAgents();
    } catch (error) {
      this.setProxy({ listening: false, port: null, error: error instanceof KeygateError ? error.toBody() : errorBody('INTERNAL_ERROR') });
    }
    await this.syncGrants();
  }

  private async sendPolicy(toml: string): Promise<void> {
    this.setProxy(await this.host.request('policy.apply', { toml }));
  }

  private async recordUse(credentialId: string, at: number): Promise<void> {
    const record = await store.getCredential(this.db, credentialId);
    if (record === undefined || (record.lastUsedAt ?? 0) >= at) return;
    await store.putCredential(this.db, { ...record, lastUsedAt: at });
    this.lastUse = Math.max(this.lastUse ?? 0, at);
    this.notify();
  }

  private setProxy(proxy: ProxyStatus | null): void {
    this.proxy = proxy;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
