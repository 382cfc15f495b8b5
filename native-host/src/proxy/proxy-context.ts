import type { Policy } from '../../../shared/policy/policy-types';
import type { CredentialHealth } from '../../../shared/proxy-messages';
import type { AuditLog } from '../audit/audit-log';
import type { BinanceGateway } from '../binance/binance-gateway';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { AgentRegistry } from './agent-registry';
import type { CredentialRotation } from './credential-rotation';
import type { RateLimiter } from './token-bucket';
import type { UpstreamClient } from './upstream-client';

/** Everything one proxied request needs; the runtime swaps `policy` and `hosts` when they change. */
export interface ProxyContext {
  policy: Policy;
  /** Host header values that name this proxy on its real port. */
  hosts: ReadonlySet<string>;
  agents: AgentRegistry;
  vault: VaultKeeper;
  rateLimiter: RateLimiter;
  rotation: CredentialRotation;
  binance: BinanceGateway;
  upstream: UpstreamClient;
  audit: AuditLog;
  onCredentialUsed: (credentialId: string) => void;
  /** A credential's health changed (refused upstream, or working again): news for the popup. */
  onCredentialHealth: (health: CredentialHealth) => void;
  now: () => number;
}
