/**
 * One pipeline from TrainingData (a service's plays and audio, or a generated world) to a served
 * bundle, used by `earshot-train model` and `earshot-train experiment` alike:
 *   1. features  of every song with audio (features-stage.ts; undecodable files are listed)
 *   2. plays     the plays file's matrix (parsed before 1, so that its errors come at once) restricted
 *                to songs with features (play-matrix.ts); songs with plays and no audio, songs with
 *                audio and no plays (the cold-start songs the CNN places in the catalogue) and
 *                undecodable files are counted, fatal only when no song has both plays and audio
 *   3. holdout   optional: the cold-start evaluation and its report (holdout-stage.ts)
 *   4. wmf, cnn  the model refit on all songs (refit-stages.ts), unless refit is off: then the
 *                holdout run's best CNN and factors are bundled
 *   5. tags      tag models from the songs' tags, when any song has tags (bundle-stage.ts)
 *   6. bundle    written to `out`, replacing what was there only once it is complete
 * Every stage but the bundle runs in its own folder under `work` keyed by its inputs (stage-cache.ts),
 * so a rerun reuses what is finished and an interrupted one resumes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { loadInteractions } from '../data/interactions';
import type { RowResult } from '../report/experiment';
import { tagsStage, writeModelBundle } from './bundle-stage';
import { featuresStage } from './features-stage';
import { HOLDOUT_MODEL, HOLDOUT_REPORT, holdoutStage } from './holdout-stage';
import { describeLeftOut, noIntersection, songsWithoutAudio, writeLeftOut, type LeftOut } from './left-out';
import type { ModelPipelineOptions, PipelineData } from './pipeline-options';
import { restrictToSongs } from './play-matrix';
import { CNN_MODEL, cnnStage, wmfStage } from './refit-stages';
import { digestOf, type StageRun } from './stage-cache';
import { loadTrainedModel } from './trained-model';
import type { TrainingData } from './training-data';

/** The whole lists of what was left out, in the work folder. */
export const LEFT_OUT_FILE = 'left-out.json';

export interface StageSummary {
  name: string;
  reused: boolean;
  seconds: number;
  /** The stage's folder (null for the plays, read every run, and the bundle). */
  dir: string | null;
}

export interface ModelPipelineResult {
  stages: StageSummary[];
  counts: {
    /** Songs the training data names, and those with audio. */
    songs: number;
    withAudio: number;
    /** Users and plays (distinct user-song pairs) trained on. */
    users: number;
    plays: number;
    /** Songs with plays and features (WMF's songs). */
    played: number;
    /** Songs with audio and no plays: in the catalogue through the CNN. */
    unplayed: number;
    /** Songs with plays and no audio file; audio files that did not decode (with plays or not). */
    playsWithoutAudio: number;
    undecodable: number;
    /** Songs in the bundle (0 without one). */
    catalogue: number;
  };
  leftOut: LeftOut;
  bundle: string | null;
  /** report.md of the holdout evaluation (in reportDir, or else in the bundle); null without one. */
  report: string | null;
  evaluation: Omit<RowResult, 'epochs'>[] | null;
}

function checkOptions(o: ModelPipelineOptions): void {
  if (!o.refit && !o.holdout) throw new EarshotError('ERR_INVALID_ARGUMENT', 'without a holdout run there is no model to bundle but the refit one: use --holdout cold-start with --no-refit');
  if (!o.out && !o.holdout) throw new EarshotError('ERR_INVALID_ARGUMENT', 'nothing to do: no bundle to write and no holdout to evaluate');
}

/** Features, plays, and the data every later stage shares; the store stays open (the caller closes it). */
async function readData(data: TrainingData, o: ModelPipelineOptions, stages: StageSummary[]): Promise<{ d: PipelineData; leftOut: LeftOut }> {
  const log = o.log ?? (() => undefined);
  const clips = data.songs.filter((s) => s.audio !== null).map((s) => ({ id: s.id, path: s.audio! }));
  if (clips.length === 0) throw noIntersection(data, { reason: 'no-audio' });
  // The plays are parsed before the features, so that a bad line (file:line) or plays that name none of
  // the songs with audio are told at once, not after hours of feature extraction.
  const t0 = performance.now();
  const all = await loadInteractions(data.plays.path, { format: data.plays.format });
  const loadS = (performance.now() - t0) / 1e3;
  const disjoint = (undecodable: number) => noIntersection(data, { reason: 'disjoint', plays: all.items, audio: clips.map((c) => c.id), undecodable });
  const withAudio = new Set(clips.map((c) => c.id));
  if (!all.items.some((id) => withAudio.has(id))) throw disjoint(0);
  const featuresDir = o.featuresDir ?? path.join(o.work, 'features');
  const feat = await featuresStage(featuresDir, clips, {
    threads: o.threads, command: o.command,
    onProgress: (p) => o.progress?.({ stage: 'features', done: p.done, total: p.total, unit: 'clips', elapsedS: p.elapsedS }),
  });
  stages.push({ name: 'features', reused: feat.reused, seconds: feat.seconds, dir: featuresDir });
  log(`features: ${feat.reused ? 'reused' : `${feat.computed} clips computed`}, ${clips.length - feat.undecodable.length} songs with features (${featuresDir}, ${feat.seconds.toFixed(1)} s)`);
  try {
    const t1 = performance.now();
    if (!all.items.some((id) => feat.store.has(id))) throw disjoint(feat.undecodable.length);
    const restricted = restrictToSongs(all, (id) => feat.store.has(id));
    const plays = restricted.data;
    const played = new Set(plays.items);
    const leftOut: LeftOut = { playsWithoutAudio: restricted.droppedSongs, droppedUsers: restricted.droppedUsers, undecodable: feat.undecodable, problems: data.problems };
    const unplayed = clips.filter((c) => feat.store.has(c.id) && !played.has(c.id)).map((c) => c.id);
    const playsHash = digestOf(data.inputHashes.plays, data.plays.format, plays.items);
    stages.push({ name: 'plays', reused: false, seconds: loadS + (performance.now() - t1) / 1e3, dir: null });
    log(`plays: ${plays.users.length} users x ${plays.items.length} songs, ${plays.nnz} plays; ${unplayed.length} songs with audio and no plays`);
    for (const line of describeLeftOut(leftOut)) log(line);
    fs.mkdirSync(o.work, { recursive: true });
    writeLeftOut(path.join(o.work, LEFT_OUT_FILE), leftOut);
    const songs = new Map(data.songs.map((s) => [s.id, s]));
    return { d: { store: feat.store, featuresHash: feat.hash, plays, playsHash, songs, unplayed }, leftOut };
  } catch (err) {
    feat.store.close();
    throw err;
  }
}

function summary(run: StageRun<unknown>): StageSummary {
  return { name: run.name, reused: run.reused, seconds: run.seconds, dir: run.dir };
}

export async function runModelPipeline(data: TrainingData, o: ModelPipelineOptions): Promise<ModelPipelineResult> {
  checkOptions(o);
  const startedAt = performance.now();
  const log = o.log ?? (() => undefined);
  const stages: StageSummary[] = [];
  const logStage = (run: StageRun<unknown>) => {
    stages.push(summary(run));
    log(`${run.name}: ${run.reused ? 'reused' : `computed in ${run.seconds.toFixed(1)} s`} (${run.dir})`);
  };
  const { d, leftOut } = await readData(data, o, stages);
  try {
    let evaluation: ModelPipelineResult['evaluation'] = null;
    let report: string | null = null;
    const extras: Record<string, string> = {};
    let model: { dir: string; hash: string } | null = null;
    if (o.holdout) {
      const run = await holdoutStage(d, o.holdout, o, describeLeftOut(leftOut), startedAt);
      logStage(run);
      evaluation = run.result.rows;
      const reportDir = path.join(run.dir, HOLDOUT_REPORT);
      for (const name of run.result.reportFiles) extras[name] = path.join(reportDir, name);
      if (o.reportDir) {
        fs.mkdirSync(o.reportDir, { recursive: true });
        for (const name of run.result.reportFiles) fs.copyFileSync(path.join(reportDir, name), path.join(o.reportDir, name));
        report = path.join(o.reportDir, 'report.md');
      }
      if (!o.refit && run.result.best) model = { dir: path.join(run.dir, HOLDOUT_MODEL), hash: run.hash };
      if (!o.refit && !run.result.best && o.out) throw new EarshotError('ERR_INVALID_ARGUMENT', 'no CNN row was trained: nothing to bundle');
    }
    if (o.out && o.refit) {
      const wmf = await wmfStage(d, o, data.plays);
      logStage(wmf);
      const cnn = await cnnStage(d, o, wmf);
      logStage(cnn);
      model = { dir: path.join(cnn.dir, CNN_MODEL), hash: cnn.hash };
    }
    let catalogue = 0;
    if (o.out && model) {
      const trained = loadTrainedModel(model.dir);
      const tags = await tagsStage(o.work, d, trained, model.hash, o.threads);
      if (tags) logStage(tags.run);
      const t0 = performance.now();
      writeModelBundle(o.out, trained, {
        songs: d.songs, tags: tags?.tags ?? null, mel: d.store.manifest.mel.options, evaluation, extras, command: o.command,
        training: { playsSha256: d.plays.checksum, source: data.source, songs: trained.ids.length, users: d.plays.users.length, inputs: data.inputHashes },
      });
      catalogue = trained.ids.length;
      stages.push({ name: 'bundle', reused: false, seconds: (performance.now() - t0) / 1e3, dir: null });
      log(`bundle: ${catalogue} songs, ${tags?.tags.models.length ?? 0} tag models → ${o.out}`);
      if (!report && evaluation) report = path.join(o.out, 'report.md');
    }
    return {
      stages,
      counts: {
        songs: data.songs.length, withAudio: data.songs.filter((s) => s.audio !== null).length, users: d.plays.users.length, plays: d.plays.nnz,
        played: d.plays.items.length, unplayed: d.unplayed.length, playsWithoutAudio: songsWithoutAudio(leftOut).length, undecodable: leftOut.undecodable.length, catalogue,
      },
      leftOut, bundle: o.out && model ? o.out : null, report, evaluation,
    };
  } finally {
    d.store.close();
  }
}
