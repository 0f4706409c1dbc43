/**
 * The paper's bag-of-words baselines (Sec. 4.1) from a feature store: MFCC + Δ + ΔΔ frames,
 * standardised per dimension, → k-means dictionary (k = 4,000, k-means++, fitted on a frame sample
 * from the training songs) → per-song codeword histograms (counts; every song's clip has the same
 * length) → PCA keeping 95% of the training songs' variance → (a) ridge regression and (b) an MLP
 * with 1,000 ReLU units, each predicting the WMF factors of held-out songs.
 */
import { fitRidge, predictRidge, selectRidgeLambda } from '../models/ridge';
import type { FeatureStore } from '../features/store';
import { assignKmeans, fitKmeans } from './kmeans';
import { codewordHistograms } from './histogram';
import { fitPca, transformPca } from './pca';
import { predictVectorNet, trainVectorNet } from './vector-net';
import { predictFactorsByNeighbours, relevantByFactors, trainMlr, type MlrModel } from './mlr';
import { mulberry32 } from '../eval/prng';
import { validationShare } from '../eval/splits';
import { gatherRows } from '../data/gather-rows';

export interface BowOptions {
  k?: number;
  kmeansIterations?: number;
  sample?: number;
  ridgeLambda?: number;
  seed?: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface BowFeatures {
  /** songs x m PCA coordinates (train songs first, then the others, as given). */
  x: Float32Array;
  m: number;
  k: number;
  seconds: number;
}

/** PCA'd codeword histograms of `trainIds` then `otherIds`; the dictionary and PCA see the training songs only. */
export async function bowFeatures(store: FeatureStore, trainIds: readonly string[], otherIds: readonly string[], o: BowOptions = {}): Promise<BowFeatures> {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const d = store.mfccWidth;
  // Per-dimension standardisation from a pass over the training songs (c0 is in tens, deltas near 0).
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  let frames = 0;
  for (const id of trainIds) {
    const m = store.mfccOf(id);
    for (let i = 0; i < m.length; i++) {
      mean[i % d] += m[i];
      sq[i % d] += m[i] * m[i];
    }
    frames += m.length / d;
  }
  const std = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    mean[a] /= frames;
    std[a] = Math.max(1e-6, Math.sqrt(sq[a] / frames - mean[a] * mean[a]));
  }
  const all = [...trainIds, ...otherIds];
  const offsets = new Int32Array(all.length + 1);
  all.forEach((id, s) => (offsets[s + 1] = offsets[s] + store.frames(id)));
  const x = new Float32Array(offsets[all.length] * d);
  all.forEach((id, s) => {
    const m = store.mfccOf(id);
    for (let i = 0; i < m.length; i++) x[offsets[s] * d + i] = (m[i] - mean[i % d]) / std[i % d];
  });
  const trainFrames = offsets[trainIds.length];
  const k = Math.min(o.k ?? 4000, Math.floor(trainFrames / 10));
  const km = await fitKmeans(x.subarray(0, trainFrames * d), trainFrames, d, { k, iterations: o.kmeansIterations ?? 30, sample: o.sample ?? 200_000, seed: o.seed ?? 1, threads: o.threads });
  log(`bag of words: k-means k=${k} on ${Math.min(trainFrames, o.sample ?? 200_000)} frames, ${km.iterations} iterations, ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  const labels = await assignKmeans(x, offsets[all.length], d, km.centroids, { threads: o.threads });
  const hist = codewordHistograms(labels, offsets, k, { scaling: 'count' });
  const pca = await fitPca(hist.values.subarray(0, trainIds.length * k), trainIds.length, k, { varianceKept: 0.95, threads: o.threads });
  const proj = await transformPca(pca, hist.values, all.length, { threads: o.threads });
  log(`bag of words: PCA keeps ${pca.count} of ${k} dimensions (95% of the variance), ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  return { x: proj, m: pca.count, k, seconds: (performance.now() - t0) / 1e3 };
}

/** Weight decays (L2 on every weight, per Adam step) the MLP is trained with; the lowest validation MSE wins. */
export const MLP_WEIGHT_DECAYS = [0.01, 0.1, 0.3] as const;

export interface BowPredictions {
  linear: Float32Array;
  mlp: Float32Array;
  linearSeconds: number;
  mlpSeconds: number;
  /** Hyperparameters chosen on the training songs (5-fold CV for λ, the MLP's validation share for the decay). */
  ridgeLambda: number;
  mlpWeightDecay: number;
}

/**
 * Predicted factors of the non-training songs: ridge and MLP, fitted on the training songs' factors.
 * Both are tuned on training data only, as the CNN is (early stopping on its validation share): ridge's λ
 * by cross-validation unless `ridgeLambda` is given, the MLP's weight decay over MLP_WEIGHT_DECAYS by its
 * validation loss. On the first small world (before listeners had a preferred tempo) untuned ridge
 * (λ = 1) and MLP (per-column standardised inputs, no decay) gave 0.1652 / 0.1565 mAP@500, tuned 0.1600 / 0.1708.
 */
export async function bowPredictions(bow: BowFeatures, trainFactors: Float32Array, trainCount: number, f: number, o: BowOptions = {}): Promise<BowPredictions> {
  const { x, m } = bow;
  const total = x.length / m;
  const train = x.subarray(0, trainCount * m);
  const others = x.subarray(trainCount * m);
  const t0 = performance.now();
  const ridgeLambda = o.ridgeLambda ?? selectRidgeLambda(train, trainFactors, trainCount, m, f, { seed: o.seed }).lambda;
  const linear = predictRidge(fitRidge(train, trainFactors, trainCount, m, f, ridgeLambda), others, total - trainCount);
  o.log?.(`bag of words: ridge λ ${ridgeLambda.toExponential(3)}${o.ridgeLambda === undefined ? ' (5-fold CV)' : ''}`);
  const t1 = performance.now();
  let best: { mlp: Float32Array; loss: number; decay: number } | null = null;
  for (const decay of MLP_WEIGHT_DECAYS) {
    const net = await trainVectorNet(train, trainFactors, trainCount, m, f, { seed: o.seed, threads: o.threads, weightDecay: decay });
    o.log?.(`bag of words: MLP weight decay ${decay}: best epoch ${net.bestEpoch}, validation MSE ${net.validationLoss.toExponential(4)}`);
    if (!best || net.validationLoss < best.loss) best = { mlp: await predictVectorNet(net, others, total - trainCount), loss: net.validationLoss, decay };
    net.net.dispose();
  }
  return { linear, mlp: best!.mlp, linearSeconds: bow.seconds + (t1 - t0) / 1e3, mlpSeconds: bow.seconds + (performance.now() - t1) / 1e3, ridgeLambda, mlpWeightDecay: best!.decay };
}

/** Slack trade-offs C tried for MLR (normalised units, trainer/bow/mlr.ts); MLR's authors swept powers of 10. */
export const MLR_C_GRID = [10, 100, 1000] as const;

export interface MlrPredictions {
  mlr: Float32Array;
  seconds: number;
  /** The C with the lowest validation MSE of the neighbour-mean factors, and that MSE. */
  C: number;
  validationMse: number;
}

/**
 * The MLR row (paper Table 2): a metric learned on the training songs' bag-of-words features so that
 * songs with similar WMF factors are near (trainer/bow/mlr.ts), turned into factors as the mean of the
 * k nearest training songs' factors. C is chosen over MLR_C_GRID on a seeded 10% validation share of
 * the training songs (metric learned on the rest); the chosen metric then ranks all training songs.
 */
export async function mlrPredictions(bow: BowFeatures, trainFactors: Float32Array, trainCount: number, f: number, o: BowOptions = {}): Promise<MlrPredictions> {
  const t0 = performance.now();
  const { x, m } = bow;
  const others = x.subarray(trainCount * m);
  const { validation: valRows, rest: fitRows } = validationShare(trainCount, 0.1, mulberry32(o.seed ?? 1));
  const nVal = valRows.length;
  const xFit = gatherRows(x, m, fitRows);
  const yFit = gatherRows(trainFactors, f, fitRows);
  const xVal = gatherRows(x, m, valRows);
  const yVal = gatherRows(trainFactors, f, valRows);
  const relevant = relevantByFactors(yFit, fitRows.length, f);
  let best: { metric: MlrModel; mse: number; C: number } | null = null;
  for (const C of MLR_C_GRID) {
    const metric = await trainMlr(xFit, fitRows.length, m, relevant, { C });
    const pred = predictFactorsByNeighbours(metric, xFit, yFit, xVal, nVal, f);
    let mse = 0;
    for (let i = 0; i < pred.length; i++) mse += (pred[i] - yVal[i]) ** 2;
    mse /= nVal;
    o.log?.(`bag of words: MLR C ${C}: ${metric.iterations} rounds${metric.converged ? '' : ' (not converged)'}, training AUC ${metric.trainAuc.toFixed(4)}, validation MSE ${mse.toExponential(4)}`);
    if (!best || mse < best.mse) best = { metric, mse, C };
  }
  const mlr = predictFactorsByNeighbours(best!.metric, x.subarray(0, trainCount * m), trainFactors, others, others.length / m, f);
  return { mlr, seconds: bow.seconds + (performance.now() - t0) / 1e3, C: best!.C, validationMse: best!.mse };
}
