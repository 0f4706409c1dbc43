/**
 * The codebook of the paper's bag-of-words baseline (van den Oord et al. 2013, Sec. 4.1): k-means with
 * k = 4,000 over MFCC frames (13 coefficients + Δ + ΔΔ, 39 values per frame). The work is native
 * (native/cluster/kmeans.h): k-means++ seeding, Lloyd iterations whose assignment step is a float32 GEMM that
 * falls back to exact double distances on near-ties, so labels equal a double-precision brute force.
 * Both calls run on libuv's pool and return promises; the event loop stays free.
 *
 * Deterministic: the same seed gives the same centroids for any thread count.
 */
import { mapNativeError, nativeAddon } from '../../src/native/addon';
import { mulberry32, sampleInPlace } from '../eval/prng';
import { intArg, invalid, matrixArg, numberArg, threadsArg, describe } from '../../src/native/args';
import { gatherRows } from '../data/gather-rows';

export interface KmeansOptions {
  /** Clusters (codewords). Default 4,000, the paper's dictionary size. */
  k?: number;
  /** Lloyd iterations (centroid updates) at most. Default 100; 0 returns the k-means++ seeds. */
  iterations?: number;
  /** Stop once an iteration lowers the inertia by less than this fraction of it. Default 1e-4. */
  tol?: number;
  /** Seed of the row sample and of k-means++ (integer 0..2^32−1). Default 1. */
  seed?: number;
  /**
   * Rows drawn per k-means++ step. 1 (default): plain k-means++ (D² sampling). More: "greedy" k-means++,
   * keeping the draw that lowers Σ D² most; scikit-learn uses 2 + ⌊ln k⌋ (10 for k = 4,000), which here
   * costs ~14x the seeding time of plain k-means++ for ~0.25 % lower final inertia (bench/README.md).
   */
  initCandidates?: number;
  /**
   * Fit on this many rows drawn uniformly without replacement (seeded), all rows when there are fewer.
   * Default 200,000 (50 frames per codeword at k = 4,000). Assign every frame afterwards with assignKmeans.
   */
  sample?: number;
  /** Worker threads. Default: all cores. */
  threads?: number;
  /** Start from these centroids (k x d) instead of k-means++. */
  init?: Float32Array;
}

export const KMEANS_DEFAULTS = { k: 4000, iterations: 100, tol: 1e-4, seed: 1, initCandidates: 1, sample: 200_000 } as const;

export interface KmeansModel {
  /** k x d, row-major. */
  centroids: Float32Array;
  k: number;
  d: number;
  /** Σ ‖x − c(x)‖² over the fitted rows after each assignment step; [0] is with the seeds. */
  inertia: Float64Array;
  /** Centroid updates made. */
  iterations: number;
  /** True when it stopped because nothing moved or the improvement fell below tol (not the cap). */
  converged: boolean;
  /** Empty clusters re-seeded with the farthest rows, over all iterations. */
  relocated: number;
  /** Nearest centroid of each fitted row (of the sample when one was drawn). */
  labels: Int32Array;
  /** Which rows of x were fitted (ascending), or null when all were. */
  sampleRows: Int32Array | null;
  initSeconds: number;
  lloydSeconds: number;
}

/** Fits k centroids to the rows of x (n x d, row-major float32). */
export async function fitKmeans(x: Float32Array, n: number, d: number, options: KmeansOptions = {}): Promise<KmeansModel> {
  matrixArg('x', x, n, d);
  const k = intArg('k', options.k ?? KMEANS_DEFAULTS.k, 1, 1 << 20);
  const iterations = intArg('iterations', options.iterations ?? KMEANS_DEFAULTS.iterations, 0, 1_000_000);
  const tol = numberArg('tol', options.tol ?? KMEANS_DEFAULTS.tol, 0, 1);
  const seed = intArg('seed', options.seed ?? KMEANS_DEFAULTS.seed, 0, 0xffffffff);
  const candidates = intArg('initCandidates', options.initCandidates ?? KMEANS_DEFAULTS.initCandidates, 1, 1024);
  const sample = intArg('sample', options.sample ?? KMEANS_DEFAULTS.sample, 1, 2 ** 31 - 1);
  const threads = threadsArg(options.threads);
  const init = options.init;
  if (init !== undefined && !(init instanceof Float32Array)) throw invalid(`init must be a Float32Array, got ${describe(init)}`);
  if (init && init.length !== k * d) throw invalid(`init holds ${init.length} values, expected k x d = ${k} x ${d} = ${k * d}`);
  const rows = Math.min(n, sample);
  if (k > rows) throw invalid(`k (${k}) must not exceed the number of rows fitted (${rows}${rows < n ? ', the sample' : ''})`);
  const sampleRows = rows < n ? drawRows(n, rows, seed) : null;
  const fitted = sampleRows ? gatherRows(x, d, sampleRows) : x;
  try {
    const r = await nativeAddon().kmeansFitAsync(fitted, rows, d, k, iterations, tol, seed, candidates, threads, init ?? null);
    return { ...r, k, d, sampleRows };
  } catch (err) {
    return mapNativeError(err);
  }
}

export interface AssignOptions {
  /** Worker threads. Default: all cores. */
  threads?: number;
}

/**
 * The nearest centroid (squared Euclidean distance) of every row of x (n x d): equal to a
 * double-precision brute force, ties to the lowest index. 0.43 M rows/s at k = 4,000, d = 60 on two
 * cores (`npm run bench -- kmeans`).
 */
export async function assignKmeans(x: Float32Array, n: number, d: number, centroids: Float32Array, options: AssignOptions = {}): Promise<Int32Array> {
  matrixArg('x', x, n, d, 0);
  if (!(centroids instanceof Float32Array)) throw invalid(`centroids must be a Float32Array, got ${describe(centroids)}`);
  if (centroids.length === 0 || centroids.length % d !== 0) throw invalid(`centroids hold ${centroids.length} values, not a positive multiple of d = ${d}`);
  const threads = threadsArg(options.threads);
  try {
    const r = await nativeAddon().kmeansAssignAsync(x, n, d, centroids, centroids.length / d, threads);
    return r.labels;
  } catch (err) {
    return mapNativeError(err);
  }
}

/** `count` distinct row indices out of n, uniformly (seeded partial Fisher-Yates), ascending. */
function drawRows(n: number, count: number, seed: number): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  sampleInPlace(mulberry32(seed), all, count);
  return all.slice(0, count).sort();
}
