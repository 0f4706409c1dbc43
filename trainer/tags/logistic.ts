/**
 * L2-regularised logistic regression (one binary label), fitted by Newton's method (IRLS): the
 * Hessian is (d + 1) x (d + 1), small for factor vectors (d = 50), so each step is one Cholesky solve
 * and convergence takes a handful of steps. The intercept is not penalised. Used for the paper's tag
 * experiment (Sec. 5.1): predict each tag from a song's (or artist's) factors.
 */
import { EarshotError } from '../../src/errors';

export interface LogisticModel {
  /** d weights then the intercept. */
  w: Float64Array;
  iterations: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Fits rows `rows` of X (n x d, row-major) to labels y (0/1 per row). */
export function fitLogistic(x: Float32Array, d: number, y: Uint8Array, rows: Int32Array, lambda: number, maxIterations = 25): LogisticModel {
  if (x.length % d !== 0 || y.length !== x.length / d) throw new EarshotError('ERR_INVALID_ARGUMENT', `logistic: X holds ${x.length} values and y ${y.length} labels for ${d} features`);
  if (!(lambda > 0)) throw new EarshotError('ERR_INVALID_ARGUMENT', `logistic: lambda must be > 0 (separable data has no finite unregularised fit), got ${lambda}`);
  const p = d + 1;
  const w = new Float64Array(p);
  const h = new Float64Array(p * p);
  const g = new Float64Array(p);
  let it = 0;
  for (; it < maxIterations; it++) {
    h.fill(0);
    g.fill(0);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      const xi = x.subarray(i * d, (i + 1) * d);
      let z = w[d];
      for (let a = 0; a < d; a++) z += w[a] * xi[a];
      const mu = sigmoid(z);
      const resid = mu - y[i];
      const wt = Math.max(mu * (1 - mu), 1e-12);
      for (let a = 0; a < d; a++) {
        g[a] += resid * xi[a];
        const v = wt * xi[a];
        for (let b = 0; b <= a; b++) h[a * p + b] += v * xi[b];
        h[d * p + a] += v;
      }
      g[d] += resid;
      h[d * p + d] += wt;
    }
    for (let a = 0; a < d; a++) {
      g[a] += lambda * w[a];
      h[a * p + a] += lambda;
    }
    for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) h[a * p + b] = h[b * p + a];
    const step = solveSpd(h, g, p);
    let change = 0;
    for (let a = 0; a < p; a++) {
      w[a] -= step[a];
      change = Math.max(change, Math.abs(step[a]));
    }
    if (change < 1e-8) {
      it++;
      break;
    }
  }
  return { w, iterations: it };
}

export function logisticScores(m: LogisticModel, x: Float32Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    let z = m.w[d];
    for (let a = 0; a < d; a++) z += m.w[a] * x[i * d + a];
    out[r] = z;
  }
  return out;
}

/** Cholesky solve of a symmetric positive definite system (copies A). */
function solveSpd(aIn: Float64Array, b: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(aIn);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= a[j * n + k] * a[j * n + k];
    const l = Math.sqrt(Math.max(s, 1e-300));
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = t / l;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= a[i * n + k] * y[k];
    y[i] = t / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = y[i];
    for (let k = i + 1; k < n; k++) t -= a[k * n + i] * y[k];
    y[i] = t / a[i * n + i];
  }
  return y;
}
