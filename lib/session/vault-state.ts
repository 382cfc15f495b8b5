import type { ErrorBody } from '../../shared/errors';

/** Whether the unlocked vault has reached keygate-host (the proxy serves only once it has). */
export type HostHandoff = { status: 'pending' } | { status: 'ready'; at: number } | { status: 'failed'; error: ErrorBody };

/** What the popup shows about the vault. */
export type VaultState =
  | { status: 'loading' }
  | { status: 'absent' }
  | { status: 'locked'; reason?: LockReason }
  | { status: 'unlocking'; startedAt: number; expectedMs: number }
  | { status: 'unlocked'; unlockedAt: number; handoff: HostHandoff; idleLockMinutes: number };

export type LockReason = 'user' | 'idle' | 'host-idle' | 'imported' | 'startup';
