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

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^t) without overflow: −log σ(−t), the log-loss of a score t on the wrong side. */
export function softplus(t: number): number {
  return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
}

/**
 * Fits rows `rows` of X (n x d, row-major) to labels y (0/1 per row). `init` (d + 1 values) starts
 * Newton from a nearby fit, e.g. the previous λ's on a regularisation path: fewer steps to converge.
 */
export function fitLogistic(x: Float32Array, d: number, y: Uint8Array, rows: Int32Array, lambda: number, maxIterations = 25, init?: Float64Array): LogisticModel {
  if (x.length % d !== 0 || y.length !== x.length / d) throw new EarshotError('ERR_INVALID_ARGUMENT', `logistic: X holds ${x.length} values and y ${y.length} labels for ${d} features`);
  if (!(lambda > 0)) throw new EarshotError('ERR_INVALID_ARGUMENT', `logistic: lambda must be > 0 (separable data has no finite unregularised fit), got ${lambda}`);
  const p = d + 1;
  if (init && init.length !== p) throw new EarshotError('ERR_INVALID_ARGUMENT', `logistic: a start of ${init.length} values for ${d} features (expected ${p})`);
  const w = init ? Float64Array.from(init) : new Float64Array(p);
  const m = rows.length;
  // Column-major copy of the fitting rows: each of the Hessian's d(d + 1)/2 entries becomes one
  // contiguous dot product over the rows.
  const cols = new Float64Array(d * m);
  const labels = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const o = rows[r] * d;
    for (let a = 0; a < d; a++) cols[a * m + r] = x[o + a];
    labels[r] = y[rows[r]];
  }
  const col = Array.from({ length: d }, (_, a) => cols.subarray(a * m, (a + 1) * m));
  const z = new Float64Array(m);
  const resid = new Float64Array(m);
  const wt = new Float64Array(m);
  const v = new Float64Array(m);
  const h = new Float64Array(p * p);
  const g = new Float64Array(p);
  // Newton's step can overshoot from far away (a warm start, or near-separable data at a small λ):
  // when the penalised loss rises, the last step is halved instead (backtracking), up to 30 times.
  let step: Float64Array = new Float64Array(p);
  let stepScale = 1;
  let prevLoss = Infinity;
  let it = 0;
  for (; it < maxIterations; it++) {
    z.fill(w[d]);
    for (let a = 0; a < d; a++) {
      const wa = w[a];
      const ca = col[a];
      for (let r = 0; r < m; r++) z[r] += wa * ca[r];
    }
    let loss = 0;
    for (let r = 0; r < m; r++) {
      const mu = sigmoid(z[r]);
      loss += softplus(labels[r] ? -z[r] : z[r]); // −log p(y | z)
      resid[r] = mu - labels[r];
      wt[r] = Math.max(mu * (1 - mu), 1e-12);
    }
    for (let a = 0; a < d; a++) loss += 0.5 * lambda * w[a] * w[a];
    if (loss > prevLoss * (1 + 1e-12) && stepScale > 2 ** -30) {
      stepScale /= 2;
      for (let a = 0; a < p; a++) w[a] += stepScale * step[a]; // w = w_prev − stepScale · step
      continue;
    }
    prevLoss = loss;
    for (let a = 0; a < d; a++) {
      const ca = col[a];
      for (let r = 0; r < m; r++) v[r] = wt[r] * ca[r];
      g[a] = dot(resid, ca, m) + lambda * w[a];
      for (let b2 = 0; b2 <= a; b2++) h[a * p + b2] = dot(v, col[b2], m);
      h[a * p + a] += lambda;
      h[d * p + a] = sum(v, m);
    }
    g[d] = sum(resid, m);
    h[d * p + d] = sum(wt, m);
    for (let a = 0; a < p; a++) for (let b2 = a + 1; b2 < p; b2++) h[a * p + b2] = h[b2 * p + a];
    step = solveSpd(h, g, p);
    stepScale = 1;
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

/** Scores z = w·x + b (the logit; p = σ(z)) of rows `rows` of x. */
export function logisticScores(m: Pick<LogisticModel, 'w'>, x: Float32Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    let z = m.w[d];
    for (let a = 0; a < d; a++) z += m.w[a] * x[i * d + a];
    out[r] = z;
  }
  return out;
}

/** Four partial sums: one sum's add-latency chain would otherwise bound the loop (about 1.5x faster). */
function dot(a: Float64Array, b: Float64Array, n: number): number {
  // Separate lets: V8 keeps these in registers, a destructured array literal here made the loop 4x slower.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}

function sum(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  return s;
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
