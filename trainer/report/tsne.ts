/**
 * Exact t-SNE (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9) for the paper's
 * Figure 1: predicted song factors mapped to 2-D. Exact, O(n²) per iteration, because the maps we draw
 * hold at most a few thousand songs and the exact gradient needs no approximation parameter to tune.
 *
 *   p_{j|i} = exp(−β_i d_ij) / Σ_{k≠i} exp(−β_i d_ik),   d_ij = ‖x_i − x_j‖²,
 *             β_i chosen so that H(P_i) = log(perplexity)            (entropy in nats)
 *   p_ij    = (p_{j|i} + p_{i|j}) / 2n                                (symmetric, Σ_{i≠j} p_ij = 1)
 *   q_ij    = w_ij / Z,   w_ij = (1 + ‖y_i − y_j‖²)^−1,   Z = Σ_{k≠l} w_kl   (Student-t, 1 dof)
 *   C       = KL(P‖Q) = Σ_{i≠j} p_ij log(p_ij / q_ij)
 *   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j) = 4 (Σ_j p_ij w_ij (y_i − y_j) − Σ_j w_ij² (y_i − y_j) / Z)
 *
 * The second form of the gradient needs Z only at the end, so one pass over the pairs per iteration
 * gives Z and both sums, and no n × n matrix of w is ever stored. P is kept as the packed upper
 * triangle (n(n−1)/2 doubles: 100 MB at n = 5,000) and read in order.
 *
 * Optimisation as in the reference implementations (tsne.py, bhtsne): momentum 0.5 then 0.8 after
 * 250 iterations; early exaggeration (P × 12 for the first 250 iterations, so clusters form before
 * they must also be placed); per-coordinate gains by the delta-bar-delta rule (Jacobs 1988): +0.2
 * where the gradient's sign differs from the last update's, × 0.8 where it agrees, floor 0.01; the map
 * re-centred after each step. The learning rate defaults to max(n / exaggeration / 4, 50) (Belkina et
 * al. 2019, sklearn's "auto"), which for the gradient with its factor 4 equals bhtsne's 200 for
 * n ≤ 2,400 and scales up beyond so large maps do not stall.
 */
import { EarshotError } from '../../src/errors';
import { checkSeed, mulberry32 } from '../eval/prng';
import { normal } from '../world/random';

export type TsneMetric = 'euclidean' | 'cosine';

export interface AffinityOptions {
  /** Effective number of neighbours of each point, in 1..n − 1. Default 30. */
  perplexity?: number;
  /** 'cosine': rows are L2-normalised first (d_ij = 2 − 2 cos θ_ij); 'euclidean' (default) uses them as given. */
  metric?: TsneMetric;
  /** Largest n accepted (P alone takes 4n² bytes). Default 10,000. */
  maxPoints?: number;
}

export interface TsneProgress {
  /** Iterations done, 1..iterations. */
  iteration: number;
  /** KL(P‖Q) of the current map, against the true (not exaggerated) P, in nats. */
  kl: number;
}

export interface TsneOptions extends AffinityOptions {
  /** Gradient steps. Default 1,000. */
  iterations?: number;
  /** Seed of the initial map (mulberry32), integer 0..2^32 − 1. Default 1. */
  seed?: number;
  /** Step size, or 'auto' = max(n / earlyExaggeration / 4, 50). Default 'auto'. */
  learningRate?: number | 'auto';
  /** Factor on P during the first exaggerationIterations steps. Default 12. */
  earlyExaggeration?: number;
  exaggerationIterations?: number;
  /** Momentum before and from momentumSwitchIteration on. Defaults 0.5, 0.8, 250. */
  initialMomentum?: number;
  finalMomentum?: number;
  momentumSwitchIteration?: number;
  /** Called every progressEvery iterations and after the last (each call costs one extra pass with a log per pair). */
  onProgress?: (p: TsneProgress) => void;
  progressEvery?: number;
}

export interface TsneResult {
  /** n × 2, row-major (x, y per point), centred on the origin. */
  embedding: Float64Array;
  /** KL(P‖Q) of the returned map, in nats. */
  kl: number;
}

export const TSNE_DEFAULTS = {
  perplexity: 30, metric: 'euclidean' as TsneMetric, maxPoints: 10_000, iterations: 1000, seed: 1,
  earlyExaggeration: 12, exaggerationIterations: 250, initialMomentum: 0.5, finalMomentum: 0.8,
  momentumSwitchIteration: 250, progressEvery: 50,
};
/**
 * The t-SNE paper's initialisation N(0, 10⁻⁴ I): variance 10⁻⁴, standard deviation 10⁻² (bhtsne and
 * sklearn draw with standard deviation 10⁻⁴ instead).
 */
const INIT_SD = 1e-2;
const MIN_GAIN = 0.01;
/** Perplexity search: stop when |H − log perplexity| < this (nats), or after this many steps. */
const ENTROPY_TOL = 1e-10;
const SEARCH_STEPS = 200;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', `t-SNE: ${message}`);
}

function checkNumber(name: string, v: number, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    bad(`${name} must be ${integer ? 'an integer' : 'a number'} in ${lo}..${hi}, got ${String(v)}`);
  }
  return v;
}

/** Validates x (n × dim) once and returns its rows as float64, L2-normalised for 'cosine'. */
function prepare(x: Float32Array, dim: number, o: AffinityOptions): { rows: Float64Array; n: number; perplexity: number } {
  if (!(x instanceof Float32Array)) bad('x must be a Float32Array of n × dim values, row-major');
  if (!Number.isInteger(dim) || dim < 1) bad(`dim must be a positive integer, got ${String(dim)}`);
  if (x.length % dim !== 0) bad(`x holds ${x.length} values, not a whole number of rows of ${dim}`);
  const n = x.length / dim;
  const maxPoints = checkNumber('maxPoints', o.maxPoints ?? TSNE_DEFAULTS.maxPoints, 4, 1e6, true);
  if (n < 4) bad(`needs at least 4 points, got ${n}`);
  if (n > maxPoints) bad(`${n} points is more than maxPoints = ${maxPoints} (exact t-SNE stores 4n² bytes); sample the points or raise maxPoints`);
  // Entropy over the other n − 1 points is at most log(n − 1), reached by the uniform row.
  const perplexity = o.perplexity ?? TSNE_DEFAULTS.perplexity;
  if (typeof perplexity !== 'number' || !Number.isFinite(perplexity) || perplexity < 1 || perplexity > n - 1) {
    bad(`perplexity must be a number in 1..n − 1 = ${n - 1} (a point has only n − 1 neighbours), got ${String(perplexity)}`);
  }
  const metric = o.metric ?? TSNE_DEFAULTS.metric;
  if (metric !== 'euclidean' && metric !== 'cosine') bad(`metric must be 'euclidean' or 'cosine', got ${String(metric)}`);
  const rows = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let c = 0; c < dim; c++) {
      const v = x[i * dim + c];
      if (!Number.isFinite(v)) bad(`x[${i}][${c}] is ${v}: every value must be finite`);
      rows[i * dim + c] = v;
      ss += v * v;
    }
    if (metric === 'cosine') {
      if (ss === 0) bad(`row ${i} is all zeros: its cosine distance to anything is undefined`);
      const s = 1 / Math.sqrt(ss);
      for (let c = 0; c < dim; c++) rows[i * dim + c] *= s;
    }
  }
  return { rows, n, perplexity };
}

/** out[j] = ‖x_i − x_j‖² for every j (out[i] = 0). */
function sqDistances(rows: Float64Array, n: number, dim: number, i: number, out: Float64Array): void {
  const a = i * dim;
  for (let j = 0; j < n; j++) {
    const b = j * dim;
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const t = rows[a + c] - rows[b + c];
      s += t * t;
    }
    out[j] = s;
  }
}

/**
 * Fills out[j] = p_{j|i} (out[i] = 0) for the β_i whose row entropy is log(perplexity); returns β_i.
 * Distances are shifted by their minimum so that the nearest neighbour's term is exp(0) = 1 and the
 * sum never underflows however large β grows. H(β) = log S + β E[d] falls monotonically with
 * dH/dβ = −β Var(d), so the search takes Newton steps, falling back to doubling/bisection whenever a
 * step would leave the bracket [lo, hi] known to hold the answer.
 */
function searchRow(dist: Float64Array, i: number, n: number, logPerplexity: number, out: Float64Array): number {
  let dmin = Infinity, mean = 0;
  for (let j = 0; j < n; j++) if (j !== i && dist[j] < dmin) dmin = dist[j];
  for (let j = 0; j < n; j++) if (j !== i) mean += dist[j] - dmin;
  mean /= n - 1;
  let beta = mean > 0 ? 1 / mean : 1;
  let lo = 0, hi = Infinity;
  let sum = 0;
  for (let step = 0; ; step++) {
    sum = 0;
    let sd = 0, sd2 = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = dist[j] - dmin;
      const e = Math.exp(-beta * d);
      out[j] = e;
      sum += e;
      sd += d * e;
      sd2 += d * d * e;
    }
    const ed = sd / sum;
    const h = Math.log(sum) + beta * ed;
    const diff = h - logPerplexity;
    if (Math.abs(diff) < ENTROPY_TOL || step === SEARCH_STEPS - 1) break;
    if (diff > 0) lo = beta; // too flat: sharpen
    else hi = beta;
    const slope = -beta * (sd2 / sum - ed * ed);
    const newton = slope < 0 ? beta - diff / slope : NaN;
    if (newton > lo && newton < hi) beta = newton;
    else beta = hi === Infinity ? beta * 2 : (lo + hi) / 2;
  }
  out[i] = 0;
  for (let j = 0; j < n; j++) out[j] /= sum;
  return beta;
}

/**
 * The conditional input affinities p_{j|i} as a dense n × n row-major matrix (zero diagonal, each row
 * summing to 1) and the precision β_i of each row. For inspection and tests on small n; tsne() never
 * builds this matrix.
 */
export function conditionalAffinities(x: Float32Array, dim: number, options: AffinityOptions = {}): { p: Float64Array; betas: Float64Array } {
  const { rows, n, perplexity } = prepare(x, dim, options);
  const p = new Float64Array(n * n);
  const betas = new Float64Array(n);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sqDistances(rows, n, dim, i, dist);
    betas[i] = searchRow(dist, i, n, Math.log(perplexity), p.subarray(i * n, (i + 1) * n));
  }
  return { p, betas };
}

/** Start of row i of the packed upper triangle: pair (i, j), i < j, lives at rowStart(i) + j − i − 1. */
function rowStart(i: number, n: number): number {
  return i * n - (i * (i + 1)) / 2;
}

/** Symmetric joint P as the packed upper triangle; each stored p_ij stands for both p_ij and p_ji. */
function jointAffinities(rows: Float64Array, n: number, dim: number, perplexity: number): Float64Array {
  const packed = new Float64Array((n * (n - 1)) / 2);
  const dist = new Float64Array(n);
  const cond = new Float64Array(n);
  const logPerplexity = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    sqDistances(rows, n, dim, i, dist);
    searchRow(dist, i, n, logPerplexity, cond);
    for (let j = 0; j < i; j++) packed[rowStart(j, n) + i - j - 1] += cond[j];
    const base = rowStart(i, n) - i - 1;
    for (let j = i + 1; j < n; j++) packed[base + j] += cond[j];
  }
  const scale = 1 / (2 * n);
  for (let k = 0; k < packed.length; k++) packed[k] *= scale;
  return packed;
}

/** KL(P‖Q) in nats: Σ_{i≠j} p log p − Σ p log w + log Z (Σ p = 1); pairs with p = 0 add nothing. */
function klDivergence(P: Float64Array, Y0: Float64Array, Y1: Float64Array, sumPLogP: number): number {
  const n = Y0.length;
  let z = 0, plogw = 0;
  for (let i = 0, k = 0; i < n; i++) {
    const yi0 = Y0[i], yi1 = Y1[i];
    for (let j = i + 1; j < n; j++, k++) {
      const d0 = yi0 - Y0[j], d1 = yi1 - Y1[j];
      const w = 1 / (1 + d0 * d0 + d1 * d1);
      z += w;
      if (P[k] > 0) plogw += P[k] * Math.log(w);
    }
  }
  return sumPLogP - 2 * plogw + Math.log(2 * z);
}

/**
 * The map and the optimiser's state, allocated once: per axis (0 = x, 1 = y, kept in separate arrays,
 * about 15% faster here than interleaved pairs) the coordinates Y, the pair sums A (attractive) and
 * R (repulsive), the last update U and the gains G.
 */
interface MapState {
  Y0: Float64Array; Y1: Float64Array;
  A0: Float64Array; A1: Float64Array; R0: Float64Array; R1: Float64Array;
  U0: Float64Array; U1: Float64Array; G0: Float64Array; G1: Float64Array;
}

function newState(n: number, rand: () => number): MapState {
  const f = () => new Float64Array(n);
  const s: MapState = { Y0: f(), Y1: f(), A0: f(), A1: f(), R0: f(), R1: f(), U0: f(), U1: f(), G0: f().fill(1), G1: f().fill(1) };
  for (let i = 0; i < n; i++) {
    s.Y0[i] = normal(rand, 0, INIT_SD);
    s.Y1[i] = normal(rand, 0, INIT_SD);
  }
  return s;
}

/** A[i] = Σ_j p_ij w_ij (y_i − y_j), R[i] = Σ_j w_ij² (y_i − y_j) per axis; returns Z. One pass over pairs i < j. */
function pairSums(P: Float64Array, s: MapState): number {
  const { Y0, Y1, A0, A1, R0, R1 } = s;
  const n = Y0.length;
  A0.fill(0);
  A1.fill(0);
  R0.fill(0);
  R1.fill(0);
  let z = 0;
  for (let i = 0, k = 0; i < n; i++) {
    const yi0 = Y0[i], yi1 = Y1[i];
    let a0 = 0, a1 = 0, r0 = 0, r1 = 0;
    for (let j = i + 1; j < n; j++, k++) {
      const d0 = yi0 - Y0[j], d1 = yi1 - Y1[j];
      const w = 1 / (1 + d0 * d0 + d1 * d1);
      z += w;
      const pw = P[k] * w, ww = w * w;
      const pd0 = pw * d0, pd1 = pw * d1, wd0 = ww * d0, wd1 = ww * d1;
      a0 += pd0;
      a1 += pd1;
      r0 += wd0;
      r1 += wd1;
      A0[j] -= pd0;
      A1[j] -= pd1;
      R0[j] -= wd0;
      R1[j] -= wd1;
    }
    A0[i] += a0;
    A1[i] += a1;
    R0[i] += r0;
    R1[i] += r1;
  }
  return 2 * z;
}

/**
 * Moves one axis: g = 4(α A − R / Z); delta-bar-delta gains (the update is −η·gain·g, so "g's sign
 * differs from the last update's" means g keeps pointing the same way: speed up); then re-centres.
 */
function stepAxis(Y: Float64Array, A: Float64Array, R: Float64Array, U: Float64Array, G: Float64Array, alpha: number, invZ: number, momentum: number, eta: number): void {
  const n = Y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const g = 4 * (alpha * A[i] - R[i] * invZ);
    G[i] = g > 0 !== U[i] > 0 ? G[i] + 0.2 : Math.max(G[i] * 0.8, MIN_GAIN);
    U[i] = momentum * U[i] - eta * G[i] * g;
    Y[i] += U[i];
    mean += Y[i];
  }
  mean /= n;
  for (let i = 0; i < n; i++) Y[i] -= mean;
}

/**
 * Maps the rows of x (n × dim, row-major) to 2-D. Same input, options and seed → the same map, bit for
 * bit. Invalid input or options: ERR_INVALID_ARGUMENT naming the problem.
 */
export function tsne(x: Float32Array, dim: number, options: TsneOptions = {}): TsneResult {
  const { rows, n, perplexity } = prepare(x, dim, options);
  const d = TSNE_DEFAULTS;
  const iterations = checkNumber('iterations', options.iterations ?? d.iterations, 0, 1e7, true);
  const seed = checkSeed(options.seed ?? d.seed, 't-SNE seed');
  const exaggeration = checkNumber('earlyExaggeration', options.earlyExaggeration ?? d.earlyExaggeration, 1, 1000);
  const exaggerationIterations = checkNumber('exaggerationIterations', options.exaggerationIterations ?? d.exaggerationIterations, 0, 1e7, true);
  const m0 = checkNumber('initialMomentum', options.initialMomentum ?? d.initialMomentum, 0, 0.999);
  const m1 = checkNumber('finalMomentum', options.finalMomentum ?? d.finalMomentum, 0, 0.999);
  const momentumSwitch = checkNumber('momentumSwitchIteration', options.momentumSwitchIteration ?? d.momentumSwitchIteration, 0, 1e7, true);
  const progressEvery = checkNumber('progressEvery', options.progressEvery ?? d.progressEvery, 1, 1e7, true);
  const lr = options.learningRate ?? 'auto';
  if (lr !== 'auto' && !(typeof lr === 'number' && lr > 0 && lr <= 1e6)) bad(`learningRate must be 'auto' or a number in (0, 1e6], got ${String(lr)}`);
  const eta = lr === 'auto' ? Math.max(n / exaggeration / 4, 50) : lr;
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') bad('onProgress must be a function');

  const P = jointAffinities(rows, n, dim, perplexity);
  let sumPLogP = 0;
  for (let k = 0; k < P.length; k++) if (P[k] > 0) sumPLogP += 2 * P[k] * Math.log(P[k]);

  const st = newState(n, mulberry32(seed));
  for (let t = 0; t < iterations; t++) {
    const alpha = t < exaggerationIterations ? exaggeration : 1;
    const momentum = t < momentumSwitch ? m0 : m1;
    const invZ = 1 / pairSums(P, st);
    stepAxis(st.Y0, st.A0, st.R0, st.U0, st.G0, alpha, invZ, momentum, eta);
    stepAxis(st.Y1, st.A1, st.R1, st.U1, st.G1, alpha, invZ, momentum, eta);
    if (onProgress && ((t + 1) % progressEvery === 0 || t + 1 === iterations)) onProgress({ iteration: t + 1, kl: klDivergence(P, st.Y0, st.Y1, sumPLogP) });
  }
  const embedding = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    embedding[2 * i] = st.Y0[i];
    embedding[2 * i + 1] = st.Y1[i];
  }
  return { embedding, kl: klDivergence(P, st.Y0, st.Y1, sumPLogP) };
}
