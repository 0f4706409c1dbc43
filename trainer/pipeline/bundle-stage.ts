/**
 * The pipeline's last two steps: the tag models (a stage, keyed by the model and the songs' tags:
 * cross-validating one logistic regression per tag over a large catalogue takes a while) and the
 * bundle, always written (replacing --out atomically, trainer/export/bundle-writer.ts): the model's
 * net, its catalogue with each song's id, artist, title and uri, the tag models, the report as extras,
 * and the input hashes in the manifest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BundleManifest } from '../../src/model/bundle-format';
import type { NativeMelConfig } from '../../src/native/addon';
import { WINDOW_FRAMES } from '../cnn/windows';
import { writeBundle } from '../export/bundle-writer';
import { buildTagModels, type TagModels } from '../export/tag-models';
import type { PipelineData } from './pipeline-options';
import { digestOf, runStage, type StageRun } from './stage-cache';
import type { TrainedModel } from './trained-model';
import type { SongEntry } from './training-data';

const TAGS_FILE = 'tags.json';

/** The tag models of `model`'s catalogue (`threads` workers; the models do not depend on it); null (no stage) when no song has tags. */
export async function tagsStage(work: string, d: PipelineData, model: TrainedModel, modelHash: string, threads?: number): Promise<{ run: StageRun<{ tags: number; meanAuc: number | null }>; tags: TagModels } | null> {
  const tagsOf = (id: string) => d.songs.get(id)?.tags ?? [];
  if (!model.ids.some((id) => tagsOf(id).length > 0)) return null;
  // version 2: buildTagModels standardises, chooses λ by nested CV and calibrates (issue 16).
  // version 3: songs without any tag are left out of the tag models (unlabelled, not negatives).
  const key = { name: 'tags', version: '3', inputs: { model: modelHash, tags: digestOf(model.ids.map((id) => `${id}\t${tagsOf(id).join(',')}`)) } };
  const run = await runStage(work, key, async (dir) => {
    const t = await buildTagModels(model.factors, model.config.outputs, model.ids, tagsOf, { threads });
    fs.writeFileSync(path.join(dir, TAGS_FILE), JSON.stringify(t.models) + '\n');
    return { tags: t.models.length, meanAuc: Number.isFinite(t.meanAuc) ? t.meanAuc : null };
  });
  const models = JSON.parse(fs.readFileSync(path.join(run.dir, TAGS_FILE), 'utf8')) as TagModels['models'];
  return { run, tags: { models, meanAuc: run.result.meanAuc ?? NaN } };
}

export interface BundleStep {
  /** Songs by id: each catalogue item's artist, title and uri. */
  songs: ReadonlyMap<string, SongEntry>;
  tags: TagModels | null;
  mel: NativeMelConfig;
  training: BundleManifest['training'];
  /** Cold-start evaluation rows, for the manifest's metrics. */
  evaluation: { name: string; map: number; auc: number }[] | null;
  /** Files copied into the bundle: name → source. */
  extras: Record<string, string>;
  command: string;
}

export function writeModelBundle(out: string, model: TrainedModel, b: BundleStep): BundleManifest {
  const items = model.ids.map((id) => {
    const s = b.songs.get(id);
    return { id, artist: s?.artist ?? '', title: s?.title ?? '', ...(s?.uri ? { uri: s.uri } : {}) };
  });
  const metrics: Record<string, unknown> = {};
  if (b.evaluation) metrics.coldStart = Object.fromEntries(b.evaluation.map((x) => [x.name, { map500: x.map, auc: x.auc }]));
  if (b.tags) metrics.tagMeanAuc = b.tags.meanAuc;
  return writeBundle(out, {
    config: model.config, params: model.params, stats: model.stats, mel: b.mel, windowFrames: WINDOW_FRAMES, objective: model.objective,
    items, itemFactors: model.factors, tags: b.tags?.models, training: b.training, metrics, command: b.command, extras: b.extras,
  });
}
