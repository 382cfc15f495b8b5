/**
 * The proxy as the host runs it, and its composition root: the process-wide services (policy,
 * callers, rate buckets, rotation, upstream pool, Binance, audit), the one request pipeline, and its
 * HTTP front door on 127.0.0.1. Both ways the host runs, the browser's native host and
 * `keygate-host serve`, use this.
 */
import { join } from 'node:path';
import type { KeygateError } from '../../../shared/errors';
import type { GrantRecord } from '../../../shared/grants/grant-record';
import type { HintMode } from '../../../shared/error-hints';
import type { Policy } from '../../../shared/policy/policy-types';
import type { ProxyStatus } from '../../../shared/protocol';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import type { AuditLog } from '../audit/audit-log';
import { BinanceGateway } from '../binance/binance-gateway';
import { DailyVolumeLedger } from '../binance/daily-volume-ledger';
import { allowedHosts } from '../http/host-origin-guard';
import { HttpFrontDoor } from '../http/http-front-door';
import { type ConnectionLimits, HttpListener } from '../http/http-listener';
import { UpstreamPool } from '../upstream/upstream-pool';
import type { VaultKeeper } from '../vault/vault-keeper';
import { AgentRegistry } from './agent-registry';
import { callerBehindRefusal } from './audit-attribution';
import { CredentialRotation } from './credential-rotation';
import { GrantRegistry } from './grant-registry';
import type { ProxyServices } from './proxy-services';
import { Refusal } from './refusal';
import { RequestPipeline } from './request-pipeline';
import { RetryBuffers } from './retry-buffers';
import { RateLimiter } from './token-bucket';

/** "last used" reaches the extension at most this often per credential. */
const CREDENTIAL_USE_REPORT_MS = 60_000;
export const BINANCE_LEDGER_FILE = 'binance-daily-volume.json';

export interface ProxyRuntimeOptions {
  vault: VaultKeeper;
  /** Only appends: where the lines go (files, rotation) is the audit log's business. */
  audit: Pick<AuditLog, 'append'>;
  /** Where the Binance daily-volume ledger lives (beside the audit log). */
  dataDir: string;
  onCredentialUsed?: (credentialId: string, at: number) => void;
  onBinanceRestrictions?: (restrictions: BinanceKeyRestrictions) => void;
  onCredentialHealth?: (health: CredentialHealth) => void;
  /** `headless` for `keygate-host serve`: error hints then name its controls, not the browser's. */
  hintMode?: HintMode;
  now?: () => number;
}

export class ProxyRuntime {
  private readonly listener: HttpListener;
  private listeningPort: number | null = null;
  private hosts: ReadonlySet<string> = new Set();
  private lastError: KeygateError | null = null;
  private readonly lastReported = new Map<string, number>();
  private readonly services: ProxyServices;
  /** The one pipeline; the HTTP front door (and the native bridge) feed it. */
  readonly pipeline: RequestPipeline;
  private ledger: Promise<DailyVolumeLedger> | null = null;

  constructor(initialPolicy: Policy, options: ProxyRuntimeOptions) {
    const now = options.now ?? Date.now;
    // Opened on the first order, so a corrupt or busy ledger stops trading, not the whole proxy; the
    // next order tries again.
    const openLedgerOnce = () => {
      const ledger = (this.ledger ??= DailyVolumeLedger.open(join(options.dataDir, BINANCE_LEDGER_FILE)));
      ledger.catch(() => {
        if (this.ledger === ledger) this.ledger = null;
      });
      return ledger;
    };
    const upstream = new UpstreamPool();
    const onCredentialUsed = (credentialId: string) => {
      const at = now();
      if (at - (this.lastReported.get(credentialId) ?? -Infinity) < CREDENTIAL_USE_REPORT_MS) return;
      this.lastReported.set(credentialId, at);
      options.onCredentialUsed?.(credentialId, at);
    };
    this.services = {
      policy: initialPolicy,
      hintMode: options.hintMode ?? 'browser',
      agents: new AgentRegistry(),
      grants: new GrantRegistry(),
      vault: options.vault,
      rateLimiter: new RateLimiter(),
      rotation: new CredentialRotation(),
      binance: new BinanceGateway({ upstream, vault: options.vault, policy: () => this.services.policy, now, onCredentialUsed, openLedger: openLedgerOnce }),
      upstream,
      retryBuffers: new RetryBuffers(() => this.services.policy.proxy.retryBufferBytes),
      audit: options.audit,
      now,
      onCredentialHealth: (health) => options.onCredentialHealth?.(health),
      onCredentialUsed,
    };
    this.pipeline = new RequestPipeline(this.services);
    const door = new HttpFrontDoor({
      pipeline: this.pipeline,
      audit: options.audit,
      hosts: () => this.hosts,
      allowedOrigins: () => this.services.policy.proxy.allowedOrigins,
      requestTimeoutMs: () => this.services.policy.proxy.requestTimeoutSeconds * 1000,
      // As long as Keygate would wait for a silent upstream.
      agentStallMs: () => this.services.policy.proxy.upstreamTimeoutSeconds * 1000,
      now,
    });
    this.listener = new HttpListener(door);
    this.watchBinanceKeys(options);
    // Locking is the user's stop: nothing admitted while the vault was open keeps streaming.
    options.vault.onLocked(() => this.pipeline.endInFlight(() => true, new Refusal('VAULT_LOCKED', 'The vault was locked while the request was open.', {}, 'ended in flight')));
  }

  /** Vets every Binance key the vault receives; the answer goes to the extension. */
  private watchBinanceKeys(options: ProxyRuntimeOptions): void {
    options.vault.onRecordsArrived((records) => {
      for (const record of records) {
        if (record.service !== 'binance') continue;
        void this.services.binance.checkRestrictions(record.id).then((result) => options.onBinanceRestrictions?.(result));
      }
    });
  }

  get policy(): Policy {
    return this.services.policy;
  }

  status(): ProxyStatus {
    return { listening: this.listener.listening, port: this.listeningPort, error: this.lastError?.toBody() ?? null };
  }

  /** Requests of a key no longer accepted (disabled, removed, expired) end at once. */
  replaceAgents(records: AgentKeyRecord[]): void {
    this.services.agents.replace(records);
    const revoked = new Refusal('AGENT_KEY_INVALID', 'The agent key was disabled, removed or expired while the request was open.', {}, 'ended in flight');
    this.pipeline.endInFlight((request) => request.caller.kind === 'agent-key-in-headers' && callerBehindRefusal(this.services, request) === null, revoked);
  }

  /** Returns the ids of grants withdrawn in part or whole (see GrantRegistry.replace). */
  replaceGrants(grants: GrantRecord[]): Set<string> {
    return this.services.grants.replace(grants);
  }

  /** Applies a validated policy; rebinds only when the port changed. `portOverride` wins (serve --port). */
  async applyPolicy(policy: Policy, portOverride?: number): Promise<ProxyStatus> {
    this.services.policy = policy;
    const wanted = portOverride ?? policy.proxy.port;
    const current = this.listener.listening && (wanted === 0 || wanted === this.listeningPort);
    if (current) this.listener.setLimits(connectionLimits(policy));
    else await this.listen(wanted);
    return this.status();
  }

  async close(): Promise<void> {
    await this.stopListening();
    await this.services.upstream.close();
    const ledger = await this.ledger?.catch(() => null);
    await ledger?.close();
  }

  private async listen(port: number): Promise<void> {
    await this.stopListening();
    const outcome = await this.listener.listen(port, connectionLimits(this.services.policy));
    if (!outcome.ok) {
      this.lastError = outcome.error;
      return;
    }
    this.listeningPort = outcome.port;
    this.hosts = allowedHosts(outcome.port);
    this.lastError = null;
  }

  private async stopListening(): Promise<void> {
    this.listeningPort = null;
    this.hosts = new Set();
    await this.listener.close();
  }
}

function connectionLimits(policy: Policy): ConnectionLimits {
  return { requestTimeoutMs: policy.proxy.requestTimeoutSeconds * 1000, maxConnections: policy.proxy.maxConnections };
}
