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
import { WINDOW_FRAMES } from '../cnn/windows';
import { writeBundle } from '../export/bundle-writer';
import { buildTagModels, type TagModels } from '../export/tag-models';
import type { PipelineData } from './pipeline-options';
import { digestOf, runStage, type StageRun } from './stage-cache';
import type { TrainedModel } from './trained-model';
import type { TrainingData } from './training-data';

const TAGS_FILE = 'tags.json';

/** The tag models of `model`'s catalogue; null (no stage) when no song has tags. */
export async function tagsStage(work: string, d: PipelineData, model: TrainedModel, modelHash: string): Promise<{ run: StageRun<{ tags: number; meanAuc: number | null }>; tags: TagModels } | null> {
  const tagsOf = (id: string) => d.songs.get(id)?.tags ?? [];
  if (!model.ids.some((id) => tagsOf(id).length > 0)) return null;
  const key = { name: 'tags', version: '1', inputs: { model: modelHash, tags: digestOf(...model.ids.map((id) => `${id}\t${tagsOf(id).join(',')}`)) } };
  const run = await runStage(work, key, async (dir) => {
    const t = buildTagModels(model.factors, model.config.outputs, model.ids, tagsOf);
    fs.writeFileSync(path.join(dir, TAGS_FILE), JSON.stringify(t.models) + '\n');
    return { tags: t.models.length, meanAuc: Number.isFinite(t.meanAuc) ? t.meanAuc : null };
  });
  const models = JSON.parse(fs.readFileSync(path.join(run.dir, TAGS_FILE), 'utf8')) as TagModels['models'];
  return { run, tags: { models, meanAuc: run.result.meanAuc ?? NaN } };
}

export interface BundleStep {
  model: TrainedModel;
  tags: TagModels | null;
  /** Cold-start evaluation rows, for the manifest's metrics. */
  evaluation: { name: string; map: number; auc: number }[] | null;
  /** Files copied into the bundle: name → source. */
  extras: Record<string, string>;
  command: string;
}

export function writeModelBundle(out: string, data: TrainingData, d: PipelineData, b: BundleStep): BundleManifest {
  const items = b.model.ids.map((id) => {
    const s = d.songs.get(id);
    return { id, artist: s?.artist ?? '', title: s?.title ?? '', ...(s?.uri ? { uri: s.uri } : {}) };
  });
  const metrics: Record<string, unknown> = {};
  if (b.evaluation) metrics.coldStart = Object.fromEntries(b.evaluation.map((x) => [x.name, { map500: x.map, auc: x.auc }]));
  if (b.tags) metrics.tagMeanAuc = b.tags.meanAuc;
  return writeBundle(out, {
    config: b.model.config, params: b.model.params, stats: b.model.stats, mel: d.store.manifest.mel.options, windowFrames: WINDOW_FRAMES,
    objective: b.model.objective, items, itemFactors: b.model.factors, tags: b.tags?.models,
    training: { playsSha256: d.plays.checksum, source: data.source, songs: b.model.ids.length, users: d.plays.users.length, inputs: data.inputHashes },
    metrics, command: b.command, extras: b.extras,
  });
}
