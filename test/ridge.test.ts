// Ridge regression against closed forms: exact recovery of a noiseless linear map (with intercepts),
// the one-feature shrinkage formula w = Σxy / (Σx² + λ), row subsets, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../src/errors';
import { mulberry32 } from '../trainer/eval/prng';
import { fitRidge, predictRidge } from '../trainer/models/ridge';

test('recovers a noiseless affine map exactly (lambda 0)', () => {
  const r = mulberry32(4);
  const [n, d, k] = [200, 6, 3];
  const w = Float64Array.from({ length: d * k }, () => r() * 4 - 2);
  const bias = [0.5, -1, 3];
  const x = Float64Array.from({ length: n * d }, () => r() * 2 - 1);
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let b = 0; b < k; b++) {
    let s = bias[b];
    for (let p = 0; p < d; p++) s += x[i * d + p] * w[p * k + b];
    y[i * k + b] = s;
  }
  const m = fitRidge(x, y, n, d, k, 0);
  for (let j = 0; j < d * k; j++) assert.ok(Math.abs(m.weights[j] - w[j]) < 1e-9, `w[${j}] ${m.weights[j]} vs ${w[j]}`);
  const pred = predictRidge(m, x, n);
  for (let j = 0; j < n * k; j++) assert.ok(Math.abs(pred[j] - y[j]) < 1e-5);
});

test('one centred feature: w = Σxy / (Σx² + λ)', () => {
  const x = [-2, -1, 0, 1, 2];
  const y = [-3, -1, 0.5, 1, 4];
  const yMean = y.reduce((a, b) => a + b, 0) / 5;
  const sxy = x.reduce((s, xi, i) => s + xi * (y[i] - yMean), 0);
  const sxx = x.reduce((s, xi) => s + xi * xi, 0);
  for (const lambda of [0, 1, 10]) {
    const m = fitRidge(x, y, 5, 1, 1, lambda);
    assert.ok(Math.abs(m.weights[0] - sxy / (sxx + lambda)) < 1e-12, `lambda ${lambda}`);
    assert.ok(Math.abs(m.yMean[0] - yMean) < 1e-15);
  }
});

test('fits only the given rows; bad shapes and lambdas are refused', () => {
  const x = [0, 1, 2, 100];
  const y = [0, 2, 4, -50];
  const m = fitRidge(x, y, 4, 1, 1, 0, [0, 1, 2]);
  assert.ok(Math.abs(m.weights[0] - 2) < 1e-9, `${m.weights[0]}`);
  const isArg = (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT';
  assert.throws(() => fitRidge([1, 2, 3], [1, 2], 2, 2, 1, 0), isArg);
  assert.throws(() => fitRidge(x, y, 4, 1, 1, -1), isArg);
  assert.throws(() => fitRidge(x, y, 4, 1, 1, 0, []), isArg);
  assert.throws(() => predictRidge(m, [1, 2], 3), isArg);
});
