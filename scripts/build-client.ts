/**
 * Bundles client/keygate-client.ts into one dependency-free ESM file (client/dist/keygate-client.mjs)
 * that another extension's author copies into their extension and imports.
 */
import { build } from 'esbuild';
import { CLIENT_BUNDLE_PATH } from './paths';

await build({
  entryPoints: ['client/keygate-client.ts'],
  outfile: CLIENT_BUNDLE_PATH,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome120', 'firefox128'],
  logLevel: 'warning',
  banner: { js: '// Keygate client for browser extensions — see docs/browser-agents.md in the Keygate repository.' },
});
console.log(`built ${CLIENT_BUNDLE_PATH}`);
