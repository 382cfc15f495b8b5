/** Bundles keygate-host into one executable ESM file: native-host/dist/keygate-host.mjs. */
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';
import { HOST_BUNDLE_PATH } from './paths';

await build({
  entryPoints: ['native-host/src/main.ts'],
  outfile: HOST_BUNDLE_PATH,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
    js: "#!/usr/bin/env node\nimport { createRequire as __keygateCreateRequire } from 'node:module';\nconst require = __keygateCreateRequire(import.meta.url);",
  },
});
await chmod(HOST_BUNDLE_PATH, 0o755);
console.log(`built ${HOST_BUNDLE_PATH}`);
