/**
 * The paper's cold-start experiment on a world (or any plays + audio): WMF on the training songs →
 * item cold-start split → every model predicts the held-out songs' factors → mAP@500 and AUC over
 * those songs only.
 * Rows: random, the bag-of-words baselines (trainer/bow), the CNN with the MSE and WPE objectives, and
 * the latent-factor upper bound (held-out songs folded in from their own test plays).
 */
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { transpose } from '../data/csr';
import type { Interactions } from '../data/interactions';
import { evaluate, randomBaseline } from '../eval/evaluate';
import { itemColdStartHoldout, type ColdStartSplit } from '../eval/splits';
import { foldInRows } from '../wmf/fold-in';
import { trainWmf, type WmfModel } from '../wmf/train';
import type { FeatureStore } from '../features/store';
import { PAPER_NET, type NetConfig } from '../cnn/net-config';
import { predictClips, trainCnn, type CnnObjective, type EpochReport, type TrainedCnn } from '../cnn/train-cnn';
import { wpeForms } from '../cnn/wpe';

export type RowName = 'random' | 'bow-linear' | 'bow-mlr' | 'bow-mlp' | 'cnn-mse' | 'cnn-wpe' | 'upper-bound';

export interface RowResult {
  name: RowName;
  map: number;
  auc: number;
  users: number;
  trainSeconds: number;
  /** Epoch reports of trained networks. */
  epochs?: EpochReport[];
}

export interface CnnSettings {
  config: NetConfig;
  maxEpochs: number;
  patience: number;
  windowsPerClip: number;
  batch: number;
  threads?: number;
  device?: 'cpu' | 'cuda';
  lr?: number;
  /** Training backend, default 'torch'. */
  backend?: 'torch' | 'tfjs';
}

export interface ExperimentOptions {
  /** The play matrix; every song in it must have features in `store`. */
  data: Interactions;
  store: FeatureStore;
  factors?: number;
  iterations?: number;
  testFraction?: number;
  seed?: number;
  rows: RowName[];
  cnn: CnnSettings;
  /** Each CNN row checkpoints every epoch in <checkpointDir>/<row>/ and resumes from there (torch backend). */
  checkpointDir?: string;
  /** Extra rows computed by the caller from the split (e.g. the bag-of-words baselines). */
  extraRows?: (ctx: ExperimentContext) => Promise<{ name: RowName; coldFactors: Float32Array; trainSeconds: number }[]>;
  log?: (line: string) => void;
}

export interface ExperimentContext {
  data: Interactions;
  split: ColdStartSplit;
  wmf: WmfModel;
  /** Item rows (of data.items) with training plays, and their feature-store ids. */
  trainItems: Int32Array;
  coldItems: Int32Array;
}

export interface ExperimentResult {
  context: ExperimentContext;
  rows: RowResult[];
  /** Predicted factors of the cold songs per row (coldItems order), for figures. */
  predictions: Map<RowName, Float32Array>;
  cnn: Map<RowName, TrainedCnn>;
}

/** The log line of a finished CNN epoch: "cnn-mse epoch 3: train 1.2e-1  validation 9.1e-4 *  12.0 s" (* = best so far). */
export function epochLine(name: string, e: EpochReport): string {
  return `${name} epoch ${e.epoch}: train ${e.trainLoss.toExponential(3)}  validation ${e.validationLoss.toExponential(3)}${e.best ? ' *' : ''}  ${e.seconds.toFixed(1)} s`;
}

export const PAPER_CNN: CnnSettings = { config: PAPER_NET, maxEpochs: 30, patience: 4, windowsPerClip: 4, batch: 32 };

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const log = o.log ?? (() => undefined);
  const f = o.factors ?? 50;
  const data = o.data;
  const split = itemColdStartHoldout(data.byUser, { fraction: o.testFraction ?? 0.2, seed: o.seed ?? 1 });
  const missing = data.items.filter((id) => !o.store.has(id));
  if (missing.length) throw new EarshotError('ERR_INVALID_ARGUMENT', `${missing.length} songs with plays have no features (first: ${missing[0]}); run earshot-train features on their audio`);
  log(`plays: ${data.users.length} users x ${data.items.length} songs, ${data.nnz} plays; ${split.items.length} cold-start songs`);
  const t0 = performance.now();
  const wmf = await trainWmf(split.train, { factors: f, iterations: o.iterations ?? 15, seed: o.seed ?? 1 });
  log(`WMF: F=${f}, ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  const cold = new Uint8Array(data.items.length);
  for (const i of split.items) cold[i] = 1;
  const trainItems = Int32Array.from(data.items.keys()).filter((i) => !cold[i]);
  const ctx: ExperimentContext = { data, split, wmf, trainItems, coldItems: split.items };
  const base = { train: split.train, test: split.test, userFactors: wmf.userFactors, factors: f, candidates: split.items };
  const rows: RowResult[] = [];
  const predictions = new Map<RowName, Float32Array>();
  const cnn = new Map<RowName, TrainedCnn>();
  const score = (name: RowName, coldFactors: Float32Array, trainSeconds: number, epochs?: EpochReport[]) => {
    const v = Float32Array.from(wmf.itemFactors);
    split.items.forEach((item, k) => v.set(coldFactors.subarray(k * f, (k + 1) * f), item * f));
    const r = evaluate({ ...base, itemFactors: v });
    rows.push({ name, map: r.map, auc: r.auc, users: r.users, trainSeconds, epochs });
    predictions.set(name, coldFactors);
    log(`${name}: mAP@500 ${r.map.toFixed(4)}  AUC ${r.auc.toFixed(4)}  (${trainSeconds.toFixed(1)} s)`);
  };

  if (o.rows.includes('random')) {
    const r = randomBaseline({ train: split.train, test: split.test, candidates: split.items, seed: o.seed ?? 1 });
    rows.push({ name: 'random', map: r.map, auc: r.auc, users: r.users, trainSeconds: 0 });
    log(`random: mAP@500 ${r.map.toFixed(4)}  AUC ${r.auc.toFixed(4)}`);
  }
  for (const extra of (await o.extraRows?.(ctx)) ?? []) score(extra.name, extra.coldFactors, extra.trainSeconds);

  const trainIds = Array.from(trainItems, (i) => data.items[i]);
  const trainFactors = new Float32Array(trainItems.length * f);
  trainItems.forEach((i, r) => trainFactors.set(wmf.itemFactors.subarray(i * f, (i + 1) * f), r * f));
  const coldIds = Array.from(split.items, (i) => data.items[i]);
  for (const name of ['cnn-mse', 'cnn-wpe'] as const) {
    if (!o.rows.includes(name)) continue;
    const objective: CnnObjective = name === 'cnn-mse' ? 'mse' : 'wpe';
    const wpe = objective === 'wpe' ? wpeForms(transpose(split.train), wmf.userFactors, f, trainItems) : undefined;
    const t1 = performance.now();
    const trained = await trainCnn(o.store, { ids: trainIds, factors: trainFactors, wpe }, {
      config: { ...o.cnn.config, outputs: f }, objective, batch: o.cnn.batch, windowsPerClip: o.cnn.windowsPerClip, maxEpochs: o.cnn.maxEpochs,
      patience: o.cnn.patience, threads: o.cnn.threads, device: o.cnn.device, lr: o.cnn.lr, backend: o.cnn.backend, seed: o.seed ?? 1,
      checkpointDir: o.checkpointDir === undefined ? undefined : path.join(o.checkpointDir, name),
      onEpoch: (e) => log(epochLine(name, e)),
    });
    const seconds = (performance.now() - t1) / 1e3;
    const pred = await predictClips(trained.net, o.store, coldIds, trained.stats, f);
    cnn.set(name, trained);
    score(name, pred, seconds, trained.epochs);
  }
  if (o.rows.includes('upper-bound')) {
    const testByItem = transpose(split.test);
    const folded = await foldInRows(testByItem, wmf.userFactors, { factors: f });
    const coldFactors = new Float32Array(split.items.length * f);
    split.items.forEach((i, k) => coldFactors.set(folded.subarray(i * f, (i + 1) * f), k * f));
    score('upper-bound', coldFactors, 0);
  }
  return { context: ctx, rows, predictions, cnn };
}
