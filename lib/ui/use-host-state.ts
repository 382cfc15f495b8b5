import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { type HostStateMessage, POPUP_PORT_NAME } from '../extension-messages';
import type { HostState } from '../host-link/host-state';

/** Live host state, pushed by the background over a port for as long as the page is open. */
export function useHostState(): HostState | null {
  const [state, setState] = useState<HostState | null>(null);
  useEffect(() => {
    const port = browser.runtime.connect({ name: POPUP_PORT_NAME });
    port.onMessage.addListener((message) => {
      const update = message as HostStateMessage;
      if (update.type === 'host.state') setState(update.state);
    });
    return () => port.disconnect();
  }, []);
  return state;
}

export function retryHostNow(): void {
  void browser.runtime.sendMessage({ type: 'host.retry' });
}
