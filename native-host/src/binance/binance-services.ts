/**
 * The few process-wide services the Binance handler uses, and nothing else of the proxy: the
 * upstream pool, the vault, the current policy, the clock, and where to report a credential's use.
 * It keeps binance/ below the pipeline: it imports the upstream layer, never proxy/.
 */
import type { Policy } from '../../../shared/policy/policy-types';
import type { UpstreamPool } from '../upstream/upstream-pool';
import type { VaultKeeper } from '../vault/vault-keeper';
import type { DailyVolumeLedger } from './daily-volume-ledger';

export interface BinanceServices {
  upstream: UpstreamPool;
  vault: VaultKeeper;
  /** The policy in force now (the runtime swaps it when a new one is applied). */
  policy: () => Policy;
  now: () => number;
  onCredentialUsed: (credentialId: string) => void;
  /** The daily-volume ledger, opened on the first order. */
  openLedger: () => Promise<DailyVolumeLedger>;
}
