// The bag-of-words MLP (trainer/bow/vector-net.ts) against closed forms: it fits a known nonlinear
// function; its default input scaling keeps PCA-like columns in proportion, so noise columns with tiny
// variance do not swamp the informative one (per-column standardisation does); bad options are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32 } from '../../../trainer/eval/prng';
import { predictVectorNet, trainVectorNet } from '../../../trainer/bow/vector-net';
import { torchOrSkip } from '../../helpers/torch';

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** n rows: column 0 informative (std 3), then `noise` columns of std 0.01; y = x0² / 9. */
function data(n: number, noise: number, seed: number): { x: Float32Array; y: Float32Array; d: number } {
  const r = mulberry32(seed);
  const d = 1 + noise;
  const x = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i * d] = 3 * gauss(r);
    for (let a = 1; a < d; a++) x[i * d + a] = 0.01 * gauss(r);
    y[i] = (x[i * d] * x[i * d]) / 9;
  }
  return { x, y, d };
}

function mse(p: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return s / y.length;
}

test('fits y = x0² and keeps low-variance noise columns in proportion (global scaling)', async (t) => {
  if (!torchOrSkip(t)) return;
  const train = data(120, 40, 1);
  const held = data(400, 40, 2);
  const variance = mse(new Float32Array(held.y.length).fill(held.y.reduce((a, b) => a + b, 0) / held.y.length), held.y);
  const errors: Record<string, number> = {};
  for (const inputScaling of ['global', 'feature'] as const) {
    const net = await trainVectorNet(train.x, train.y, 120, train.d, 1, { hidden: [64], dropout: 0, seed: 3, threads: 1, inputScaling, batch: 16, maxEpochs: 400, patience: 40 });
    errors[inputScaling] = mse(await predictVectorNet(net, held.x, 400), held.y);
    t.diagnostic(`${inputScaling}: held-out MSE ${errors[inputScaling].toFixed(4)} (variance ${variance.toFixed(4)}), best epoch ${net.bestEpoch}`);
    net.net.dispose();
  }
  // x0 is symmetric about 0, so the best linear model of x0² is flat (R² ≈ 0): R² > 0.75 needs the hidden layer.
  assert.ok(errors.global < 0.25 * variance, `global scaling: held-out MSE ${errors.global} vs variance ${variance}`);
  assert.ok(errors.global < 0.5 * errors.feature, `per-column standardisation lets 40 noise columns weigh as much as the signal: ${errors.feature} vs ${errors.global}`);
});

test('bad options are refused with the problem named', async (t) => {
  if (!torchOrSkip(t)) return;
  const { x, y, d } = data(10, 1, 1);
  await assert.rejects(trainVectorNet(x, y, 10, d, 1, { inputScaling: 'pca' as 'global' }), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT' && /inputScaling/.test(e.message));
  await assert.rejects(trainVectorNet(x, y.subarray(0, 5), 10, d, 1), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT');
});
