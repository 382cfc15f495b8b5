/**
 * What the vault session needs to know: the idle-lock delay (from the active policy's
 * `[proxy] idle_lock_minutes`) and how long the last key derivation took (kept in `storage.local`
 * to draw the unlock progress bar). Secrets never go to storage.local.
 */
import { browser } from 'wxt/browser';
import { defaultPolicy, parsePolicy } from '../../shared/policy/parse-policy';
import { readActivePolicy } from '../policy/policy-store';
import type { VaultDb } from '../vault/vault-db';

const DEFAULT_KDF_MS = 2500;

export interface SessionSettings {
  idleLockMinutes: number;
  lastKdfMs: number;
}

export async function readSessionSettings(db: VaultDb): Promise<SessionSettings> {
  const parsed = parsePolicy((await readActivePolicy(db)).toml);
  const stored = await browser.storage.local.get(['lastKdfMs']);
  const kdfMs = Number(stored.lastKdfMs);
  return {
    idleLockMinutes: (parsed.ok ? parsed.policy : defaultPolicy()).proxy.idleLockMinutes,
    lastKdfMs: Number.isFinite(kdfMs) && kdfMs > 0 ? kdfMs : DEFAULT_KDF_MS,
  };
}

export async function rememberKdfDuration(ms: number): Promise<void> {
  await browser.storage.local.set({ lastKdfMs: Math.round(ms) });
}
