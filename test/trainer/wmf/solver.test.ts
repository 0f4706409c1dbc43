// The native ALS solvers against the dense closed form written out here, over ALL user-item pairs
// (no Y^T Y trick): x_u = (Y^T C_u Y + lambda I)^-1 Y^T C_u p_u.
import { mulberry32 } from '../../../trainer/eval/prng';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../../../src/dsp/native';
import type { Csr } from '../../../trainer/data/csr';
import { confidence } from '../../../trainer/wmf/confidence';
import { foldIn } from '../../../trainer/wmf/fold-in';
import { gaussianFactors, trainWmf, wmfLoss } from '../../../trainer/wmf/train';
import { cudaStatus } from '../../../trainer/wmf/cuda';
import type { EarshotError } from '../../../src/errors';

const rng = mulberry32;

function randomPlays(users: number, items: number, density: number, seed: number): Csr {
  const r = rng(seed);
  const indptr = new Int32Array(users + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (r() < density) { indices.push(i); data.push(1 + Math.floor(r() * 20)); }
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows: users, cols: items };
}

/** Gaussian elimination with partial pivoting, float64. */
function solveDense(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r][c] / M[c][c];
      for (let j = c; j <= n; j++) M[r][j] -= k * M[c][j];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

/** Dense closed form for one row: full confidence diagonal over every item. */
function denseRow(plays: Csr, u: number, Y: Float32Array, f: number, lambda: number, conf: Float32Array): number[] {
  const c = new Array(plays.cols).fill(1);
  const p = new Array(plays.cols).fill(0);
  for (let j = plays.indptr[u]; j < plays.indptr[u + 1]; j++) { c[plays.indices[j]] = conf[j]; p[plays.indices[j]] = 1; }
  const A = Array.from({ length: f }, (_, a) => Array.from({ length: f }, (_, b) => (a === b ? lambda : 0)));
  const b = new Array(f).fill(0);
  for (let i = 0; i < plays.cols; i++) {
    for (let a = 0; a < f; a++) {
      b[a] += c[i] * p[i] * Y[i * f + a];
      for (let bb = 0; bb < f; bb++) A[a][bb] += c[i] * Y[i * f + a] * Y[i * f + bb];
    }
  }
  return solveDense(A, b);
}

/** The objective summed over every pair, directly. */
function denseLoss(plays: Csr, X: Float32Array, Y: Float32Array, f: number, lambda: number, conf: Float32Array): number {
  let loss = 0;
  for (let u = 0; u < plays.rows; u++) {
    const obs = new Map<number, number>();
    for (let j = plays.indptr[u]; j < plays.indptr[u + 1]; j++) obs.set(plays.indices[j], conf[j]);
    for (let i = 0; i < plays.cols; i++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += X[u * f + a] * Y[i * f + a];
      const c = obs.get(i) ?? 1;
      const p = obs.has(i) ? 1 : 0;
      loss += c * (p - s) ** 2;
    }
  }
  let reg = 0;
  for (const v of X) reg += v * v;
  for (const v of Y) reg += v * v;
  return loss + lambda * reg;
}

const F = 6;
const LAMBDA = 0.1;

test('exact solver equals the dense closed form (1e-4), both confidence modes', async () => {
  for (const mode of ['log', 'linear'] as const) {
    const plays = randomPlays(12, 30, 0.25, 3);
    const Y = gaussianFactors(plays.cols * F, 0.5, 9);
    const conf = confidence(plays.data, { mode, alpha: mode === 'log' ? 2 : 0.5, eps: mode === 'log' ? 1 : 1e-6 });
    const X = new Float32Array(plays.rows * F);
    await nativeAddon().alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, F, LAMBDA, 'exact', 1, 2);
    for (let u = 0; u < plays.rows; u++) {
      const ref = denseRow(plays, u, Y, F, LAMBDA, conf);
      for (let a = 0; a < F; a++) {
        assert.ok(Math.abs(X[u * F + a] - ref[a]) <= 1e-4 * Math.max(1, Math.abs(ref[a])), `${mode} user ${u} factor ${a}: ${X[u * F + a]} vs ${ref[a]}`);
      }
    }
  }
});

test('fold-in of a new user equals the dense closed form', async () => {
  const plays = randomPlays(1, 40, 0.3, 5);
  const Y = gaussianFactors(plays.cols * F, 0.5, 11);
  const counts = plays.data;
  const idx = plays.indices;
  // Shuffled input order must not matter.
  const perm = Array.from(idx.keys()).reverse();
  const x = await foldIn(Int32Array.from(perm, (k) => idx[k]), Float32Array.from(perm, (k) => counts[k]), Y, { factors: F, lambda: LAMBDA });
  const ref = denseRow(plays, 0, Y, F, LAMBDA, confidence(counts));
  for (let a = 0; a < F; a++) assert.ok(Math.abs(x[a] - ref[a]) <= 1e-4 * Math.max(1, Math.abs(ref[a])));
  await assert.rejects(foldIn(Int32Array.of(1, 1), Float32Array.of(1, 2), Y, { factors: F }), /appears twice/);
});

test('conjugate gradient approaches the exact solution as steps grow (cold start from 0)', async () => {
  const plays = randomPlays(20, 50, 0.2, 7);
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

test('the native objective equals the all-pairs sum, and ALS never increases it', async () => {
  const plays = randomPlays(30, 40, 0.15, 17);
  const opts = { factors: F, lambda: LAMBDA, alpha: 2, eps: 1, threads: 2 };
  for (const solver of ['exact', 'cg'] as const) {
    const losses: number[] = [];
    const model = await trainWmf(plays, { ...opts, solver, iterations: 8, computeLoss: true, onIteration: (r) => losses.push(r.loss!) });
    const conf = confidence(plays.data, opts);
    const direct = denseLoss(plays, model.userFactors, model.itemFactors, F, LAMBDA, conf);
    assert.ok(Math.abs(losses[losses.length - 1] - direct) <= 1e-6 * direct, `native ${losses.at(-1)} vs direct ${direct}`);
    assert.ok(Math.abs(wmfLoss(plays, model.userFactors, model.itemFactors, opts) - direct) <= 1e-6 * direct);
    for (let k = 1; k < losses.length; k++) assert.ok(losses[k] <= losses[k - 1] * (1 + 1e-9), `${solver}: loss went up at iteration ${k + 1}: ${losses}`);
  }
});

test('training is deterministic for a seed, whatever the thread count', async () => {
  const plays = randomPlays(300, 200, 0.05, 23);
  const a = await trainWmf(plays, { factors: 8, iterations: 3, seed: 5, threads: 1 });
  const b = await trainWmf(plays, { factors: 8, iterations: 3, seed: 5, threads: 2 });
  const c = await trainWmf(plays, { factors: 8, iterations: 3, seed: 6, threads: 2 });
  assert.deepEqual(a.userFactors, b.userFactors);
  assert.deepEqual(a.itemFactors, b.itemFactors);
  assert.notDeepEqual(a.itemFactors, c.itemFactors);
});

test('bad solver input is refused with a clear error, never a crash', async () => {
  const plays = randomPlays(3, 4, 0.5, 1);
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

test('device cuda: trains on the GPU when one is usable, else says exactly why (ERR_CUDA_UNAVAILABLE)', async () => {
  const plays = randomPlays(40, 30, 0.2, 29);
  const status = cudaStatus();
  if (!status.available) {
    await assert.rejects(trainWmf(plays, { factors: F, device: 'cuda' }), (e: EarshotError) => e.code === 'ERR_CUDA_UNAVAILABLE' && e.message.includes(status.reason));
    await assert.rejects(trainWmf(plays, { device: 'cuda', solver: 'exact' }), /conjugate-gradient solver only/);
    return;
  }
  // GPU present: same start as the CPU CG, objective within 1e-5 relative after 5 iterations.
  const opts = { factors: F, lambda: LAMBDA, alpha: 2, eps: 1, iterations: 5, computeLoss: true };
  const cpu = await trainWmf(plays, { ...opts, device: 'cpu' });
  const gpu = await trainWmf(plays, { ...opts, device: 'cuda' });
  const lc = cpu.iterations.at(-1)!.loss!, lg = gpu.iterations.at(-1)!.loss!;
  assert.ok(Math.abs(lc - lg) <= 1e-5 * lc, `cpu ${lc} vs gpu ${lg} (${status.device})`);
});
