/**
 * The pipeline's optional holdout stage: the paper's item cold-start evaluation (trainer/report/
 * experiment.ts) on the pipeline's plays and features, with its report (report.md, report.json,
 * Figure 1) written into the stage folder, and the best CNN (by mAP@500) kept there as a TrainedModel
 * whose catalogue is what the engine would hold: WMF factors of the training songs, the CNN's
 * predictions for the held-out songs and for the songs with audio and no plays. `--no-refit` bundles
 * that model; otherwise it is only evaluated. The CNN rows checkpoint every epoch in the stage folder,
 * so a killed run resumes their training.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { predictClips } from '../cnn/train-cnn';
import type { FeatureStore } from '../features/store';
import { runExperiment, type ExperimentResult, type RowName, type RowResult } from '../report/experiment';
import { writeReport } from '../report/report-writer';
import { bowRows } from './bow-rows';
import { cnnKey, type HoldoutOptions, type ModelPipelineOptions, type PipelineData } from './pipeline-options';
import { digestOf, runStage, type StageRun } from './stage-cache';
import { saveTrainedModel, type TrainedModel } from './trained-model';

export interface HoldoutResult {
  rows: Omit<RowResult, 'epochs'>[];
  /** The best CNN row, kept in <dir>/model; null when no CNN row ran. */
  best: RowName | null;
  /** The report's files, in <dir>/report. */
  reportFiles: string[];
}

/** Where the holdout stage keeps its report and its best model. */
export const HOLDOUT_REPORT = 'report';
export const HOLDOUT_MODEL = 'model';

/**
 * The experiment's best CNN (by mAP@500) as a bundle's model, its catalogue what the engine would hold:
 * WMF factors of the training songs, the CNN's predictions for the held-out songs, then `unplayed`
 * (songs with audio and no plays) predicted too. null when no CNN row ran.
 */
export async function holdoutModel(result: ExperimentResult, store: FeatureStore, unplayed: readonly string[]): Promise<{ row: RowName; model: TrainedModel } | null> {
  const best = result.rows.filter((x) => x.name === 'cnn-mse' || x.name === 'cnn-wpe').sort((a, b) => b.map - a.map)[0];
  if (!best) return null;
  const trained = result.cnn.get(best.name)!;
  const { data, wmf, coldItems } = result.context;
  const f = wmf.factors;
  const factors = new Float32Array((data.items.length + unplayed.length) * f);
  factors.set(wmf.itemFactors);
  const pred = result.predictions.get(best.name)!;
  coldItems.forEach((item, k) => factors.set(pred.subarray(k * f, (k + 1) * f), item * f));
  factors.set(await predictClips(trained.net, store, unplayed, trained.stats, f), data.items.length * f);
  return {
    row: best.name,
    model: {
      config: { ...trained.net.config, dropout: 0 }, params: trained.net.parameters(), stats: trained.stats, objective: best.name === 'cnn-wpe' ? 'wpe' : 'mse',
      ids: [...data.items, ...unplayed], factors,
    },
  };
}

/**
 * Runs (or reuses) the holdout stage. `inputs` are the report's lines about songs left out;
 * `startedAt` (performance.now()) dates the run for the report's total time.
 */
export function holdoutStage(d: PipelineData, h: HoldoutOptions, o: ModelPipelineOptions, inputs: string[], startedAt: number): Promise<StageRun<HoldoutResult>> {
  const log = o.log ?? (() => undefined);
  const key = {
    name: 'holdout', version: '1',
    inputs: {
      plays: d.playsHash, features: d.featuresHash, factors: o.factors, iterations: o.iterations, seed: o.seed, testFraction: h.testFraction, rows: h.rows, k: h.k,
      cnn: cnnKey(o.cnn), title: h.title, hetrec: h.hetrec, report: digestOf(inputs, [...d.songs.values()].map((s) => `${s.id}\t${s.artist}\t${s.title}\t${s.tags.join(',')}`)),
    },
  };
  return runStage(o.work, key, async (dir) => {
    const bow = bowRows(d.store, h.rows, { k: h.k, seed: o.seed, threads: o.threads, log });
    const result = await runExperiment({
      data: d.plays, store: d.store, factors: o.factors, iterations: o.iterations, testFraction: h.testFraction, seed: o.seed, rows: h.rows, cnn: o.cnn, log,
      extraRows: bow.extraRows, checkpointDir: o.cnn.backend === 'tfjs' ? undefined : path.join(dir, 'cnn'),
    });
    const reportDir = path.join(dir, HOLDOUT_REPORT);
    writeReport(reportDir, result, { title: h.title, command: o.command, missing: [], songs: d.songs, bow: bow.features(), hetrec: h.hetrec, inputs, totalSeconds: (performance.now() - startedAt) / 1e3 });

    const model = await holdoutModel(result, d.store, d.unplayed);
    if (model) saveTrainedModel(path.join(dir, HOLDOUT_MODEL), model.model);
    return {
      rows: result.rows.map(({ name, map, auc, users, trainSeconds }) => ({ name, map, auc, users, trainSeconds })),
      best: model?.row ?? null,
      reportFiles: fs.readdirSync(reportDir).sort(),
    };
  });
}
