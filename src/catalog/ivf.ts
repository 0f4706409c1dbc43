/**
 * The approximate index of a large catalogue: an inverted file (IVF). k-means (native/cluster/kmeans.h, the
 * bag-of-words baseline's) splits the items into √N lists around centroids; a query visits the nprobe
 * lists whose centroids score best (q·c for 'dot', q·c/‖c‖ for 'cosine') and scans them exactly with
 * the native kernel, so every returned score equals the exact search's. Each list holds a contiguous
 * copy of its songs' factors ((F + 2) x 4 bytes per song: scanning rows gathered from the catalogue was
 * 4-5x slower); new songs join their nearest list in microseconds, without a rebuild.
 *
 * Why not HNSW (hnswlib-node): it builds from npm, but one thread inserts ~5,300 points/s at F = 50
 * (18.7 s for 100 k items, minutes for 1 M), against seconds here; and its 'ip' space has no cosine/dot
 * pair over one index.
 *
 * nprobe is calibrated at build time, per metric: how many lists a query needs is a property of the
 * data (1.6 % to 15 % of the lists for recall@50 = 0.95 on synthetic catalogues of different spread), so
 * a fixed fraction is either slow or inaccurate. The calibration takes the exact top 50 of sample
 * queries and, for each true neighbour, the rank of its list in the query's probe order; the smallest
 * nprobe whose mean recall reaches the target is kept (no search is repeated).
 */
import { nativeAddon, type NativeIvfIndex } from '../native/addon';
import { intArg, invalid, threadsArg, vectorsArg } from '../native/args';
import type { Metric } from './hit';

export interface AnnOptions {
  /** Lists (k-means centroids). Default round(√N) at build time. */
  lists?: number;
  /** Lists visited per query (at most all); default: calibrated per metric at build time to reach targetRecall. */
  nprobe?: number;
  /** Mean recall@50 against the exact search that the calibration aims for. Default 0.95. */
  targetRecall?: number;
  /**
   * Queries for the calibration (m x F, row-major), e.g. the network's predictions for held-out songs.
   * Default: 128 catalogue items, each displaced by another item's offset from its centroid (a query as
   * far from its song as songs are from their cluster's centre, and then some).
   */
  calibrationQueries?: Float32Array;
  /** Worker threads for k-means and the calibration. Default: all cores. */
  threads?: number;
}

export const ANN_DEFAULTS = {
  targetRecall: 0.95,
  /** k-means is fitted on this many items per list (a strided sample), then every item is assigned. */
  samplePerList: 64,
  iterations: 10,
  calibrationQueries: 128,
  /** The recall the calibration measures: recall@50. */
  calibrationK: 50,
} as const;

export interface AnnIndex {
  ivf: NativeIvfIndex;
  lists: number;
  centroids: Float32Array;
  /** 1/‖c‖ per list (0 for a zero centroid): the cosine probe order. */
  centroidInvNorm: Float32Array;
  nprobe: Record<Metric, number>;
  /** Mean recall@50 of the calibration queries at that nprobe (NaN when nprobe was given). */
  calibratedRecall: Record<Metric, number>;
  buildSeconds: number;
}

/** Builds the index of rows [0, n) of factors (n x f); itemInvNorm: 1/‖y_i‖ per row (cosine). */
export async function buildAnnIndex(factors: Float32Array, n: number, f: number, itemInvNorm: Float32Array, o: AnnOptions & { threads: number }): Promise<AnnIndex> {
  const t0 = process.hrtime.bigint();
  const addon = nativeAddon();
  const lists = Math.min(n, o.lists ?? Math.max(1, Math.round(Math.sqrt(n))));
  const m = Math.min(n, lists * ANN_DEFAULTS.samplePerList);
  const sample = new Float32Array(m * f);
  // A strided sample: deterministic, and even over a catalogue stored in any order.
  for (let j = 0; j < m; j++) {
    const i = Math.floor(((j + 0.5) * n) / m);
    sample.set(factors.subarray(i * f, i * f + f), j * f);
  }
  const fit = await addon.kmeansFitAsync(sample, m, f, lists, ANN_DEFAULTS.iterations, 1e-3, 1, 1, o.threads, null);
  const { labels } = await addon.kmeansAssignAsync(factors.subarray(0, n * f), n, f, fit.centroids, lists, o.threads);
  const ivf = new addon.IvfIndex(fit.centroids, lists, f, labels, factors, itemInvNorm);
  const centroidInvNorm = inverseNorms(fit.centroids, lists, f);
  const index: AnnIndex = {
    ivf, lists, centroids: fit.centroids, centroidInvNorm,
    nprobe: { dot: Math.min(lists, o.nprobe ?? lists), cosine: Math.min(lists, o.nprobe ?? lists) },
    calibratedRecall: { dot: NaN, cosine: NaN },
    buildSeconds: 0,
  };
  if (o.nprobe === undefined) {
    const queries = o.calibrationQueries ?? displacedItems(factors, n, f, fit.centroids, labels);
    for (const metric of ['dot', 'cosine'] as const) {
      const c = calibrate(factors, n, f, labels, index, queries, metric, metric === 'cosine' ? itemInvNorm : null, o);
      index.nprobe[metric] = c.nprobe;
      index.calibratedRecall[metric] = c.recall;
    }
  }
  index.buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return index;
}

/** 1/‖row‖ per row (float64 sums), 0 for a zero row. */
export function inverseNorms(x: Float32Array, rows: number, f: number, out = new Float32Array(rows), offset = 0): Float32Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let t = 0; t < f; t++) s += x[i * f + t] * x[i * f + t];
    out[offset + i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return out;
}

/** Unit-length copies of the queries (a zero query stays zero): cosine = q̂·y × 1/‖y‖. */
export function normalizeRows(q: Float32Array, rows: number, f: number): Float32Array {
  const inv = inverseNorms(q, rows, f);
  return q.map((v, j) => v * inv[Math.floor(j / f)]);
}

function displacedItems(factors: Float32Array, n: number, f: number, centroids: Float32Array, labels: Int32Array): Float32Array {
  const m = Math.min(n, ANN_DEFAULTS.calibrationQueries);
  const q = new Float32Array(m * f);
  for (let j = 0; j < m; j++) {
    const i = Math.floor(((j + 0.5) * n) / m);  // the song
    const d = Math.floor(((j + 0.25) * n) / m + n / 2) % n;  // the offset donor: another cluster's member
    for (let t = 0; t < f; t++) q[j * f + t] = factors[i * f + t] + factors[d * f + t] - centroids[labels[d] * f + t];
  }
  return q;
}

function calibrate(
  factors: Float32Array, n: number, f: number, labels: Int32Array, index: AnnIndex, rawQueries: Float32Array,
  metric: Metric, itemScale: Float32Array | null, o: { targetRecall?: number; threads: number },
): { nprobe: number; recall: number } {
  const addon = nativeAddon();
  const nq = rawQueries.length / f;
  const k = Math.min(n, ANN_DEFAULTS.calibrationK);
  const queries = metric === 'cosine' ? normalizeRows(rawQueries, nq, f) : rawQueries;
  const truth = addon.catalogTopK(factors, n, f, queries, nq, k, itemScale, o.threads);
  // Every list in each query's probe order: the IVF search ranks lists with this same kernel and order.
  const lists = index.lists;
  const order = addon.catalogTopK(index.centroids, lists, f, queries, nq, lists, metric === 'cosine' ? index.centroidInvNorm : null, o.threads);
  const needed = new Float64Array(lists + 1); // needed[r]: true neighbours whose list is r-th in probe order
  const rank = new Int32Array(lists);
  for (let j = 0; j < nq; j++) {
    for (let r = 0; r < lists; r++) rank[order.indices[j * lists + r]] = r;
    for (let t = 0; t < k; t++) needed[rank[labels[truth.indices[j * k + t]]]]++;
  }
  const target = o.targetRecall ?? ANN_DEFAULTS.targetRecall;
  let found = 0;
  for (let p = 1; p <= lists; p++) {
    found += needed[p - 1];
    const recall = found / (nq * k);
    if (recall >= target || p === lists) return { nprobe: p, recall };
  }
  return { nprobe: lists, recall: 1 };
}
/** The index options checked once, at the catalogue's construction (ERR_INVALID_ARGUMENT naming the option). */
export function checkAnnOptions(o: AnnOptions, f: number): AnnOptions {
  if (o.lists !== undefined) intArg('ann.lists', o.lists, 1, 1 << 22);
  if (o.nprobe !== undefined) intArg('ann.nprobe', o.nprobe, 1, 1 << 22);
  if (o.threads !== undefined) threadsArg(o.threads);
  const r = o.targetRecall ?? ANN_DEFAULTS.targetRecall;
  if (typeof r !== 'number' || !(r > 0 && r <= 1)) throw invalid(`ann.targetRecall must be a number in (0, 1], got ${String(r)}`);
  const q = o.calibrationQueries;
  if (q !== undefined) {
    if (!(q instanceof Float32Array) || q.length === 0 || q.length % f !== 0) throw invalid(`ann.calibrationQueries must be a non-empty Float32Array of m x F = m x ${f} values`);
    vectorsArg('ann.calibrationQueries', q, q.length / f, f);
  }
  return o;
}
