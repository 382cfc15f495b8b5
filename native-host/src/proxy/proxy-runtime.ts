/**
 * The proxy as the host runs it: an HTTP server bound to 127.0.0.1 only, the current policy and
 * agent keys, and the shared state requests use (rate buckets, rotation cursors, upstream pools,
 * the audit log). Both front doors, the browser's native host and `keygate-host serve`, use this.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeygateError } from '../../../shared/errors';
import type { Policy } from '../../../shared/policy/policy-types';
import type { ProxyStatus } from '../../../shared/protocol';
import type { BinanceKeyRestrictions, CredentialHealth } from '../../../shared/proxy-messages';
import type { AgentKeyRecord } from '../../../shared/vault/format';
import { join } from 'node:path';
import type { AuditLog } from '../audit/audit-log';
import { BinanceGateway } from '../binance/binance-gateway';
import { DailyVolumeLedger } from '../binance/daily-volume-ledger';
import type { VaultKeeper } from '../vault/vault-keeper';
import { AgentRegistry } from './agent-registry';
import { CredentialRotation } from './credential-rotation';
import type { ProxyContext } from './proxy-context';
import { allowedHosts } from './request-guard';
import { answerMalformedRequest } from './request-audit';
import { handleProxyRequest } from './request-pipeline';
import { RateLimiter } from './token-bucket';
import { UpstreamClient } from './upstream-client';

/** Never anything but loopback: the proxy hands out real credentials to whoever can reach it. */
const LISTEN_ADDRESS = '127.0.0.1';
/** "last used" reaches the extension at most this often per credential. */
const CREDENTIAL_USE_REPORT_MS = 60_000;
export const BINANCE_LEDGER_FILE = 'binance-daily-volume.json';

export interface ProxyRuntimeOptions {
  vault: VaultKeeper;
  audit: AuditLog;
  /** Where the Binance daily-volume ledger lives (beside the audit log). */
  dataDir: string;
  onCredentialUsed?: (credentialId: string, at: number) => void;
  onBinanceRestrictions?: (restrictions: BinanceKeyRestrictions) => void;
  onCredentialHealth?: (health: CredentialHealth) => void;
  now?: () => number;
}

export class ProxyRuntime {
  private server: Server | null = null;
  private listeningPort: number | null = null;
  private lastError: KeygateError | null = null;
  private readonly lastReported = new Map<string, number>();
  private readonly context: ProxyContext;
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
    this.context = {
      policy: initialPolicy,
      hosts: new Set(),
      agents: new AgentRegistry(),
      vault: options.vault,
      rateLimiter: new RateLimiter(),
      rotation: new CredentialRotation(),
      binance: new BinanceGateway(() => openLedgerOnce()),
      upstream: new UpstreamClient(),
      audit: options.audit,
      now,
      onCredentialHealth: (health) => options.onCredentialHealth?.(health),
      onCredentialUsed: (credentialId) => {
        const at = now();
        if (at - (this.lastReported.get(credentialId) ?? -Infinity) < CREDENTIAL_USE_REPORT_MS) return;
        this.lastReported.set(credentialId, at);
        options.onCredentialUsed?.(credentialId, at);
      },
    };
    this.watchBinanceKeys(options);
  }

  /** Vets every Binance key the vault receives; the answer goes to the extension. */
  private watchBinanceKeys(options: ProxyRuntimeOptions): void {
    options.vault.onRecordsArrived((records) => {
      for (const record of records) {
        if (record.service !== 'binance') continue;
        void this.context.binance.checkRestrictions(this.context, record.id).then((result) => options.onBinanceRestrictions?.(result));
      }
    });
  }

  get policy(): Policy {
    return this.context.policy;
  }

  status(): ProxyStatus {
    return { listening: this.server !== null, port: this.listeningPort, error: this.lastError?.toBody() ?? null };
  }

  replaceAgents(records: AgentKeyRecord[]): void {
    this.context.agents.replace(records);
  }

  /** Applies a validated policy; rebinds only when the port changed. `portOverride` wins (serve --port). */
  async applyPolicy(policy: Policy, portOverride?: number): Promise<ProxyStatus> {
    this.context.policy = policy;
    const wanted = portOverride ?? policy.proxy.port;
    const current = this.server !== null && (wanted === 0 || wanted === this.listeningPort);
    if (!current) await this.listen(wanted);
    return this.status();
  }

  async close(): Promise<void> {
    await this.stopListening();
    await this.context.upstream.close();
    const ledger = await this.ledger?.catch(() => null);
    await ledger?.close();
  }

  private async listen(port: number): Promise<void> {
    await this.stopListening();
    const server = createServer({ requestTimeout: 0, headersTimeout: 30_000 }, (req, res) => void handleProxyRequest(this.context, req, res));
    server.on('clientError', (error, socket) => answerMalformedRequest(this.context, error, socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: LISTEN_ADDRESS, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.lastError = new KeygateError(code === 'EADDRINUSE' || code === 'EACCES' ? 'PROXY_PORT_IN_USE' : 'INTERNAL_ERROR', `Port ${port} (${code ?? 'error'}).`);
      return;
    }
    this.server = server;
    this.listeningPort = (server.address() as AddressInfo).port;
    this.context.hosts = allowedHosts(this.listeningPort);
    this.lastError = null;
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.listeningPort = null;
    this.context.hosts = new Set();
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
