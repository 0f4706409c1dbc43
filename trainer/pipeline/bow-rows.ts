/**
 * The bag-of-words rows of the cold-start experiment (paper Sec. 4.1: linear regression, MLR and the
 * MLP on PCA'd MFCC codeword histograms, trainer/bow/baseline.ts), as runExperiment's extraRows: they
 * are fitted on the split's training songs and predict the held-out ones. The PCA features of the
 * training songs are kept for the report's tag experiment.
 */
import { bowFeatures, bowPredictions, mlrPredictions } from '../bow/baseline';
import type { FeatureStore } from '../features/store';
import { gatherRows } from '../data/gather-rows';
import type { ExperimentContext, RowName } from '../report/experiment';

/** The rows in the report's order. */
export const BOW_ROWS: readonly RowName[] = ['bow-linear', 'bow-mlr', 'bow-mlp'];

export interface BowRowsOptions {
  /** Dictionary size (default 4000, the paper's). */
  k?: number;
  seed: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface BowRows {
  extraRows: (ctx: ExperimentContext) => Promise<{ name: RowName; coldFactors: Float32Array; trainSeconds: number }[]>;
  /** The training songs' PCA features once extraRows ran (undefined before, or without a bow row). */
  features: () => { x: Float32Array; m: number } | undefined;
}

export function bowRows(store: FeatureStore, rows: readonly RowName[], o: BowRowsOptions): BowRows {
  let kept: { x: Float32Array; m: number } | undefined;
  const extraRows: BowRows['extraRows'] = async (ctx) => {
    if (!BOW_ROWS.some((r) => rows.includes(r))) return [];
    const f = ctx.wmf.factors;
    const trainIds = Array.from(ctx.trainItems, (i) => ctx.data.items[i]);
    const coldIds = Array.from(ctx.coldItems, (i) => ctx.data.items[i]);
    const bow = await bowFeatures(store, trainIds, coldIds, { k: o.k, seed: o.seed, threads: o.threads, log: o.log });
    kept = { x: bow.x, m: bow.m };
    const trainFactors = gatherRows(ctx.wmf.itemFactors, f, ctx.trainItems);
    const out: { name: RowName; coldFactors: Float32Array; trainSeconds: number }[] = [];
    if (rows.includes('bow-linear') || rows.includes('bow-mlp')) {
      const p = await bowPredictions(bow, trainFactors, trainIds.length, f, { seed: o.seed, threads: o.threads, log: o.log });
      if (rows.includes('bow-linear')) out.push({ name: 'bow-linear', coldFactors: p.linear, trainSeconds: p.linearSeconds });
      if (rows.includes('bow-mlp')) out.push({ name: 'bow-mlp', coldFactors: p.mlp, trainSeconds: p.mlpSeconds });
    }
    if (rows.includes('bow-mlr')) {
      const p = await mlrPredictions(bow, trainFactors, trainIds.length, f, { seed: o.seed, log: o.log });
      out.push({ name: 'bow-mlr', coldFactors: p.mlr, trainSeconds: p.seconds });
    }
    return out.sort((a, b) => BOW_ROWS.indexOf(a.name) - BOW_ROWS.indexOf(b.name));
  };
  return { extraRows, features: () => kept };
}
