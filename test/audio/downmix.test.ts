import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { downmixToMono } from '../../src/audio/downmix';
import { EarshotError } from '../../src/errors';

test('mono passes through, stereo and 3 channels average', () => {
  const mono = Float32Array.from([0.5, -0.25]);
  assert.equal(downmixToMono(mono, 1), mono);
  assert.deepEqual(downmixToMono(Float32Array.from([1, 0, -1, -0.5, 0.25, 0.25]), 2), Float32Array.from([0.5, -0.75, 0.25]));
  assert.deepEqual(downmixToMono(Float32Array.from([0.25, 0.5, 0.75, -3, 0, 0]), 3), Float32Array.from([0.5, -1]));
});

test('a full-scale signal duplicated on 256 channels stays full scale', () => {
  const frames = 4;
  const x = new Float32Array(frames * 256);
  for (let f = 0; f < frames; f++) x.fill(f % 2 ? -1 : 1, f * 256, (f + 1) * 256);
  assert.deepEqual(downmixToMono(x, 256), Float32Array.from([1, -1, 1, -1]));
});

test('rejects a bad channel count or a partial frame', () => {
  const bad = (e: unknown): boolean => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT';
  assert.throws(() => downmixToMono(new Float32Array(4), 0), bad);
  assert.throws(() => downmixToMono(new Float32Array(4), 1.5), bad);
  assert.throws(() => downmixToMono(new Float32Array(5), 2), bad);
});
