/**
 * Platt scaling (Platt 1999, with the Newton method and safeguards of Lin, Lin & Weng 2007): a
 * monotone map p = σ(a·z + b) from a classifier's score z to a probability, fitted on out-of-fold
 * scores so that the regression's shrinkage (and its optimism on its own training songs) does not
 * bias the probabilities. The targets are Platt's smoothed labels (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2),
 * which keep (a, b) finite even when the scores separate the classes.
 */
import { EarshotError } from '../../src/errors';
import { sigmoid, softplus } from './logistic';

export interface PlattScaling {
  a: number;
  b: number;
}

/** Fits (a, b) on scores z and labels y (0/1), both aligned. */
export function fitPlatt(z: ArrayLike<number>, y: ArrayLike<number>): PlattScaling {
  const n = z.length;
  if (y.length !== n || n === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `platt: ${n} scores and ${y.length} labels (need as many, at least one)`);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(z[i])) throw new EarshotError('ERR_INVALID_ARGUMENT', `platt: score ${i} is ${z[i]}, not a finite number`);
    if (y[i]) pos++;
  }
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  const target = (i: number) => (y[i] ? hi : lo);
  // Cross-entropy against the smoothed targets: Σ t·softplus(−s) + (1 − t)·softplus(s), s = a·z + b.
  const loss = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const s = a * z[i] + b;
      const t = target(i);
      f += t * softplus(-s) + (1 - t) * softplus(s);
    }
    return f;
  };
  let a = 0;
  let b = Math.log((pos + 1) / (n - pos + 1));
  let f = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-12; // the ridge keeps the 2 x 2 Hessian invertible
    let hAB = 0;
    let hBB = 1e-12;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * z[i] + b);
      const r = p - target(i);
      const w = p * (1 - p);
      gA += r * z[i];
      gB += r;
      hAA += w * z[i] * z[i];
      hAB += w * z[i];
      hBB += w;
    }
    if (Math.abs(gA) < 1e-10 * n && Math.abs(gB) < 1e-10 * n) break;
    const det = hAA * hBB - hAB * hAB;
    const dA = -(hBB * gA - hAB * gB) / det;
    const dB = -(hAA * gB - hAB * gA) / det;
    // Backtracking: the full Newton step, halved until the loss decreases (Armijo, c = 1e-4).
    let t = 1;
    for (; t >= 1e-10; t /= 2) {
      const fNew = loss(a + t * dA, b + t * dB);
      if (fNew <= f + 1e-4 * t * (gA * dA + gB * dB)) {
        a += t * dA;
        b += t * dB;
        f = fNew;
        break;
      }
    }
    if (t < 1e-10) break; // no decrease possible: at the optimum to rounding
  }
  return { a, b };
}
