import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { type AppState, type AppStateMessage, STATE_PORT_NAME } from '../../extension-messages';

/** Live host and vault state, pushed by the background over a port while the page is open. */
export function useAppState(): AppState | null {
  const [state, setState] = useState<AppState | null>(null);
  useEffect(() => {
    const port = browser.runtime.connect({ name: STATE_PORT_NAME });
    port.onMessage.addListener((message) => {
      const update = message as AppStateMessage;
      if (update.type === 'state') setState(update.state);
    });
    return () => port.disconnect();
  }, []);
  return state;
}
