/** Bundles keygate-host into one executable ESM file: native-host/dist/keygate-host.mjs. */
import { chmod, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
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
  // Data files bundled as text (`import list from './x.tsv?raw'`, the same form Vite/Vitest read).
  plugins: [
    {
      name: 'raw-text',
      setup(builder) {
        builder.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.replace(/\?raw$/, '')), namespace: 'raw-text' }));
        builder.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text' }));
      },
    },
  ],
  banner: {
    // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
    js: "#!/usr/bin/env node\nimport { createRequire as __keygateCreateRequire } from 'node:module';\nconst require = __keygateCreateRequire(import.meta.url);",
  },
});
await chmod(HOST_BUNDLE_PATH, 0o755);
console.log(`built ${HOST_BUNDLE_PATH}`);
