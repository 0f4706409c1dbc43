// Builds plugin-host/web/dist/: earshot-player.js (one IIFE, global `EarshotPlayer`, with the AudioWorklet
// inlined as text) and ort/ (onnxruntime-web's three runtime files, for browser mode).
// Usage: node scripts/build-web.mjs [--minify]   (npm run build:web)
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'plugin-host', 'web');
const out = path.join(web, 'dist');
const minify = process.argv.includes('--minify');
// Browsers with AudioWorklet and ES2020 (Chrome/Edge 80+, Firefox 76+, Safari 15+).
const target = ['es2020', 'chrome80', 'firefox76', 'safari15'];

// 1. The worklet: its own global scope (no DOM), loaded through a Blob URL by audio-tap.ts.
const worklet = await esbuild.build({
  entryPoints: [path.join(web, 'src', 'worklet.ts')],
  bundle: true, write: false, format: 'iife', platform: 'browser', target, minify, logLevel: 'warning',
});
const workletSource = worklet.outputFiles[0].text;

// 2. The drop-in script.
fs.mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [path.join(web, 'src', 'earshot-player.ts')],
  bundle: true, format: 'iife', globalName: 'EarshotPlayer', platform: 'browser', target, minify,
  sourcemap: true, outfile: path.join(out, 'earshot-player.js'), logLevel: 'warning',
  define: { __EARSHOT_WORKLET_SOURCE__: JSON.stringify(workletSource) },
});

// 3. onnxruntime-web's runtime (served as JavaScript, JavaScript module and application/wasm).
const ortDist = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
fs.mkdirSync(path.join(out, 'ort'), { recursive: true });
for (const f of ['ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
  const src = path.join(ortDist, f), dst = path.join(out, 'ort', f);
  const s = fs.statSync(src);
  if (!fs.existsSync(dst) || fs.statSync(dst).size !== s.size || fs.statSync(dst).mtimeMs < s.mtimeMs) fs.copyFileSync(src, dst);
}
const size = fs.statSync(path.join(out, 'earshot-player.js')).size;
console.log(`plugin-host/web/dist/earshot-player.js ${(size / 1024).toFixed(1)} KiB (+ ort/)`);
