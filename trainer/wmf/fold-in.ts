/**
 * Fold-in: factors for rows that were not in training, from their interactions and the other side's
 * fixed factors, by the exact ALS solve (like implicit's recalculate_user). New listeners from the songs
 * they played (the engine's listener sessions), or new songs from their listeners (the paper's upper
 * bound for cold-start songs). Many rows go through one native sweep: Y^T Y is built once.
 */
import { nativeAddon } from '../../src/dsp/native';
import { EarshotError } from '../../src/errors';
import { checkCsr, type Csr } from '../data/csr';
import { confidence, type ConfidenceOptions } from './confidence';

export interface FoldInOptions extends ConfidenceOptions {
  factors: number;
  lambda?: number;
  threads?: number;
}

/** rows x cols play counts against fixed (cols x factors) -> rows x factors. */
export async function foldInRows(m: Csr, fixed: Float32Array, o: FoldInOptions): Promise<Float32Array> {
  checkCsr(m, 'fold-in rows');
  const x = new Float32Array(m.rows * o.factors);
  await nativeAddon().alsSweepAsync(m.indptr, m.indices, confidence(m.data, o), x, fixed, o.factors, o.lambda ?? 1e-5, 'exact', 1, o.threads ?? 1);
  return x;
}

/**
 * One row from parallel lists.
 * @param indices the other side's rows this row interacted with (e.g. item indices), unique
 * @param counts play counts, same length
 * @param fixed the other side's factors (rows x factors, row-major)
 */
export async function foldIn(indices: Int32Array, counts: Float32Array, fixed: Float32Array, o: FoldInOptions): Promise<Float32Array> {
  if (indices.length !== counts.length) throw new EarshotError('ERR_INVALID_ARGUMENT', `indices (${indices.length}) and counts (${counts.length}) differ in length`);
  const order = Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
  const sorted = Int32Array.from(order, (k) => indices[k]);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k] === sorted[k - 1]) throw new EarshotError('ERR_INVALID_ARGUMENT', `index ${sorted[k]} appears twice; sum its counts first`);
  }
  const row: Csr = { indptr: Int32Array.of(0, sorted.length), indices: sorted, data: Float32Array.from(order, (k) => counts[k]), rows: 1, cols: fixed.length / o.factors };
  return foldInRows(row, fixed, o);
}
