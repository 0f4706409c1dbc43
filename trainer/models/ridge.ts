/**
 * Multi-output ridge regression: W = argmin ‖XW − Y‖² + λ‖W‖² (intercept unpenalised, by centring),
 * solved from the normal equations (XᵀX + λI) W = XᵀY with a Cholesky factorisation in float64. Cost
 * O(n·d² + d³): meant for d up to a few thousand features (PCA'd bag-of-words, handcrafted traits).
 */
import { EarshotError } from '../../src/errors';
import { mulberry32, sampleInPlace } from '../eval/prng';

export interface RidgeModel {
  /** d x k weights, row-major, applied to centred features. */
  weights: Float64Array;
  /** Feature means (d) and target means (k): predictions are mean + (x − xMean) W. */
  xMean: Float64Array;
  yMean: Float64Array;
  features: number;
  outputs: number;
}

/** Centred normal equations of rows `idx`: A = XcᵀXc (full, symmetric), B = XcᵀYc, and the means. */
interface NormalEquations {
  a: Float64Array;
  rhs: Float64Array;
  xMean: Float64Array;
  yMean: Float64Array;
}

function normalEquations(x: ArrayLike<number>, y: ArrayLike<number>, d: number, k: number, idx: ArrayLike<number>): NormalEquations {
  const xMean = new Float64Array(d);
  const yMean = new Float64Array(k);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    for (let a = 0; a < d; a++) xMean[a] += x[i * d + a] / idx.length;
    for (let b = 0; b < k; b++) yMean[b] += y[i * k + b] / idx.length;
  }
  const a = new Float64Array(d * d);
  const rhs = new Float64Array(d * k);
  const xc = new Float64Array(d);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    for (let p = 0; p < d; p++) xc[p] = x[i * d + p] - xMean[p];
    for (let p = 0; p < d; p++) {
      const v = xc[p];
      if (v === 0) continue;
      for (let q = 0; q <= p; q++) a[p * d + q] += v * xc[q];
      for (let b = 0; b < k; b++) rhs[p * k + b] += v * (y[i * k + b] - yMean[b]);
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) a[q * d + p] = a[p * d + q];
  return { a, rhs, xMean, yMean };
}

function solveWithLambda(ne: NormalEquations, d: number, k: number, lambda: number): RidgeModel {
  const a = Float64Array.from(ne.a);
  const rhs = Float64Array.from(ne.rhs);
  // A tiny floor keeps constant features (zero variance) solvable when lambda is 0.
  for (let p = 0; p < d; p++) a[p * d + p] += lambda + 1e-12;
  choleskySolveInPlace(a, rhs, d, k);
  return { weights: rhs, xMean: ne.xMean, yMean: ne.yMean, features: d, outputs: k };
}

function checkShapes(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, k: number): void {
  if (x.length !== n * d || y.length !== n * k) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: X is ${x.length} values, Y ${y.length}; expected ${n}x${d} and ${n}x${k}`);
}

/** Fits rows `rows` (default all) of X (n x d) to Y (n x k), both row-major. */
export function fitRidge(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, k: number, lambda: number, rows?: ArrayLike<number>): RidgeModel {
  checkShapes(x, y, n, d, k);
  if (!(lambda >= 0)) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: lambda must be >= 0, got ${lambda}`);
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  if (idx.length === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', 'ridge: no training rows');
  return solveWithLambda(normalEquations(x, y, d, k, idx), d, k, lambda);
}

export interface RidgeCvResult {
  /** The λ with the lowest mean held-out squared error per row, and that error. */
  lambda: number;
  mse: number;
  /** Every λ tried with its cross-validated mean squared error per row (summed over outputs). */
  grid: { lambda: number; mse: number }[];
}

/**
 * Chooses λ by `folds`-fold cross-validation over the training rows (seeded shuffle): each fold's
 * normal equations are formed once and solved for every λ. The default grid is relative to the
 * data's scale, λ = α · tr(XcᵀXc)/d for α = 10^-4 … 10^2, so it suits counts and unit features alike.
 */
export function selectRidgeLambda(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, k: number, o: { lambdas?: number[]; folds?: number; seed?: number } = {}): RidgeCvResult {
  checkShapes(x, y, n, d, k);
  const folds = o.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2 || folds > n) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: folds must be an integer in 2..${n} (rows), got ${folds}`);
  let lambdas = o.lambdas;
  if (!lambdas) {
    const all = normalEquations(x, y, d, k, Array.from({ length: n }, (_, i) => i));
    let trace = 0;
    for (let p = 0; p < d; p++) trace += all.a[p * d + p];
    lambdas = [-4, -3, -2, -1, 0, 1, 2].map((e) => (10 ** e * trace) / d);
  }
  if (lambdas.length === 0 || lambdas.some((l) => !(l >= 0))) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: lambdas must be a non-empty list of numbers >= 0, got ${JSON.stringify(lambdas)}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(mulberry32(o.seed ?? 1), order, n);
  const sse = new Float64Array(lambdas.length);
  for (let f = 0; f < folds; f++) {
    const held = order.filter((_, j) => j % folds === f);
    const fit = order.filter((_, j) => j % folds !== f);
    const ne = normalEquations(x, y, d, k, fit);
    const hx = new Float64Array(held.length * d);
    held.forEach((i, r) => { for (let p = 0; p < d; p++) hx[r * d + p] = x[i * d + p]; });
    lambdas.forEach((lambda, li) => {
      const pred = predictRidge(solveWithLambda(ne, d, k, lambda), hx, held.length);
      held.forEach((i, r) => { for (let b = 0; b < k; b++) sse[li] += (pred[r * k + b] - y[i * k + b]) ** 2; });
    });
  }
  const grid = lambdas.map((lambda, li) => ({ lambda, mse: sse[li] / n }));
  const best = grid.reduce((a, b) => (b.mse < a.mse ? b : a));
  return { lambda: best.lambda, mse: best.mse, grid };
}

export function predictRidge(m: RidgeModel, x: ArrayLike<number>, n: number): Float32Array {
  const { features: d, outputs: k } = m;
  if (x.length !== n * d) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: X is ${x.length} values, expected ${n}x${d}`);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < k; b++) {
      let s = m.yMean[b];
      for (let p = 0; p < d; p++) s += (x[i * d + p] - m.xMean[p]) * m.weights[p * k + b];
      out[i * k + b] = s;
    }
  }
  return out;
}

/** Solves A X = B for symmetric positive definite A (d x d), B (d x k) overwritten by X. */
function choleskySolveInPlace(a: Float64Array, b: Float64Array, d: number, k: number): void {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let p = 0; p < j; p++) s -= a[j * d + p] * a[j * d + p];
    if (!(s > 0)) throw new EarshotError('ERR_INVALID_ARGUMENT', `ridge: normal equations not positive definite at feature ${j} (use lambda > 0)`);
    const l = Math.sqrt(s);
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let p = 0; p < j; p++) t -= a[i * d + p] * a[j * d + p];
      a[i * d + j] = t / l;
    }
  }
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let t = b[i * k + c];
      for (let p = 0; p < i; p++) t -= a[i * d + p] * b[p * k + c];
      b[i * k + c] = t / a[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let t = b[i * k + c];
      for (let p = i + 1; p < d; p++) t -= a[p * d + i] * b[p * k + c];
      b[i * k + c] = t / a[i * d + i];
    }
  }
}
