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
