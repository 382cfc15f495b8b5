/**
 * Bundles keygate-host into one executable ESM file, native-host/dist/keygate-host.mjs, and beside
 * it the key-derivation worker it starts for `serve` (keygate-kdf-worker.mjs; kdf-in-worker.ts finds
 * it next to the bundle, so the two files travel together).
 */
import { chmod, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import { KDF_WORKER_BUNDLE } from '../native-host/src/vault/kdf-in-worker';
import { HOST_BUNDLE_PATH } from './paths';

const entryName = (file: string) => file.replace(/\.mjs$/, '');

await build({
  entryPoints: {
    [entryName(basename(HOST_BUNDLE_PATH))]: 'native-host/src/main.ts',
    [entryName(KDF_WORKER_BUNDLE)]: 'native-host/src/vault/kdf-worker.ts',
  },
  outdir: dirname(HOST_BUNDLE_PATH),
  outExtension: { '.js': '.mjs' },
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
console.log(`built ${HOST_BUNDLE_PATH} and ${KDF_WORKER_BUNDLE} beside it`);
