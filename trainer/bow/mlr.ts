/**
 * MLR, metric learning to rank (McFee & Lanckriet, ICML 2010): the metric baseline of van den Oord
 * et al. 2013, Table 2, on the bag-of-words features. It learns a PSD matrix W so that, for each
 * training song q, its relevant songs (the r nearest by cosine of their WMF factors, as McFee et al.
 * 2012 define relevance from collaborative filtering) rank above the others under
 * d_W(a, b) = (a − b)ᵀ W (a − b):
 *
 *   min_{W ⪰ 0}  reg(W) + C ξ   s.t.  ⟨W, G_t⟩_F ≥ Δ_t − ξ  for every constraint t in the working set,
 *
 * a 1-slack structural SVM with the AUC loss, solved by cutting planes (Joachims, Finley & Yu 2009):
 * the oracle (mlr-oracle.ts) adds the most violated constraint of the current W, and the restricted
 * problem over the working set is re-solved by ADMM with a PSD projection (native eigensolver) every
 * step (mlr-solver.ts, as MLR's own util/mlr_admm.m). The loop starts from W = 0 and stops when the
 * new constraint is violated by at most ε beyond the working set's ξ, MLR's test.
 *
 * Units. Training works on the first `dims` feature columns, centred and divided by one global scale s
 * (s² = mean squared distance of a song to the centroid), so the identity metric gives a mean pairwise
 * distance of 2 whatever the features' units; C, the objective and ξ are in those units (Δ and ξ are
 * fractions of mis-ordered pairs). The returned W is for the raw (centred) columns: W_raw = W / s².
 *
 * MLR learns a metric, not factors; predictFactorsByNeighbours turns it into the factor prediction the
 * cold-start experiment needs: a cold-start song gets the mean WMF factors of its k nearest
 * training songs under d_W.
 */
import { describe, intArg, invalid, matrixArg, numberArg } from '../../src/native/args';
import { metricProducts, meanRankingAuc, separationOracle } from './mlr-oracle';
import { dot, regValue, RestrictedSolver, type MlrRegularizer } from './mlr-solver';

export type { MlrRegularizer } from './mlr-solver';

export interface MlrOptions {
  /** Leading feature columns used (W is dims x dims). Default min(64, d). */
  dims?: number;
  /**
   * Slack trade-off C > 0 (normalised units above). Default 100. With trace regularisation W stays 0
   * unless C exceeds 1/λ_max(G_1), G_1 the first constraint (the one at W = 0); on synthetic 64-column
   * PCA-like features whose WMF-related signal ranged from strong to weak that bound was 3 to 27, so 100
   * lets the metric grow in every case while tr W still keeps it low-rank. It is not tuned for the
   * paper's data: sweep it on validation songs (MLR's authors swept C over powers of 10).
   */
  C?: number;
  /** 'trace' (tr W, MLR's default, favours low rank) or 'frobenius' (½‖W‖²_F). Default 'trace'. */
  regularizer?: MlrRegularizer;
  /** Stop when the most violated constraint exceeds the working set's slack ξ by at most this (AUC-loss units). Default 1e-3, MLR's. */
  epsilon?: number;
  /** Cutting-plane rounds (constraints added) at most. Default 100. */
  maxIterations?: number;
  /** ADMM iterations (each one dims x dims eigendecomposition) per restricted problem at most. Default 200. */
  maxSteps?: number;
  /** Threads for the dims x dims eigendecompositions. Default 1: at 64 x 64 a second thread costs more than it saves. */
  threads?: number;
  /** Called after every cutting-plane round. */
  onIteration?: (it: MlrIteration) => void;
}

export interface MlrIteration {
  iteration: number;
  /** reg(W) + C ξ over the working set, after solving it. */
  objective: number;
  /** Slack of the working set at the new W. */
  xi: number;
  /** Δ − ⟨W, G⟩ of the constraint just added, at the W that produced it. */
  violation: number;
  /** Δ of that constraint: mean AUC loss of the most violated rankings. */
  loss: number;
  constraints: number;
  /** ADMM iterations the restricted solver took. */
  steps: number;
  /** Since training started. */
  seconds: number;
}

/** A learned metric on the first `dims` of `features` columns. */
export interface MlrMetric {
  /** dims x dims, row-major, PSD; for the raw columns minus `center`. */
  W: Float64Array;
  dims: number;
  /** Columns per row of the feature matrices this metric reads (d). */
  features: number;
  /** Training column means (dims): distances are computed on centred rows, for float64 accuracy. */
  center: Float64Array;
}

export interface MlrModel extends MlrMetric {
  /** Cutting-plane rounds run. */
  iterations: number;
  /** The full 1-slack objective at the returned W: reg(W) + C · (most violated constraint's violation), normalised units. */
  objective: number;
  /** Working-set slack at the returned W. */
  xi: number;
  /** Violation Δ − ⟨W, G⟩ of the most violated constraint at the returned W. */
  violation: number;
  /** violation <= xi + epsilon. */
  converged: boolean;
  /** Mean AUC of the training queries under W. */
  trainAuc: number;
  seconds: number;
}

export const MLR_DEFAULTS = { dims: 64, C: 100, regularizer: 'trace', epsilon: 1e-3, maxIterations: 100, maxSteps: 200, neighbours: 10, relevant: 10 } as const;

/**
 * For each song, its r nearest other songs by cosine similarity of the WMF factor rows (factors: n x f),
 * most similar first, ties to the lower index. An all-zero row has similarity 0 to every song.
 */
export function relevantByFactors(factors: Float32Array, n: number, f: number, r: number = MLR_DEFAULTS.relevant): Int32Array[] {
  finiteMatrix('factors', factors, n, f, 2);
  intArg('r', r, 1, n - 1);
  const unit = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < f; a++) s += factors[i * f + a] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let a = 0; a < f; a++) unit[i * f + a] = factors[i * f + a] * inv;
  }
  const key = new Float64Array(n);
  return Array.from({ length: n }, (_, i) => {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let a = 0; a < f; a++) dot += unit[i * f + a] * unit[j * f + a];
      key[j] = -dot;
    }
    return smallest(key, n, r, i);
  });
}

/** Learns W from training rows x (n x d, float32) and each row's relevant rows (indices, not itself). */
export async function trainMlr(x: Float32Array, n: number, d: number, relevant: readonly ArrayLike<number>[], options: MlrOptions = {}): Promise<MlrModel> {
  const t0 = performance.now();
  finiteMatrix('x', x, n, d, 3);
  const rel = relevanceArg(relevant, n);
  const dims = options.dims === undefined ? Math.min(MLR_DEFAULTS.dims, d) : intArg('dims', options.dims, 1, d);
  const C = numberArg('C', options.C ?? MLR_DEFAULTS.C, Number.MIN_VALUE, Number.MAX_VALUE);
  const reg = options.regularizer ?? MLR_DEFAULTS.regularizer;
  if (reg !== 'trace' && reg !== 'frobenius') throw invalid(`regularizer must be 'trace' or 'frobenius', got ${String(reg)}`);
  const epsilon = numberArg('epsilon', options.epsilon ?? MLR_DEFAULTS.epsilon, Number.MIN_VALUE, 1);
  const maxIterations = intArg('maxIterations', options.maxIterations ?? MLR_DEFAULTS.maxIterations, 1, 1e6);
  const maxSteps = intArg('maxSteps', options.maxSteps ?? MLR_DEFAULTS.maxSteps, 1, 1e7);
  const threads = intArg('threads', options.threads ?? 1, 1, 1024);
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function') throw invalid(`onIteration must be a function, got ${describe(options.onIteration)}`);

  const center = columnMeans(x, n, d, dims);
  const xs = centred(x, n, d, dims, center);
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i] * xs[i];
  if (!(total > 0)) throw invalid(`x has zero variance in its first ${dims} columns: every row is the same`);
  const scale = Math.sqrt(n / total); // 1 / s
  for (let i = 0; i < xs.length; i++) xs[i] *= scale;

  const solver = new RestrictedSolver(dims, C, reg, maxSteps, threads);
  let w: Float64Array = new Float64Array(dims * dims); // MLR starts from W = 0
  let xi = 0;
  let iterations = 0;
  let violation: number;
  for (;;) {
    const c = separationOracle(xs, n, dims, w, rel);
    violation = c.loss - dot(w, c.g);
    if (violation <= xi + epsilon || iterations === maxIterations) break;
    const solved = await solver.add(c.g, c.loss);
    w = solved.w;
    xi = solved.xi;
    iterations++;
    options.onIteration?.({ iteration: iterations, objective: solved.objective, xi, violation, loss: c.loss, constraints: iterations, steps: solved.steps, seconds: (performance.now() - t0) / 1e3 });
  }
  const trainAuc = meanRankingAuc(xs, n, dims, w, rel);
  const objective = regValue(w, dims, reg) + C * Math.max(0, violation);
  const wRaw = w.map((v) => v * scale * scale);
  return { W: wRaw, dims, features: d, center, iterations, objective, xi, violation, converged: violation <= xi + epsilon, trainAuc, seconds: (performance.now() - t0) / 1e3 };
}

/** Mean AUC of the queries among the rows of x (n x features) under the metric, relevant as for trainMlr. */
export function metricAuc(metric: MlrMetric, x: Float32Array, n: number, relevant: readonly ArrayLike<number>[]): number {
  metricArg(metric);
  finiteMatrix('x', x, n, metric.features, 3);
  const rel = relevanceArg(relevant, n);
  return meanRankingAuc(centred(x, n, metric.features, metric.dims, metric.center), n, metric.dims, metric.W, rel);
}

/**
 * Factors for cold-start songs: the mean WMF factor row of each one's k nearest training songs under
 * d_W (ties to the lower index). trainX: nTrain x features, trainFactors: nTrain x f, coldX:
 * nCold x features. Returns nCold x f.
 */
export function predictFactorsByNeighbours(
  model: MlrMetric, trainX: Float32Array, trainFactors: Float32Array, coldX: Float32Array, nCold: number, f: number, k: number = MLR_DEFAULTS.neighbours,
): Float32Array {
  metricArg(model);
  const d = model.features;
  if (!(trainX instanceof Float32Array)) throw invalid(`trainX must be a Float32Array, got ${describe(trainX)}`);
  if (trainX.length === 0 || trainX.length % d !== 0) throw invalid(`trainX holds ${trainX.length} values, not a positive multiple of the model's ${d} features`);
  const nTrain = trainX.length / d;
  finiteMatrix('trainX', trainX, nTrain, d, 1);
  intArg('f', f, 1, 2 ** 31 - 1);
  finiteMatrix('trainFactors', trainFactors, nTrain, f, 1);
  finiteMatrix('coldX', coldX, nCold, d, 0);
  intArg('k', k, 1, nTrain);
  const dims = model.dims;
  const tr = centred(trainX, nTrain, d, dims, model.center);
  const cold = centred(coldX, nCold, d, dims, model.center);
  const { sq } = metricProducts(tr, nTrain, dims, model.W);
  const { z: zc, sq: sqc } = metricProducts(cold, nCold, dims, model.W);
  const dist: Float64Array = new Float64Array(nTrain);
  const out = new Float32Array(nCold * f);
  const mean = new Float64Array(f);
  for (let c = 0; c < nCold; c++) {
    for (let j = 0; j < nTrain; j++) {
      let s = 0;
      for (let a = 0; a < dims; a++) s += zc[c * dims + a] * tr[j * dims + a];
      dist[j] = sqc[c] + sq[j] - 2 * s;
    }
    mean.fill(0);
    for (const j of smallest(dist, nTrain, k, -1)) for (let a = 0; a < f; a++) mean[a] += trainFactors[j * f + a];
    for (let a = 0; a < f; a++) out[c * f + a] = mean[a] / k;
  }
  return out;
}

/** The k indices with the smallest key (ties: lower index first), ascending; `skip` is left out. */
function smallest(key: Float64Array, n: number, k: number, skip: number): Int32Array {
  const idx = new Int32Array(k);
  let size = 0;
  for (let j = 0; j < n; j++) {
    if (j === skip) continue;
    const v = key[j];
    if (size === k && !(v < key[idx[k - 1]])) continue; // equal keys keep the earlier (lower) index
    let p = size < k ? size++ : k - 1;
    while (p > 0 && v < key[idx[p - 1]]) {
      idx[p] = idx[p - 1];
      p--;
    }
    idx[p] = j;
  }
  return idx;
}

function columnMeans(x: Float32Array, n: number, d: number, dims: number): Float64Array {
  const mean = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let a = 0; a < dims; a++) mean[a] += x[i * d + a];
  for (let a = 0; a < dims; a++) mean[a] /= n;
  return mean;
}

/** The first dims columns of x (n x d), minus center, as float64 (n x dims). */
function centred(x: Float32Array, n: number, d: number, dims: number, center: Float64Array): Float64Array {
  const out = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) for (let a = 0; a < dims; a++) out[i * dims + a] = x[i * d + a] - center[a];
  return out;
}

/** A Float32Array of rows x cols finite values, rows >= minRows. */
function finiteMatrix(name: string, x: unknown, rows: unknown, cols: unknown, minRows: number): void {
  const { cols: c } = matrixArg(name, x, rows, cols, minRows);
  const v = x as Float32Array;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw invalid(`${name} is not finite at row ${Math.floor(i / c)}, column ${i % c}: ${v[i]}`);
}

function metricArg(m: MlrMetric): void {
  if (!m || !(m.W instanceof Float64Array) || !(m.center instanceof Float64Array)) throw invalid(`model must be an MlrMetric (W, center: Float64Array), got ${describe(m)}`);
  intArg('model features', m.features, 1, 2 ** 31 - 1);
  intArg('model dims', m.dims, 1, m.features);
  if (m.W.length !== m.dims * m.dims || m.center.length !== m.dims) throw invalid(`model W holds ${m.W.length} values and center ${m.center.length}; expected ${m.dims} x ${m.dims} and ${m.dims}`);
}

/** relevant[q]: distinct integer indices in 0..n−1 other than q; some query must have both kinds. */
function relevanceArg(relevant: readonly ArrayLike<number>[], n: number): Int32Array[] {
  if (!Array.isArray(relevant)) throw invalid(`relevant must be an array of index lists, got ${describe(relevant)}`);
  if (relevant.length !== n) throw invalid(`relevant has ${relevant.length} lists, expected one per row (${n})`);
  const seen = new Int32Array(n).fill(-1);
  let usable = 0;
  const out = relevant.map((list, q) => {
    if (list === null || typeof list !== 'object' || typeof list.length !== 'number') throw invalid(`relevant[${q}] must be an array of indices, got ${describe(list)}`);
    const r = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const j = list[i];
      if (!Number.isInteger(j) || j < 0 || j >= n) throw invalid(`relevant[${q}][${i}] must be a row index in 0..${n - 1}, got ${String(j)}`);
      if (j === q) throw invalid(`relevant[${q}] lists the query itself`);
      if (seen[j] === q) throw invalid(`relevant[${q}] lists row ${j} twice`);
      seen[j] = q;
      r[i] = j;
    }
    if (r.length > 0 && r.length < n - 1) usable++;
    return r;
  });
  if (usable === 0) throw invalid('relevant: no query has both relevant and irrelevant rows, so there is nothing to rank');
  return out;
}
