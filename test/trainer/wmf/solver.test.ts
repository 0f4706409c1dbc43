// The native CPU ALS solvers, exact (Cholesky, native/linalg/als_solver.h) and conjugate gradient (als_cg.h):
// the shared ALS backend conformance suite (als-backend-conformance.ts: the dense normal equations, the
// all-pairs objective, rows with no plays, repeatability), then what only the CPU side has: fold-in of
// a new user, CG's convergence to the exact solve, and its argument checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../../../src/native/addon';
import { confidence } from '../../../trainer/wmf/confidence';
import { foldIn } from '../../../trainer/wmf/fold-in';
import { gaussianFactors, trainWmf } from '../../../trainer/wmf/train';
import { denseAlsRow } from '../../helpers/als-reference';
import { uniformPlays } from '../../helpers/random-plays';
import { alsBackendConformance } from './als-backend-conformance';

const F = 6;
const LAMBDA = 0.1;

for (const solver of ['exact', 'cg'] as const) {
  alsBackendConformance({
    name: `cpu ${solver}`,
    availableOrSkip: () => true,
    train: { device: 'cpu', solver },
    halfIteration: (plays, conf, X, Y, f, lambda) => nativeAddon().alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, f, lambda, solver, f, 2),
    solveTolerance: 1e-4,
    lossSlack: 1e-9,
    reproducible: 'bitwise',
  });
}

test('fold-in of a new user equals the dense closed form', async () => {
  const plays = uniformPlays(1, 40, 0.3, 5);
  const Y = gaussianFactors(plays.cols * F, 0.5, 11);
  const counts = plays.data;
  const idx = plays.indices;
  // Shuffled input order must not matter.
  const perm = Array.from(idx.keys()).reverse();
  const x = await foldIn(Int32Array.from(perm, (k) => idx[k]), Float32Array.from(perm, (k) => counts[k]), Y, { factors: F, lambda: LAMBDA });
  const ref = denseAlsRow(plays, 0, Y, F, LAMBDA, confidence(counts));
  for (let a = 0; a < F; a++) assert.ok(Math.abs(x[a] - ref[a]) <= 1e-4 * Math.max(1, Math.abs(ref[a])));
  await assert.rejects(foldIn(Int32Array.of(1, 1), Float32Array.of(1, 2), Y, { factors: F }), /appears twice/);
});

test('conjugate gradient approaches the exact solution as steps grow (cold start from 0)', async () => {
  const plays = uniformPlays(20, 50, 0.2, 7);
  const Y = gaussianFactors(plays.cols * F, 0.5, 13);
  const conf = confidence(plays.data, { alpha: 2, eps: 1 });
  const exact = new Float32Array(plays.rows * F);
  await nativeAddon().alsSweepAsync(plays.indptr, plays.indices, conf, exact, Y, F, LAMBDA, 'exact', 1, 1);
  const errs: number[] = [];
  for (const steps of [1, 2, 3, F]) {
    const X = new Float32Array(plays.rows * F);
    await nativeAddon().alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, F, LAMBDA, 'cg', steps, 1);
    let e = 0;
    for (let k = 0; k < X.length; k++) e = Math.max(e, Math.abs(X[k] - exact[k]));
    errs.push(e);
  }
  for (let k = 1; k < errs.length; k++) assert.ok(errs[k] < errs[k - 1], `error must shrink with steps: ${errs}`);
  assert.ok(errs[errs.length - 1] < 1e-3, `F steps of CG are exact up to rounding: ${errs}`);
});

test('bad solver input is refused with a clear error, never a crash', async () => {
  const plays = uniformPlays(3, 4, 0.5, 1);
  const conf = confidence(plays.data);
  const Y = new Float32Array(4 * F);
  const X = new Float32Array(3 * F);
  const addon = nativeAddon();
  await assert.rejects(async () => addon.alsSweepAsync(plays.indptr, Int32Array.from(plays.indices, () => 99), conf, X, Y, F, LAMBDA, 'exact', 1, 1), /outside 0\.\.3/);
  await assert.rejects(async () => addon.alsSweepAsync(plays.indptr, plays.indices, conf, new Float32Array(5), Y, F, LAMBDA, 'exact', 1, 1), /X must hold/);
  await assert.rejects(async () => addon.alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, F, -1, 'exact', 1, 1), /lambda/);
  await assert.rejects(async () => addon.alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, F, LAMBDA, 'magic' as 'cg', 1, 1), /solver/);
  await assert.rejects(trainWmf(plays, { factors: 0 }), /factors must be an integer/);
  await assert.rejects(trainWmf({ ...plays, rows: 2 }), /indptr has 4 entries/);
  assert.throws(() => confidence(Float32Array.of(1, -2)), /counts must be finite and >= 0/);
});
