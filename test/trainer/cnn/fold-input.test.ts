// Folding the input standardisation into the first layer: the folded net on raw input equals the
// original net on standardised input (plain-JS reference forward), for a CNN and an MLP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldInputStats } from '../../../trainer/cnn/fold-input';
import { parameterShapes, type NetConfig } from '../../../trainer/cnn/net-config';
import { standardize } from '../../../trainer/cnn/windows';
import { mulberry32 } from '../../../trainer/eval/prng';
import { randomParameters, referenceBatch } from '../../helpers/net-reference';

const CNN: NetConfig = { input: { kind: 'mel', bands: 6 }, conv: [{ filters: 5, kernel: 3, pool: 2 }], globalPool: ['mean', 'l2'], dense: [4], dropout: 0, outputs: 3 };
const MLP: NetConfig = { input: { kind: 'vector', features: 7 }, conv: [], globalPool: [], dense: [5], dropout: 0, outputs: 2 };

for (const [name, config, frames] of [['CNN', CNN, 12], ['MLP', MLP, 1]] as const) {
  test(`${name}: folded parameters on raw input = original parameters on standardised input`, () => {
    const r = mulberry32(12);
    const channels = config.input.kind === 'mel' ? config.input.bands : config.input.features;
    const params = randomParameters(parameterShapes(config), r);
    const stats = { mean: Float32Array.from({ length: channels }, () => r() * 60 - 40), std: Float32Array.from({ length: channels }, () => 0.5 + r() * 10) };
    const batch = 3;
    const raw = Float32Array.from({ length: batch * frames * channels }, (_, i) => stats.mean[i % channels] + stats.std[i % channels] * (r() * 4 - 2));
    const std = Float32Array.from(raw);
    standardize(std, stats);
    const want = referenceBatch(config, params, std, batch, frames);
    const got = referenceBatch(config, foldInputStats(config, params, stats), raw, batch, frames);
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `output ${i}: ${got[i]} vs ${v}`));
  });
}
