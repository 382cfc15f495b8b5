/**
 * The process-wide services every request uses (one set per running proxy): the policy and the
 * callers it knows, the vault, rate buckets, rotation cursors, the upstream pool, the Binance handler
 * and the audit log. The runtime swaps `policy` when a new one is applied. Per-request facts live in
 * a RequestRecord, never here.
 */
import type { HintMode } from '../../../shared/error-hints';
import type { Policy } from '../../../shared/policy/policy-types';
import type { CredentialHealth } from '../../../shared/proxy-messages';
import type { AuditLog } from '../audit/audit-log';
import type { BinanceGateway } from '../binance/binance-gateway';
import type { UpstreamPool } from '../upstream/upstream-pool';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { AgentRegistry } from './agent-registry';
import type { CredentialRotation } from './credential-rotation';
import type { GrantRegistry } from './grant-registry';
import type { RetryBuffers } from './retry-buffers';
import type { RateLimiter } from './token-bucket';

export interface ProxyServices {
  policy: Policy;
  /** Whose controls the agent's error hints name: the browser's (popup, options) or serve's. */
  hintMode: HintMode;
  agents: AgentRegistry;
  grants: GrantRegistry;
  vault: VaultKeeper;
  rateLimiter: RateLimiter;
  rotation: CredentialRotation;
  binance: BinanceGateway;
  upstream: UpstreamPool;
  /** Request bodies held for a retry with another key, across all requests. */
  retryBuffers: RetryBuffers;
  /** Only appends: where the lines go (files, rotation) is the audit log's business. */
  audit: Pick<AuditLog, 'append'>;
  onCredentialUsed: (credentialId: string) => void;
  /** A credential's health changed (refused upstream, or working again): news for the popup. */
  onCredentialHealth: (health: CredentialHealth) => void;
  now: () => number;
}
