/**
 * The bundle's model trained on all songs with plays (the default; `--no-refit` bundles the holdout
 * run's instead), as two stages:
 *   wmf  WMF on the whole play matrix → <dir>/wmf (trainer/wmf/model-io.ts)
 *   cnn  the CNN from those factors (MSE or WPE), checkpointed every epoch in <dir>/checkpoints so a
 *        killed run resumes after its last finished epoch; then it predicts the songs with audio and
 *        no plays → <dir>/model, a TrainedModel whose catalogue is every song with features.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { predictClips, trainCnn } from '../cnn/train-cnn';
import { wpeForms } from '../cnn/wpe';
import { epochLine } from '../report/experiment';
import { loadWmfModel, saveWmfModel } from '../wmf/model-io';
import { trainWmf } from '../wmf/train';
import { cnnKey, type ModelPipelineOptions, type PipelineData } from './pipeline-options';
import { runStage, type StageRun } from './stage-cache';
import { saveTrainedModel } from './trained-model';

export const WMF_FOLDER = 'wmf';
export const CNN_MODEL = 'model';

export function wmfStage(d: PipelineData, o: ModelPipelineOptions, source: { path: string; format: string }): Promise<StageRun<{ users: number; songs: number }>> {
  const key = { name: 'wmf', version: '1', inputs: { plays: d.playsHash, factors: o.factors, iterations: o.iterations, seed: o.seed } };
  return runStage(o.work, key, async (dir) => {
    const iterations = o.iterations ?? 15;
    const t0 = performance.now();
    const onIteration = (r: { iteration: number }) => o.progress?.({ stage: 'wmf', done: r.iteration, total: iterations, unit: 'iterations', elapsedS: (performance.now() - t0) / 1e3 });
    const model = await trainWmf(d.plays.byUser, { factors: o.factors, iterations, seed: o.seed, onIteration });
    const out = path.join(dir, WMF_FOLDER);
    fs.rmSync(out, { recursive: true, force: true }); // left by an interrupted run
    await saveWmfModel(out, model, d.plays.users, d.plays.items, {
      format: 'earshot-wmf', version: 1, factors: model.factors, users: d.plays.users.length, items: d.plays.items.length, options: model.options, iterations: model.iterations,
      input: { path: source.path, format: source.format, sha256: d.plays.checksum, nnz: d.plays.nnz },
      holdout: { kind: 'none', fraction: 0, seed: o.seed, testNnz: 0 }, timings: { loadS: d.plays.stats.seconds, trainS: (performance.now() - t0) / 1e3 }, command: o.command,
    });
    return { users: d.plays.users.length, songs: d.plays.items.length };
  });
}

export interface CnnStageResult {
  epochs: number;
  bestEpoch: number;
  /** Songs trained on and songs that chose the epoch. */
  trainSongs: number;
  validationSongs: number;
}

export function cnnStage(d: PipelineData, o: ModelPipelineOptions, wmf: StageRun<unknown>): Promise<StageRun<CnnStageResult>> {
  const key = { name: 'cnn', version: '1', inputs: { wmf: wmf.hash, features: d.featuresHash, objective: o.objective, cnn: cnnKey(o.cnn), seed: o.seed } };
  return runStage(o.work, key, async (dir, resumed) => {
    const m = loadWmfModel(path.join(wmf.dir, WMF_FOLDER));
    const f = m.manifest.factors;
    const songs = Int32Array.from(m.items.keys());
    const wpe = o.objective === 'wpe' ? wpeForms(d.plays.byItem, m.userFactors, f, songs) : undefined;
    const checkpointDir = o.cnn.backend === 'tfjs' ? undefined : path.join(dir, 'checkpoints');
    if (resumed && checkpointDir && fs.existsSync(path.join(checkpointDir, 'state.json'))) o.log?.(`cnn: resuming from the checkpoint in ${checkpointDir}`);
    let epochStart = performance.now();
    const trained = await trainCnn(d.store, { ids: m.items, factors: m.itemFactors, wpe }, {
      config: { ...o.cnn.config, outputs: f }, objective: o.objective, batch: o.cnn.batch, windowsPerClip: o.cnn.windowsPerClip, maxEpochs: o.cnn.maxEpochs, patience: o.cnn.patience,
      threads: o.cnn.threads, device: o.cnn.device, lr: o.cnn.lr, backend: o.cnn.backend, seed: o.seed, checkpointDir,
      onEpoch: (e) => {
        o.log?.(epochLine('cnn', e));
        epochStart = performance.now();
      },
      onStep: (s, steps) => o.progress?.({ stage: 'cnn', done: s, total: steps, unit: 'steps', elapsedS: (performance.now() - epochStart) / 1e3 }),
    });
    const factors = new Float32Array((m.items.length + d.unplayed.length) * f);
    factors.set(m.itemFactors);
    factors.set(await predictClips(trained.net, d.store, d.unplayed, trained.stats, f), m.items.length * f);
    saveTrainedModel(path.join(dir, CNN_MODEL), {
      config: { ...trained.net.config, dropout: 0 }, params: trained.net.parameters(), stats: trained.stats, objective: o.objective, ids: [...m.items, ...d.unplayed], factors,
    });
    return { epochs: trained.epochs.length, bestEpoch: trained.bestEpoch, trainSongs: trained.trainIds.length, validationSongs: trained.validationIds.length };
  });
}
