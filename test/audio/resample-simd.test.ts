// The resampler's AVX2 path (four outputs at a time, 8-lane vectors: native/dsp/resampler.cc) gives
// the same bits as its 4-lane path, which EARSHOT_SIMD=generic selects: the same noise resampled at
// common and odd rate pairs, fed in uneven chunks, hashes identically in two processes (one per path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { distPath } from '../helpers/shared';

const SCRIPT = `
const { createHash } = require('node:crypto');
const { StreamResampler } = require(${JSON.stringify(distPath('src', 'audio', 'resample.js'))});
const out = {};
for (const [a, b] of [[44100, 22050], [48000, 22050], [32000, 22050], [96000, 22050], [22050, 44100], [8000, 22050], [44100, 16000], [192000, 22050]]) {
  let seed = a + b;
  const x = Float32Array.from({ length: a * 3 + 17 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5));
  const r = new StreamResampler(a, b);
  const h = createHash('sha256');
  const sizes = [1, 7, 4096, 100000, 3, 65536];
  for (let o = 0, i = 0; o < x.length; i++) {
    const n = Math.min(sizes[i % sizes.length], x.length - o);
    h.update(Buffer.from(r.process(x.subarray(o, o + n)).buffer));
    o += n;
  }
  h.update(Buffer.from(r.flush().buffer));
  out[a + '->' + b] = h.digest('hex');
}
process.stdout.write(JSON.stringify(out));
`;

function hashes(env: NodeJS.ProcessEnv): Record<string, string> {
  return JSON.parse(execFileSync(process.execPath, ['-e', SCRIPT], { env: { ...process.env, ...env }, encoding: 'utf8' })) as Record<string, string>;
}

test('AVX2 and generic resampling agree bit for bit', () => {
  const simd = hashes({ EARSHOT_SIMD: 'auto' });
  const generic = hashes({ EARSHOT_SIMD: 'generic' });
  assert.equal(Object.keys(simd).length, 8);
  assert.deepEqual(simd, generic);
});
