/**
 * Non-secret preferences kept in `storage.local`: the idle-lock delay and how long the last key
 * derivation took (to draw the unlock progress bar). Secrets never go here.
 */
import { browser } from 'wxt/browser';

export const DEFAULT_IDLE_LOCK_MINUTES = 30;
const DEFAULT_KDF_MS = 2500;

export interface SessionSettings {
  idleLockMinutes: number;
  lastKdfMs: number;
}

export async function readSessionSettings(): Promise<SessionSettings> {
  const stored = await browser.storage.local.get(['idleLockMinutes', 'lastKdfMs']);
  const minutes = Number(stored.idleLockMinutes);
  const kdfMs = Number(stored.lastKdfMs);
  return {
    idleLockMinutes: Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? minutes : DEFAULT_IDLE_LOCK_MINUTES,
    lastKdfMs: Number.isFinite(kdfMs) && kdfMs > 0 ? kdfMs : DEFAULT_KDF_MS,
  };
}

export async function rememberKdfDuration(ms: number): Promise<void> {
  await browser.storage.local.set({ lastKdfMs: Math.round(ms) });
}
