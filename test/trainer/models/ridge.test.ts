// Ridge regression against closed forms: exact recovery of a noiseless linear map (with intercepts),
// the one-feature shrinkage formula w = Σxy / (Σx² + λ), row subsets, λ chosen by cross-validation
// (against a brute-force k-fold loop over fitRidge), and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32, sampleInPlace } from '../../../trainer/eval/prng';
import { fitRidge, predictRidge, selectRidgeLambda } from '../../../trainer/models/ridge';

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

test('selectRidgeLambda: k-fold CV errors equal a brute-force loop over fitRidge; noise needs a larger λ', () => {
  const r = mulberry32(11);
  const [n, d, k] = [60, 12, 2];
  const x = Float64Array.from({ length: n * d }, () => r() * 2 - 1);
  // Only feature 0 matters; the rest is noise that an unregularised fit chases.
  const y = Float64Array.from({ length: n * k }, (_, j) => x[Math.floor(j / k) * d] * (j % k ? -1 : 1) + (r() - 0.5) * 2);
  const lambdas = [0, 0.1, 1, 10, 100, 1e4];
  const cv = selectRidgeLambda(x, y, n, d, k, { lambdas, folds: 4, seed: 3 });
  // Brute force: the same seeded fold assignment, one fitRidge per (fold, λ).
  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(mulberry32(3), order, n);
  for (const [li, lambda] of lambdas.entries()) {
    let sse = 0;
    for (let f = 0; f < 4; f++) {
      const held = Array.from(order).filter((_, j) => j % 4 === f);
      const fit = Array.from(order).filter((_, j) => j % 4 !== f);
      const m = fitRidge(x, y, n, d, k, lambda, fit);
      for (const i of held) {
        const p = predictRidge(m, x.subarray(i * d, (i + 1) * d), 1);
        for (let b = 0; b < k; b++) sse += (p[b] - y[i * k + b]) ** 2;
      }
    }
    assert.ok(Math.abs(cv.grid[li].mse - sse / n) < 1e-9, `λ ${lambda}: ${cv.grid[li].mse} vs ${sse / n}`);
  }
  const best = cv.grid.reduce((a, b) => (b.mse < a.mse ? b : a));
  assert.equal(cv.lambda, best.lambda);
  assert.ok(cv.lambda > 0 && cv.lambda < 1e4, `noise calls for some shrinkage, not all: chose ${cv.lambda}`);
  // The default grid is relative to the features' scale: scaling X by 100 scales the chosen λ by 10^4.
  const big = x.map((v) => v * 100);
  const a = selectRidgeLambda(x, y, n, d, k, { seed: 3 });
  const b = selectRidgeLambda(big, y, n, d, k, { seed: 3 });
  assert.ok(Math.abs(b.lambda / a.lambda - 1e4) < 1e-6 * 1e4, `${a.lambda} -> ${b.lambda}`);
  const isArg = (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT';
  assert.throws(() => selectRidgeLambda(x, y, n, d, k, { folds: 1 }), isArg);
  assert.throws(() => selectRidgeLambda(x, y, n, d, k, { lambdas: [] }), isArg);
  assert.throws(() => selectRidgeLambda(x, y, n, d, k, { lambdas: [1, -1] }), isArg);
});
