import type { WxtBrowser } from 'wxt/browser';
import type { HostLink } from '../host-link/host-link';
import { toolbarBadge } from './toolbar-badge';
import type { VaultSession } from './vault-session';

/** Keeps the toolbar badge in step with the vault and the host (Chromium's `action`, Firefox's too). */
export function showToolbarBadge(action: WxtBrowser['action'], session: VaultSession, hostLink: HostLink): void {
  const update = () => {
    const badge = toolbarBadge(session.currentState, hostLink.currentState);
    void action.setBadgeText({ text: badge.text });
    void action.setBadgeBackgroundColor({ color: badge.color });
    void action.setTitle({ title: badge.title });
  };
  session.onStateChange(update);
  hostLink.onStateChange(update);
  update();
}
