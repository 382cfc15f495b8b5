import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { SITE_GRANT_QUERY } from '../lib/browser-agents/agent-messages';
import { relayPageRequests } from '../lib/browser-agents/page-relay';

// Registered at run time as an isolated-world content script, for granted origins only.
export default defineUnlistedScript(() => {
  void relayPageRequests(window, {
    connect: (name) => browser.runtime.connect({ name }),
    siteGranted: async () => (await browser.runtime.sendMessage({ type: SITE_GRANT_QUERY })) === true,
  });
});
