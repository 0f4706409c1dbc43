/**
 * PCA of the bag-of-words histograms, keeping the fewest components that explain >= 95 % of the
 * variance (van den Oord et al. 2013, Sec. 4.1; it also decorrelates the features for the regression).
 *
 * Two routes to the same components, the cheaper one chosen by default:
 * - covariance: C = X̃ᵀX̃ / (n − 1) (d x d) and its eigenvectors; cost O(n d² + d³), for d <= n.
 * - gram: K = X̃X̃ᵀ (n x n), K u = λ u; then v = X̃ᵀu / √λ is a unit eigenvector of X̃ᵀX̃ with the same λ;
 *   cost O(n² d + n³ + m n d), for n < d (fewer songs than codewords).
 * X̃ is X minus the column means. Both products, the eigensolver and the projections are native and
 * asynchronous.
 */
import { mapNativeError, nativeAddon } from '../../src/native/addon';
import { describe, intArg, invalid, matrixArg, numberArg, threadsArg } from '../../src/native/args';

export interface PcaOptions {
  /** Keep the fewest leading components whose variance is >= this share of the total. Default 0.95. */
  varianceKept?: number;
  /** Keep exactly this many components instead (1..min(d, n − 1)). */
  components?: number;
  /** 'auto' (default): covariance when d <= n, else gram. */
  method?: 'auto' | 'covariance' | 'gram';
  /** Worker threads. Default: all cores. */
  threads?: number;
}

export interface PcaModel {
  /** Column means (d). */
  mean: Float64Array;
  /** m x d, row-major: unit principal axes, by decreasing variance; each one's largest-magnitude entry is positive. */
  components: Float32Array;
  /** Variance along each component (eigenvalues of the covariance with the n − 1 denominator), m values. */
  explainedVariance: Float64Array;
  /** explainedVariance / totalVariance. */
  explainedVarianceRatio: Float64Array;
  /** Sum of the variances of all d features. */
  totalVariance: number;
  features: number;
  count: number;
  method: 'covariance' | 'gram';
}

export const PCA_DEFAULTS = { varianceKept: 0.95 } as const;

/** Fits PCA to the rows of x (n x d, float32, row-major), n >= 2. */
export async function fitPca(x: Float32Array, n: number, d: number, options: PcaOptions = {}): Promise<PcaModel> {
  matrixArg('x', x, n, d, 2);
  const threads = threadsArg(options.threads);
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'covariance' && method !== 'gram') throw invalid(`method must be 'auto', 'covariance' or 'gram', got ${String(method)}`);
  const route = method === 'auto' ? (d <= n ? 'covariance' : 'gram') : method;
  const order = route === 'covariance' ? d : n;
  if (order > 16384) throw invalid(`the ${route} route needs a ${order} x ${order} matrix; at most 16384 is supported (use the other method)`);
  const rank = Math.min(d, n - 1);
  let maxCount = route === 'covariance' ? d : n;
  let fraction: number;
  if (options.components !== undefined) {
    if (options.varianceKept !== undefined) throw invalid('give either components or varianceKept, not both');
    maxCount = intArg('components', options.components, 1, rank);
    fraction = 0;
  } else {
    fraction = numberArg('varianceKept', options.varianceKept ?? PCA_DEFAULTS.varianceKept, Number.MIN_VALUE, 1);
  }
  const mean = columnMeans(x, n, d);
  const addon = nativeAddon();
  try {
    const product = await addon.crossProductAsync(x, n, d, mean, route === 'gram', threads);
    const eig = await addon.symEigenAsync(product, order, maxCount, fraction, threads);
    // Eigenvalues of X̃ᵀX̃ (the Gram matrix shares the non-zero ones); the rank is at most n − 1.
    let total = 0;
    for (const v of eig.values) total += Math.max(v, 0);
    let m = eig.count;
    while (m > 0 && !(eig.values[m - 1] > 0)) m--; // a zero-variance direction is no component
    if (m === 0) throw invalid('x has zero variance: every row is the same');
    const components = route === 'covariance' ? toFloat32(eig.vectors, m * d) : await gramComponents(x, n, d, mean, eig.vectors, m, threads);
    const explainedVariance = new Float64Array(m);
    const explainedVarianceRatio = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      explainedVariance[i] = eig.values[i] / (n - 1);
      explainedVarianceRatio[i] = eig.values[i] / total;
    }
    return { mean, components, explainedVariance, explainedVarianceRatio, totalVariance: total / (n - 1), features: d, count: m, method: route };
  } catch (err) {
    return mapNativeError(err);
  }
}

export interface TransformOptions {
  /** Divide each coordinate by √variance (unit variance on the training rows). Default false. */
  whiten?: boolean;
  threads?: number;
}

/** Projects rows of x (n x d) onto the model's components: n x m, float32. */
export async function transformPca(model: PcaModel, x: Float32Array, n: number, options: TransformOptions = {}): Promise<Float32Array> {
  if (!model || !(model.components instanceof Float32Array) || !(model.mean instanceof Float64Array)) throw invalid(`model must be a PcaModel, got ${describe(model)}`);
  const d = model.features;
  const m = model.count;
  matrixArg('x', x, n, d, 0);
  const threads = threadsArg(options.threads);
  let out: Float32Array;
  try {
    out = await nativeAddon().projectAsync(x, n, d, model.mean, model.components, m, threads);
  } catch (err) {
    return mapNativeError(err);
  }
  if (options.whiten) {
    const scale = Array.from(model.explainedVariance, (v) => 1 / Math.sqrt(v));
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] *= scale[j];
  }
  return out;
}

function columnMeans(x: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) mean[j] += x[row + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

function toFloat32(v: Float64Array, length: number): Float32Array {
  return Float32Array.from(v.subarray(0, length));
}

/**
 * Components from the Gram route: v_i = X̃ᵀ u_i / √λ_i, as one native product U X̃ (U: m x n rows);
 * dividing by the computed norm instead of √λ_i also absorbs the float32 rounding. Signs follow the
 * covariance route's convention.
 */
async function gramComponents(x: Float32Array, n: number, d: number, mean: Float64Array, u: Float64Array, m: number, threads: number): Promise<Float32Array> {
  const xt = new Float32Array(d * n); // X̃ᵀ, d x n
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xt[j * n + i] = x[i * d + j] - mean[j];
  const v = await nativeAddon().projectAsync(Float32Array.from(u.subarray(0, m * n)), m, n, null, xt, d, threads);
  for (let i = 0; i < m; i++) {
    const row = v.subarray(i * d, (i + 1) * d);
    let norm2 = 0;
    let arg = 0;
    for (let j = 0; j < d; j++) {
      norm2 += row[j] * row[j];
      if (Math.abs(row[j]) > Math.abs(row[arg])) arg = j;
    }
    const scale = (row[arg] < 0 ? -1 : 1) / Math.sqrt(norm2);
    for (let j = 0; j < d; j++) row[j] *= scale;
  }
  return v;
}
