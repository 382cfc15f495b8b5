import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { SITE_GRANT_QUERY } from '../lib/browser-agents/agent-messages';
import { relayPageRequests } from '../lib/browser-agents/page-relay';
import { openFramePort, PORT_FRAME_FILE } from '../lib/browser-agents/port-frame';

// Registered at run time as an isolated-world content script, for granted origins only.
export default defineUnlistedScript(() => {
  void relayPageRequests(window, {
    connect: (name) => browser.runtime.connect({ name }),
    siteGranted: async () => (await browser.runtime.sendMessage({ type: SITE_GRANT_QUERY })) === true,
    // Firefox has no background service worker to hand a MessagePort to: its runtime port serves.
    ...(import.meta.env.FIREFOX ? {} : { openFramePort: (token: string) => openFramePort(window, browser.runtime.getURL(`/${PORT_FRAME_FILE}`), token) }),
  });
});
