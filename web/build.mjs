// build.mjs - bundles the dashboard (web/src) into OUTDIR/app.js, OUTDIR/app.css
// and OUTDIR/index.html with esbuild. Run by the CMake build (web/cmake/build.cmake)
// before the files are embedded into the cxm executable; `npm run build` writes web/dist.
// Usage: node build.mjs OUTDIR
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUTDIR');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  // the bundle is inlined into <script> by `cxm report --format html`
  supported: { 'inline-script': false },
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
