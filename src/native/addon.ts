/**
 * The native addon's shape, declared once for TypeScript, and its loader. The addon holds only the
 * hot kernels (native/); every argument has been validated by the TypeScript layer before it gets here,
 * and the addon re-checks what could crash it (types, sizes, finiteness).
 */
import * as path from 'node:path';
import { EarshotError, type EarshotErrorCode } from '../errors';
import { fromNativeError } from './errors';

/** Options object understood by the native mel functions (see native/dsp/mel_config.h). */
export interface NativeMelConfig {
  sampleRateHz: number;
  nFft: number;
  hopSamples: number;
  nMels: number;
  fminHz: number;
  fmaxHz: number; // < 0: sampleRateHz / 2
  htk: boolean;
  slaneyNorm: boolean;
  center: boolean;
  log: 'db' | 'log1p' | 'power';
  aminPower: number;
  refPower: number;
  topDb: number; // < 0: none
  log1pScale: number;
}

export interface NativeMelStream {
  push(samples: Float32Array): Float32Array;
  /** push() writing the frames into `out` from element `offset` on; returns how many (RangeError when they do not fit). */
  pushInto(samples: Float32Array, out: Float32Array, offset: number): number;
  flush(): Float32Array;
  reset(): void;
  lastFrames(count: number): Float32Array;
  /** Frees the native state now; every later call but dispose() throws. */
  dispose(): void;
  readonly framesEmitted: number;
  readonly samplesPushed: number;
}

/** The filter the native resampler designed (read-only `info` of native `Resampler`). */
export interface NativeResamplerInfo {
  readonly inRateHz: number;
  readonly outRateHz: number;
  /** L and M with outRateHz / inRateHz = L / M in lowest terms. */
  readonly upFactor: number;
  readonly downFactor: number;
  /** Multiply-adds per output sample (0 when the rates are equal: a plain copy). */
  readonly taps: number;
  /** The kernel spans (-halfWidth, +halfWidth) input samples around each output instant. */
  readonly halfWidth: number;
  /** Precomputed phase rows: L when exact, S + 1 when `interpolated`. */
  readonly phases: number;
  /** True when L > 4096 (or the exact table would be too large): rows are linearly interpolated. */
  readonly interpolated: boolean;
  /** Kaiser window shape parameter. */
  readonly beta: number;
  readonly cutoffHz: number;
  readonly passbandEdgeHz: number;
  readonly stopbandEdgeHz: number;
}

export interface NativeResampler {
  process(samples: Float32Array): Float32Array;
  /** process() writing into `out` from its start (room for ceil(n · out / in) + 1); returns how many. */
  processInto(samples: Float32Array, out: Float32Array): number;
  flush(): Float32Array;
  reset(): void;
  /** Frees the filter tables and history now; every later call but dispose() throws. */
  dispose(): void;
  readonly info: NativeResamplerInfo;
}

/** What native kmeansFitAsync resolves to (native/cluster/kmeans.h). */
export interface NativeKmeansFit {
  centroids: Float32Array;
  inertia: Float64Array;
  labels: Int32Array;
  iterations: number;
  converged: boolean;
  relocated: number;
  initSeconds: number;
  lloydSeconds: number;
}

export interface NativeAddon {
  kernels(select?: 'generic' | 'avx2' | 'auto'): string | false;
  /** glibc malloc_trim(0): gives every malloc arena's free pages back to the OS; false elsewhere or when none were. */
  trimMemory(): boolean;
  melBatch(samples: Float32Array, cfg: NativeMelConfig): Float32Array;
  melBatchAsync(samples: Float32Array, cfg: NativeMelConfig): Promise<Float32Array>;
  melFilterbank(cfg: NativeMelConfig): Float64Array;
  mfcc(melDb: Float32Array, nMels: number, nMfcc: number): Float32Array;
  delta(values: Float32Array, nCoeffs: number, width: number, order: number): Float32Array;
  MelStream: new (cfg: NativeMelConfig, ringFrames: number) => NativeMelStream;
  Resampler: new (inRateHz: number, outRateHz: number) => NativeResampler;
  /** One ALS half-iteration: X rows re-solved against fixed Y (native/linalg/als_cg.h, als_solver.h). X is updated in place. */
  alsSweepAsync(
    indptr: Int32Array, indices: Int32Array, confidence: Float32Array, X: Float32Array, Y: Float32Array,
    factors: number, lambda: number, solver: 'cg' | 'exact', cgSteps: number, threads: number,
  ): Promise<void>;
  /** The full WMF objective over all (row, col) pairs of X against Y. */
  /** Loads the CUDA ALS library (build-cuda/libearshot_cuda.so) and describes GPU 0; throws the reason if unusable. */
  cudaDeviceInfo(libPath: string): { name: string; memoryBytes: number };
  CudaAls: new (
    libPath: string, userIndptr: Int32Array, userIndices: Int32Array, userConfidence: Float32Array,
    itemIndptr: Int32Array, itemIndices: Int32Array, itemConfidence: Float32Array,
    factors: number, lambda: number, cgSteps: number, X0: Float32Array, Y0: Float32Array,
  ) => { iterate(): void; download(): { userFactors: Float32Array; itemFactors: Float32Array }; dispose(): void };
  alsLoss(indptr: Int32Array, indices: Int32Array, confidence: Float32Array, X: Float32Array, Y: Float32Array, factors: number, lambda: number, threads: number): number;
  /** k-means++ (unless `init`) then Lloyd iterations on x (n x d); x is pinned until the promise settles. */
  kmeansFitAsync(
    x: Float32Array, n: number, d: number, k: number, iterations: number, tol: number, seed: number,
    initCandidates: number, threads: number, init: Float32Array | null,
  ): Promise<NativeKmeansFit>;
  /** Nearest centroid per row (exact up to ties) and the summed squared distances. */
  kmeansAssignAsync(x: Float32Array, n: number, d: number, centroids: Float32Array, k: number, threads: number): Promise<{ labels: Int32Array; inertia: number }>;
  /** (x − mean)ᵀ(x − mean) (cols x cols), or with gram (x − mean)(x − mean)ᵀ (rows x rows), float64. */
  crossProductAsync(x: Float32Array, rows: number, cols: number, mean: Float64Array | null, gram: boolean, threads: number): Promise<Float64Array>;
  /**
   * Symmetric eigendecomposition (lower triangle read): all eigenvalues descending, and the leading
   * eigenvectors as rows: maxVectors of them, or fewer when varianceFraction > 0 (the PCA rule).
   */
  symEigenAsync(a: Float64Array, n: number, maxVectors: number, varianceFraction: number, threads: number): Promise<{ values: Float64Array; vectors: Float64Array; count: number }>;
  /** (x − mean) bᵀ: rows x cols float32, x rows x depth, b cols x depth. */
  projectAsync(x: Float32Array, rows: number, depth: number, mean: Float64Array | null, b: Float32Array, cols: number, threads: number): Promise<Float32Array>;
  /**
   * Exact top k of items [0, n) of Y (row-major, f per row) by (q·y) × scale[i] for each of nq queries:
   * per query best first (score descending, ties to the lower index). native/search/topk.h.
   */
  catalogTopK(Y: Float32Array, n: number, f: number, queries: Float32Array, nq: number, k: number, scale: Float32Array | null, threads: number): NativeHits;
  /**
   * Inverted-file index (native/search/ivf_index.h): rows 0..labels.length-1 of Y, with their scale (1/‖y‖ for
   * cosine), copied into the given lists.
   */
  IvfIndex: new (centroids: Float32Array, nlist: number, f: number, labels: Int32Array, Y: Float32Array, scale: Float32Array) => NativeIvfIndex;
  /** Exact ALS row solves against fixed Y with gram = YᵀY given (alsSweepAsync recomputes it per call). */
  alsSolveRowsAsync(
    indptr: Int32Array, indices: Int32Array, confidence: Float32Array, Y: Float32Array, f: number, lambda: number, gram: Float64Array, threads: number,
  ): Promise<Float32Array>;
}

/** nq x k results, query-major: indices[j * k + t] is query j's t-th best item (-1 past what was found). */
export interface NativeHits {
  indices: Int32Array;
  scores: Float32Array;
}

export interface NativeIvfIndex {
  /** Assigns rows [rows, end) of Y to their nearest centroid, appends them (and their scale); returns their lists. */
  add(Y: Float32Array, scale: Float32Array, end: number): Int32Array;
  /**
   * Visits the nprobe lists whose centroids score best (c·q × centroidScale) and scans them exactly by
   * q·y, times the row's scale when `scaled`.
   */
  search(queries: Float32Array, nq: number, k: number, nprobe: number, scaled: boolean, centroidScale: Float32Array | null, threads: number): NativeHits;
  listSizes(): Int32Array;
  /** Frees the lists now instead of at garbage collection; every later call but dispose() throws ERR_INVALID_STATE. */
  dispose(): void;
  readonly rows: number;
  readonly lists: number;
}

let cached: NativeAddon | undefined;

/** Loads build/Release/earshot_native.node (built by `npm install` through node-gyp). */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  // dist/src/native/addon.js -> repository root is three levels up. EARSHOT_NATIVE_ADDON names another
  // build (a debug or sanitizer build of the same sources).
  const file = process.env.EARSHOT_NATIVE_ADDON || path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'earshot_native.node');
  try {
    cached = require(file) as NativeAddon;
  } catch (err) {
    throw new EarshotError(
      'ERR_NATIVE_UNAVAILABLE',
      `earshot's native addon could not be loaded from ${file} (${(err as Error).message.split('\n')[0]}); run \`npm install\` (or \`npx node-gyp rebuild\`) to build it`,
      { cause: err },
    );
  }
  return cached;
}

/** The codes earshot_native may put in front of a message (native/napi/args.h, owning_wrap.h). */
const ADDON_CODES: readonly EarshotErrorCode[] = ['ERR_NOT_FINITE', 'ERR_INVALID_STATE'];

/**
 * Rethrows an error of the addon as an EarshotError with a stable code (src/native/errors.ts): non-finite
 * input is ERR_NOT_FINITE, other RangeErrors/TypeErrors are ERR_INVALID_ARGUMENT; anything else as it is.
 */
export function mapNativeError(err: unknown): never {
  throw fromNativeError(err, ADDON_CODES);
}
