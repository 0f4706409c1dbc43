/**
 * Fold-in: factors for a row that was not in training, from its interactions and the other side's
 * fixed factors, by the exact ALS solve (like implicit's recalculate_user). A new listener from the
 * songs they played (the engine's listener sessions), or a new song from its listeners.
 */
import { nativeAddon } from '../../src/dsp/native';
import { EarshotError } from '../../src/errors';
import { confidence, type ConfidenceOptions } from './confidence';

export interface FoldInOptions extends ConfidenceOptions {
  factors: number;
  lambda?: number;
}

/**
 * @param indices the other side's rows this row interacted with (e.g. item indices), unique
 * @param counts play counts, same length
 * @param fixed the other side's factors (rows x factors, row-major)
 */
export async function foldIn(indices: Int32Array, counts: Float32Array, fixed: Float32Array, o: FoldInOptions): Promise<Float32Array> {
  const f = o.factors;
  if (indices.length !== counts.length) throw new EarshotError('ERR_INVALID_ARGUMENT', `indices (${indices.length}) and counts (${counts.length}) differ in length`);
  const order = Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
  const sortedIdx = Int32Array.from(order, (k) => indices[k]);
  for (let k = 1; k < sortedIdx.length; k++) {
    if (sortedIdx[k] === sortedIdx[k - 1]) throw new EarshotError('ERR_INVALID_ARGUMENT', `index ${sortedIdx[k]} appears twice; sum its counts first`);
  }
  const conf = confidence(Float32Array.from(order, (k) => counts[k]), o);
  const x = new Float32Array(f);
  await nativeAddon().alsSweepAsync(Int32Array.of(0, sortedIdx.length), sortedIdx, conf, x, fixed, f, o.lambda ?? 1e-5, 'exact', 1, 1);
  return x;
}
