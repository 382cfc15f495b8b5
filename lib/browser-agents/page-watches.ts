/**
 * The runtime ports that watch a page's MessagePort line (PAGE_WATCH_PORT_PREFIX, page-line.ts), as
 * the background holds them. Chromium gives neither end of a MessagePort a `close` event when the
 * other end's context goes away, but it disconnects runtime ports: when the page navigates or its tab
 * closes, the watch goes, and the background ends that page's line (its open requests cancelled on
 * the host). The watch's sender is the browser's word on the tab's origin, so the frame's claim must
 * match it too. Each watch is named with a token the content script also gives its frame, which
 * pairs the two.
 */
import type { AgentIdentity } from '../grants/grant-service';
import type { RuntimePort } from './runtime-port-channel';

interface Watch {
  origin: string;
  goneListeners: Array<() => void>;
}

export class PageWatches {
  private readonly watches = new Map<string, Watch>();

  /** A content script's watch port, from a page whose origin the browser reported. */
  add(token: string, page: AgentIdentity, port: Pick<RuntimePort, 'onDisconnect'>): void {
    if (this.watches.has(token)) return;
    const watch: Watch = { origin: page.subject, goneListeners: [] };
    this.watches.set(token, watch);
    port.onDisconnect.addListener(() => {
      this.watches.delete(token);
      for (const listener of watch.goneListeners) listener();
    });
  }

  /** Calls `onGone` when the watch for `token` goes; false (and never calls it) unless a watch from `origin` holds it now. */
  follow(token: string, origin: string, onGone: () => void): boolean {
    const watch = this.watches.get(token);
    if (watch === undefined || watch.origin !== origin) return false;
    watch.goneListeners.push(onGone);
    return true;
  }
}
