/**
 * The paper's bag-of-words baselines (Sec. 4.1) from a feature store: MFCC + Δ + ΔΔ frames,
 * standardised per dimension, → k-means dictionary (k = 4,000, k-means++, fitted on a frame sample
 * from the training songs) → per-song codeword histograms (counts; every song's clip has the same
 * length) → PCA keeping 95% of the training songs' variance → (a) ridge regression and (b) an MLP
 * with 1,000 ReLU units, each predicting the WMF factors of held-out songs.
 */
import { fitRidge, predictRidge } from '../models/ridge';
import type { FeatureStore } from '../features/store';
import { assignKmeans, fitKmeans } from './kmeans';
import { codewordHistograms } from './histogram';
import { fitPca, transformPca } from './pca';
import { predictVectorNet, trainVectorNet } from './vector-net';

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

/** Predicted factors of the non-training songs: ridge and MLP, fitted on the training songs' factors. */
export async function bowPredictions(bow: BowFeatures, trainFactors: Float32Array, trainCount: number, f: number, o: BowOptions = {}): Promise<{ linear: Float32Array; mlp: Float32Array; linearSeconds: number; mlpSeconds: number }> {
  const { x, m } = bow;
  const total = x.length / m;
  const others = x.subarray(trainCount * m);
  const t0 = performance.now();
  const ridge = fitRidge(x.subarray(0, trainCount * m), trainFactors, trainCount, m, f, o.ridgeLambda ?? 1);
  const linear = predictRidge(ridge, others, total - trainCount);
  const t1 = performance.now();
  const mlpNet = await trainVectorNet(x.subarray(0, trainCount * m), trainFactors, trainCount, m, f, { seed: o.seed, threads: o.threads });
  const mlp = await predictVectorNet(mlpNet, others, total - trainCount);
  mlpNet.net.dispose();
  o.log?.(`bag of words: MLP best epoch ${mlpNet.bestEpoch}, validation MSE ${mlpNet.validationLoss.toFixed(4)}`);
  return { linear, mlp, linearSeconds: bow.seconds + (t1 - t0) / 1e3, mlpSeconds: bow.seconds + (performance.now() - t1) / 1e3 };
}
