/**
 * The bundle's tag models (tags.json): for every tag that at least 10 catalogue songs have and at
 * least 10 lack, the calibrated tag model of trainer/tags/calibrated-tag.ts (standardised factors, λ
 * chosen by inner cross-validation, Platt scaling, all folded into one logistic regression on raw
 * factors), fitted on the whole catalogue. Its `auc` is the 5-fold cross-validated AUC of that same
 * procedure (each outer fold standardises, chooses λ and calibrates on its own training songs; null
 * when no fold could score it), so the figure describes the model that ships. Tags come from the songs
 * file's `tags` column, or a world's style and moods; songs with none are left out (unlabelled, not
 * negatives). The one builder of tag models for `earshot-train
 * model` and `experiment`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import type { BundleTagModel } from '../../src/model/bundle-format';
import { runPool } from '../pool/worker-pool';
import { fitCalibratedTag } from '../tags/calibrated-tag';
import { tagCrossValidation } from '../tags/tag-cv';

/** Songs a tag needs on each side (with and without it) to be learnt and scored. */
const MIN_SONGS_PER_SIDE = 10;

/** Outer folds of the reported AUC. */
const CV_FOLDS = 5;
/** Seeds of the outer folds and of the shipped fit's inner folds. */
const CV_SEED = 1;
const FIT_SEED = 7;

/** tags.json's entry: the engine reads tag, weights, intercept (and auc); the rest describe the fit. */
export interface TrainedTagModel extends BundleTagModel {
  /** L2 penalty on the standardised factors, chosen by 5-fold CV over the catalogue. */
  lambda: number;
  /** Catalogue songs with the tag, and their fraction (the mean p a calibrated model gives). */
  positives: number;
  baseRate: number;
}

export interface TagModels {
  models: TrainedTagModel[];
  /** Mean cross-validated AUC over the tags (NaN when there are none). */
  meanAuc: number;
}

/** One tag's work, on the main thread or a worker (tag-model-worker.ts): factors are n x f. */
export interface TagJob {
  tag: string;
  /** Rows of the songs with the tag. */
  items: Int32Array;
  factors: Float32Array;
  f: number;
}

/** One tag's model: the procedure cross-validated (its AUC), then fitted on every song. */
export function fitTagJob(j: TagJob): TrainedTagModel {
  const n = j.factors.length / j.f;
  const cv = tagCrossValidation(j.factors, j.f, [{ tag: j.tag, items: j.items }], { folds: CV_FOLDS, lambda: 'cv', seed: CV_SEED });
  const y = new Uint8Array(n);
  for (const i of j.items) y[i] = 1;
  const m = fitCalibratedTag(j.factors, j.f, y, Int32Array.from({ length: n }, (_, i) => i), { seed: FIT_SEED });
  const auc = cv.perTag[0].auc;
  return {
    tag: j.tag, weights: Array.from(m.w.subarray(0, j.f)), intercept: m.w[j.f], auc: Number.isFinite(auc) ? auc : null,
    lambda: m.lambda, positives: j.items.length, baseRate: j.items.length / n,
  };
}

export interface BuildTagModelsOptions {
  /** Worker threads, one tag at a time each (default: all cores; 1: on this thread). The models do not depend on it. */
  threads?: number;
}

/** Tag models over `factors` (ids x f); `tagsOf(id)` lists a song's tags. */
export async function buildTagModels(factors: Float32Array, f: number, ids: readonly string[], tagsOf: (id: string) => readonly string[], o: BuildTagModelsOptions = {}): Promise<TagModels> {
  if (factors.length !== ids.length * f) throw new EarshotError('ERR_INVALID_ARGUMENT', `tag models: ${factors.length} factor values for ${ids.length} songs x ${f} factors`);
  const bad = factors.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new EarshotError('ERR_NOT_FINITE', `tag models: song ${JSON.stringify(ids[Math.floor(bad / f)])} factor ${bad % f} is ${factors[bad]}`);
  const threads = o.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `tag models: threads must be an integer >= 1, got ${threads}`);
  // A song without any tag is unlabelled — nobody said what it is — not a negative of every tag: the
  // models learn from the tagged songs only (the default catalogue's game music mostly has no tags).
  const labelled = ids.map((id, row) => (tagsOf(id).length > 0 ? row : -1)).filter((row) => row >= 0);
  if (labelled.length > 0 && labelled.length < ids.length) {
    const sub = new Float32Array(labelled.length * f);
    labelled.forEach((row, k) => sub.set(factors.subarray(row * f, (row + 1) * f), k * f));
    return buildTagModels(sub, f, labelled.map((row) => ids[row]), tagsOf, o);
  }
  const rowsOf = new Map<string, number[]>();
  ids.forEach((id, row) => {
    for (const t of new Set(tagsOf(id))) (rowsOf.get(t) ?? rowsOf.set(t, []).get(t)!).push(row);
  });
  const tags = [...rowsOf.entries()]
    .filter(([, rows]) => rows.length >= MIN_SONGS_PER_SIDE && rows.length <= ids.length - MIN_SONGS_PER_SIDE)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .map(([tag, rows]) => ({ tag, items: Int32Array.from(rows) }));
  if (tags.length === 0) return { models: [], meanAuc: NaN };
  const models = new Array<TrainedTagModel>(tags.length);
  if (threads === 1 || tags.length === 1) {
    tags.forEach((t, k) => (models[k] = fitTagJob({ ...t, factors, f })));
  } else {
    // One copy of the factors in shared memory, read by every worker (a job carries only its tag's rows).
    const shared = new Float32Array(new SharedArrayBuffer(factors.byteLength));
    shared.set(factors);
    await runPool<TagJob, TrainedTagModel>({
      workerPath: path.join(__dirname, 'tag-model-worker.js'), jobs: tags.map((t) => ({ ...t, factors: shared, f })), threads,
      onResult: (k, m) => (models[k] = m),
      onJobError: (k, message) => {
        throw new EarshotError('ERR_INVALID_ARGUMENT', `tag model ${JSON.stringify(tags[k].tag)}: ${message}`);
      },
    });
  }
  const scored = models.filter((m) => m.auc !== null);
  return { models, meanAuc: scored.reduce((s, m) => s + m.auc!, 0) / scored.length };
}
