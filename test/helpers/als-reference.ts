/**
 * The WMF oracles the ALS solvers (CPU, CUDA) and fold-in are tested against, written out densely over
 * ALL user-item pairs (no YᵀY trick), in float64: Hu, Koren & Volinsky's normal equations per row,
 * (YᵀCᵤY + λI) xᵤ = YᵀCᵤpᵤ with cᵤᵢ = 1 for unplayed items and pᵤᵢ = [played], and the objective
 * Σᵤᵢ cᵤᵢ (pᵤᵢ − xᵤ·yᵢ)² + λ (Σ|xᵤ|² + Σ|yᵢ|²) summed pair by pair.
 */
import type { Csr } from '../../trainer/data/csr';

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

/** Row u's exact solution against fixed Y (cols × f): the normal equations with the full confidence diagonal. */
export function denseAlsRow(plays: Csr, u: number, Y: Float32Array, f: number, lambda: number, conf: Float32Array): number[] {
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
export function denseWmfLoss(plays: Csr, X: Float32Array, Y: Float32Array, f: number, lambda: number, conf: Float32Array): number {
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

/** G = YᵀY (cols × f, row-major), f × f in float64. */
export function denseGram(Y: Float32Array, cols: number, f: number): Float64Array {
  const G = new Float64Array(f * f);
  for (let i = 0; i < cols; i++) {
    for (let a = 0; a < f; a++) {
      const ya = Y[i * f + a];
      for (let b = 0; b < f; b++) G[a * f + b] += ya * Y[i * f + b];
    }
  }
  return G;
}

/**
 * `steps` conjugate-gradient iterations per row on Hu et al.'s normal equations, warm-started from X0,
 * in float64: the recurrences of implicit's least_squares_cg (residual of the warm start; stop when
 * |r|² < 1e-20 or pᵀAp ≤ 0), A p = (G + λI) p + Σ_{j in row} (c_j − 1)(y_j·p) y_j with G = denseGram.
 */
export function cgAlsRows(plays: Csr, Y: Float32Array, f: number, lambda: number, conf: Float32Array, X0: Float32Array, steps: number): Float64Array {
  const G = denseGram(Y, plays.cols, f);
  const X = Float64Array.from(X0);
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let s = 0;
    for (let k = 0; k < f; k++) s += a[k] * b[k];
    return s;
  };
  for (let u = 0; u < plays.rows; u++) {
    const times = (v: Float64Array): Float64Array => {
      const out = new Float64Array(f);
      for (let a = 0; a < f; a++) out[a] = dot(G.subarray(a * f, a * f + f), v) + lambda * v[a];
      for (let j = plays.indptr[u]; j < plays.indptr[u + 1]; j++) {
        const y = Y.subarray(plays.indices[j] * f, plays.indices[j] * f + f);
        const w = (conf[j] - 1) * dot(y, v);
        for (let a = 0; a < f; a++) out[a] += w * y[a];
      }
      return out;
    };
    const x = X.subarray(u * f, u * f + f);
    const r = new Float64Array(f);
    for (let j = plays.indptr[u]; j < plays.indptr[u + 1]; j++) {
      for (let a = 0; a < f; a++) r[a] += conf[j] * Y[plays.indices[j] * f + a];
    }
    const Ax = times(x);
    for (let a = 0; a < f; a++) r[a] -= Ax[a];
    const p = Float64Array.from(r);
    let rs = dot(r, r);
    for (let it = 0; it < steps && rs >= 1e-20; it++) {
      const Ap = times(p);
      const pAp = dot(p, Ap);
      if (!(pAp > 0)) break;
      const alpha = rs / pAp;
      for (let a = 0; a < f; a++) {
        x[a] += alpha * p[a];
        r[a] -= alpha * Ap[a];
      }
      const rsNew = dot(r, r);
      for (let a = 0; a < f; a++) p[a] = r[a] + (rsNew / rs) * p[a];
      rs = rsNew;
    }
  }
  return X;
}
