/**
 * YᵀY, the Gram matrix of a factor matrix: the one catalogue-wide term of a fold-in (./fold-in.ts). The
 * catalogue keeps it (Catalog.gram(), updated with added songs' rows alone, removed ones subtracted); a fold-in without one
 * computes it. F²/2 multiply-adds per row in float64, on the addon's worker threads.
 */
import { nativeAddon } from '../native/addon';

/** YᵀY (f x f, float64) of rows x f factors, off the event loop. */
export function gramOf(y: Float32Array, rows: number, f: number, threads: number): Promise<Float64Array> {
  if (rows === 0) return Promise.resolve(new Float64Array(f * f));
  return nativeAddon().crossProductAsync(y.subarray(0, rows * f), rows, f, null, false, threads);
}

/** gram -= y_r y_rᵀ for row r of y (rows x f): a removed song leaving YᵀY (float64, f² multiply-adds). */
export function subtractOuter(gram: Float64Array, y: Float32Array, r: number, f: number): void {
  const o = r * f;
  for (let a = 0; a < f; a++) {
    const ya = y[o + a];
    for (let b = 0; b < f; b++) gram[a * f + b] -= ya * y[o + b];
  }
}
