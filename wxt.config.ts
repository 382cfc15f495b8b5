import { defineConfig } from 'wxt';
import { EXTENSION_PUBLIC_KEY, GECKO_EXTENSION_ID } from './shared/identity';

// MV3's default CSP blocks WebAssembly, which hash-wasm's Argon2id needs.
const ICONS = { 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png', 128: 'icon/128.png' };

const EXTENSION_PAGES_CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  imports: false,
  manifestVersion: 3,
  manifest: ({ browser }) => ({
    name: 'Keygate',
    description: 'Let AI agents use your API keys without ever holding them.',
    // scripting: window.keygate on granted origins only, registered at run time (lib/grants/page-scripts.ts).
    permissions: ['nativeMessaging', 'storage', 'scripting', 'activeTab'],
    // Local agent UIs (http://localhost:3000) are a core use, and Puppeteer cannot click a permission prompt.
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    // Every other granted site is asked for when the user grants it, with the browser's own prompt.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    // Rendered from assets/keygate-icon.svg by scripts/make-icons.ts.
    icons: ICONS,
    action: { default_icon: ICONS, default_title: 'Keygate' },
    content_security_policy: { extension_pages: EXTENSION_PAGES_CSP },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            // Keygate sends nothing anywhere; Firefox requires new add-ons to say so.
            gecko: { id: GECKO_EXTENSION_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
          },
        }
      : {
          key: EXTENSION_PUBLIC_KEY,
          // Other extensions may connect (the grant decides what they get); web pages may not.
          externally_connectable: { ids: ['*'] },
          // The frame that hands a granted page's content script a MessagePort to the background
          // (lib/browser-agents/port-frame.ts). Grants are made at run time, so any site may load it,
          // at a URL that changes every session; it gives a port to granted origins only.
          web_accessible_resources: [{ resources: ['keygate-port.html'], matches: ['http://*/*', 'https://*/*'], use_dynamic_url: true }],
        }),
  }),
  vite: () => ({
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  }),
});
