/**
 * Renders the extension's toolbar and store icons (public/icon/{16,32,48,128}.png) from the one SVG
 * in assets/, with ImageMagick (`apt-get install -y imagemagick`). The PNGs are committed, so a
 * build never needs ImageMagick; run this after changing the SVG: `npx tsx scripts/make-icons.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

const ICON_SIZES = [16, 32, 48, 128] as const;

const source = join(REPO_ROOT, 'assets', 'keygate-icon.svg');
const outputDir = join(REPO_ROOT, 'public', 'icon');
mkdirSync(outputDir, { recursive: true });
for (const size of ICON_SIZES) {
  // A high density first, then a resize: small icons come out sharp instead of blurred.
  // -strip and no date chunks: the same SVG always gives byte-identical PNGs, so a rerun changes nothing in git.
  execFileSync('convert', ['-background', 'none', '-density', '384', source, '-resize', `${size}x${size}`, '-strip', '-define', 'png:exclude-chunks=date,time', join(outputDir, `${size}.png`)]);
  console.log(`public/icon/${size}.png`);
}
