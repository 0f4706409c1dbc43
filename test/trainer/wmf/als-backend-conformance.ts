/**
 * The ALS backend conformance suite: one set of checks every WMF solver must pass — the CPU solvers
 * (native/linalg/als_solver.h exact, als_cg.h conjugate gradient: solver.test.ts) always, the CUDA one
 * (native/cuda/als_cuda.cu: cuda.test.ts) where a GPU is usable. Oracles (test/helpers/als-reference.ts):
 * the dense solve of Hu et al.'s normal equations over all pairs, (YᵀCᵤY + λI) xᵤ = YᵀCᵤpᵤ, for one
 * half-iteration, and the objective summed pair by pair; then monotone descent, rows and columns with no
 * plays, and repeatability per seed.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Csr } from '../../../trainer/data/csr';
import { confidence } from '../../../trainer/wmf/confidence';
import { gaussianFactors, trainWmf, wmfLoss, type WmfOptions } from '../../../trainer/wmf/train';
import { denseAlsRow, denseWmfLoss } from '../../helpers/als-reference';
import { uniformPlays } from '../../helpers/random-plays';

export interface AlsBackend {
  /** In test names: "[name] ...". */
  name: string;
  /** True when the backend can run here; otherwise marks the test skipped, saying why. */
  availableOrSkip(t: TestContext): boolean;
  /** The trainWmf options that select this backend. */
  train: Pick<WmfOptions, 'device' | 'solver'>;
  /**
   * One half-iteration: every row of X (plays.rows × f) re-solved in place against the fixed Y
   * (plays.cols × f), conf being plays' confidences. Conjugate-gradient backends take f steps per row
   * from the X given: exact in exact arithmetic.
   */
  halfIteration(plays: Csr, conf: Float32Array, X: Float32Array, Y: Float32Array, f: number, lambda: number): Promise<void>;
  /** |x − dense| ≤ solveTolerance · max(1, |dense|) per factor after one half-iteration. */
  solveTolerance: number;
  /** The relative rise of the objective allowed per iteration: rounding only (the CPU's exact solver works in double, the CG solvers in float). */
  lossSlack: number;
  /**
   * 'bitwise': one seed gives identical factors whatever the thread count; a number: identical up to that
   * fraction of the largest factor (the GPU sums YᵀY with atomics, in no fixed order).
   */
  reproducible: 'bitwise' | number;
}

const F = 6;
const LAMBDA = 0.1;

/** Every row of X against the dense solution, within `tol` relative (absolute below 1). */
function assertRowsSolveNormalEquations(plays: Csr, conf: Float32Array, X: Float32Array, Y: Float32Array, tol: number, what: string): void {
  for (let u = 0; u < plays.rows; u++) {
    const ref = denseAlsRow(plays, u, Y, F, LAMBDA, conf);
    for (let a = 0; a < F; a++) {
      assert.ok(Math.abs(X[u * F + a] - ref[a]) <= tol * Math.max(1, Math.abs(ref[a])), `${what}: row ${u} factor ${a}: ${X[u * F + a]} vs ${ref[a]}`);
    }
  }
}

/** `m` with the listed rows emptied and every column from `firstUnplayed` on never played. */
function withoutPlays(m: Csr, emptyRows: readonly number[], firstUnplayed: number): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < m.rows; u++) {
    if (!emptyRows.includes(u)) {
      for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) {
        if (m.indices[j] < firstUnplayed) {
          indices.push(m.indices[j]);
          data.push(m.data[j]);
        }
      }
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows: m.rows, cols: m.cols };
}

/** Registers every conformance test for `backend`; each skips visibly when the backend cannot run. */
export function alsBackendConformance(backend: AlsBackend): void {
  const { name, availableOrSkip, solveTolerance } = backend;

  test(`[${name}] one half-iteration from X = 0 solves the normal equations (dense solve, ${solveTolerance}), both confidence modes`, async (t) => {
    if (!availableOrSkip(t)) return;
    for (const mode of ['log', 'linear'] as const) {
      const plays = uniformPlays(12, 30, 0.25, 3);
      const Y = gaussianFactors(plays.cols * F, 0.5, 9);
      const conf = confidence(plays.data, { mode, alpha: mode === 'log' ? 2 : 0.5, eps: mode === 'log' ? 1 : 1e-6 });
      const X = new Float32Array(plays.rows * F);
      await backend.halfIteration(plays, conf, X, Y, F, LAMBDA);
      assertRowsSolveNormalEquations(plays, conf, X, Y, solveTolerance, mode);
    }
  });

  test(`[${name}] rows and items with no plays: a warm-started half-iteration takes their factors to the dense solution (0); training stays finite`, async (t) => {
    if (!availableOrSkip(t)) return;
    const plays = withoutPlays(uniformPlays(12, 30, 0.3, 19), [0, 5, 11], 25);
    const conf = confidence(plays.data, { alpha: 2, eps: 1 });
    const Y = gaussianFactors(plays.cols * F, 0.5, 9);
    const X = gaussianFactors(plays.rows * F, 0.5, 4); // far from 0: the empty rows must move there
    await backend.halfIteration(plays, conf, X, Y, F, LAMBDA);
    assertRowsSolveNormalEquations(plays, conf, X, Y, solveTolerance, 'warm start');
    const opts = { ...backend.train, factors: F, lambda: LAMBDA, alpha: 2, eps: 1, threads: 2, iterations: 4, computeLoss: true };
    const model = await trainWmf(plays, opts);
    assert.ok(model.userFactors.every(Number.isFinite) && model.itemFactors.every(Number.isFinite), 'finite factors');
    const direct = denseWmfLoss(plays, model.userFactors, model.itemFactors, F, LAMBDA, conf);
    const reported = model.iterations.at(-1)?.loss as number;
    assert.ok(Math.abs(reported - direct) <= 1e-6 * direct, `reported ${reported} vs direct ${direct}`);
  });

  test(`[${name}] the reported objective equals the all-pairs sum, and ALS never increases it (8 iterations)`, async (t) => {
    if (!availableOrSkip(t)) return;
    const plays = uniformPlays(30, 40, 0.15, 17);
    const opts = { ...backend.train, factors: F, lambda: LAMBDA, alpha: 2, eps: 1, threads: 2 };
    const losses: number[] = [];
    const model = await trainWmf(plays, { ...opts, iterations: 8, computeLoss: true, onIteration: (r) => losses.push(r.loss as number) });
    const direct = denseWmfLoss(plays, model.userFactors, model.itemFactors, F, LAMBDA, confidence(plays.data, opts));
    assert.ok(Math.abs((losses.at(-1) as number) - direct) <= 1e-6 * direct, `reported ${losses.at(-1)} vs direct ${direct}`);
    assert.ok(Math.abs(wmfLoss(plays, model.userFactors, model.itemFactors, opts) - direct) <= 1e-6 * direct, 'wmfLoss');
    for (let k = 1; k < losses.length; k++) assert.ok(losses[k] <= losses[k - 1] * (1 + backend.lossSlack), `loss went up at iteration ${k + 1}: ${losses}`);
  });

  test(`[${name}] training is repeatable for a seed, whatever the thread count (${backend.reproducible === 'bitwise' ? 'bit for bit' : `within ${backend.reproducible} of the largest factor`})`, async (t) => {
    if (!availableOrSkip(t)) return;
    const plays = uniformPlays(300, 200, 0.05, 23);
    const opts = { ...backend.train, factors: 8, iterations: 3 };
    const a = await trainWmf(plays, { ...opts, seed: 5, threads: 1 });
    const b = await trainWmf(plays, { ...opts, seed: 5, threads: 2 });
    const c = await trainWmf(plays, { ...opts, seed: 6, threads: 2 });
    for (const side of ['userFactors', 'itemFactors'] as const) {
      if (backend.reproducible === 'bitwise') {
        assert.deepEqual(a[side], b[side], side);
      } else {
        const scale = a[side].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const diff = a[side].reduce((m, v, i) => Math.max(m, Math.abs(v - b[side][i])), 0);
        assert.ok(diff <= backend.reproducible * scale, `${side}: runs differ by ${diff} (largest factor ${scale})`);
      }
    }
    assert.notDeepEqual(a.itemFactors, c.itemFactors, 'another seed, other factors');
  });
}
