/**
 * The toolbar badge shows a lock while the vault is locked, so a person whose page just got
 * VAULT_LOCKED sees at once where to look.
 */
import type { VaultState } from './vault-state';

export interface BadgeApi {
  setBadgeText(details: { text: string }): unknown;
  setBadgeBackgroundColor(details: { color: string }): unknown;
}

export function badgeTextFor(vault: VaultState): string {
  return vault.status === 'locked' ? '🔒' : '';
}

export function showLockOnBadge(badge: BadgeApi, session: { currentState: VaultState; onStateChange(listener: (state: VaultState) => void): unknown }): void {
  void badge.setBadgeBackgroundColor({ color: '#6b7280' });
  const show = (state: VaultState) => void badge.setBadgeText({ text: badgeTextFor(state) });
  session.onStateChange(show);
  show(session.currentState);
}
