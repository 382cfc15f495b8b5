/**
 * The toolbar button's badge says at a glance whether agents can use Keygate right now: nothing when
 * the vault is unlocked and the proxy has it, a lock when the vault is locked (agents get
 * VAULT_LOCKED), "!" when it is unlocked but the host does not have it, "new" before a vault exists.
 */
import type { HostState } from '../host-link/host-state';
import type { VaultState } from './vault-state';

export interface ToolbarBadge {
  text: string;
  color: string;
  /** The button's tooltip, which screen readers also read. */
  title: string;
}

const GREY = '#57606a';
const RED = '#cf222e';
const BLUE = '#0969da';

export function toolbarBadge(vault: VaultState, host: HostState): ToolbarBadge {
  switch (vault.status) {
    case 'loading':
      return { text: '', color: GREY, title: 'Keygate' };
    case 'absent':
      return { text: 'new', color: BLUE, title: 'Keygate — create your vault' };
    case 'locked':
    case 'unlocking':
      return { text: '🔒', color: GREY, title: 'Keygate — locked: agents are refused until you unlock' };
    case 'unlocked':
      if (vault.handoff.status === 'ready' && host.status === 'connected') return { text: '', color: GREY, title: 'Keygate — unlocked, proxy ready' };
      if (vault.handoff.status === 'pending') return { text: '…', color: GREY, title: 'Keygate — unlocked, handing the vault to the host' };
      return { text: '!', color: RED, title: 'Keygate — unlocked, but the host is not reachable' };
  }
}
