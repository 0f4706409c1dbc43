/**
 * Fold-in: factors for rows that were not in training, from their interactions and the other side's
 * fixed factors, by the exact ALS solve (like implicit's recalculate_user). New listeners from the songs
 * they played (the engine's listener sessions, src/catalog/fold-in.ts, whose single-row `foldIn` and
 * options this module shares), or new songs from their listeners (the paper's upper bound for
 * cold-start songs). Many rows go through one native sweep: Y^T Y is built once.
 */
import { nativeAddon } from '../../src/native/addon';
import { confidence } from '../../src/catalog/confidence';
import { FOLD_IN_DEFAULTS, type FoldInOptions } from '../../src/catalog/fold-in';
import { checkCsr, type Csr } from '../data/csr';

export { foldIn, FOLD_IN_DEFAULTS, type FoldInOptions } from '../../src/catalog/fold-in';

/** rows x cols play counts against fixed (cols x factors) -> rows x factors. */
export async function foldInRows(m: Csr, fixed: Float32Array, o: FoldInOptions): Promise<Float32Array> {
  checkCsr(m, 'fold-in rows');
  const x = new Float32Array(m.rows * o.factors);
  await nativeAddon().alsSweepAsync(m.indptr, m.indices, confidence(m.data, o), x, fixed, o.factors, o.lambda ?? FOLD_IN_DEFAULTS.lambda, 'exact', 1, o.threads ?? 1);
  return x;
}
