/**
 * The bundle's tag models (tags.json): for every tag that at least 10 catalogue songs have and at
 * least 10 lack, a logistic regression from a song's factors to the tag (λ = 1), fitted on the whole
 * catalogue, with its 5-fold cross-validated AUC (null when a fold could not score it). Tags come from
 * the songs file's `tags` column, or a world's style and moods. The one builder of tag models for
 * `earshot-train model` and `experiment`.
 */
import type { BundleTagModel } from '../../src/model/bundle-format';
import { fitLogistic } from '../tags/logistic';
import { tagCrossValidation } from '../tags/tag-cv';

/** Songs a tag needs on each side (with and without it) to be learnt and scored. */
const MIN_SONGS_PER_SIDE = 10;

export interface TagModels {
  models: BundleTagModel[];
  /** Mean cross-validated AUC over the tags (NaN when there are none). */
  meanAuc: number;
}

/** Tag models over `factors` (ids x f); `tagsOf(id)` lists a song's tags. */
export function buildTagModels(factors: Float32Array, f: number, ids: readonly string[], tagsOf: (id: string) => readonly string[]): TagModels {
  const rowsOf = new Map<string, number[]>();
  ids.forEach((id, row) => {
    for (const t of new Set(tagsOf(id))) (rowsOf.get(t) ?? rowsOf.set(t, []).get(t)!).push(row);
  });
  const tags = [...rowsOf.entries()]
    .filter(([, rows]) => rows.length >= MIN_SONGS_PER_SIDE && rows.length <= ids.length - MIN_SONGS_PER_SIDE)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .map(([tag, rows]) => ({ tag, items: Int32Array.from(rows) }));
  if (tags.length === 0) return { models: [], meanAuc: NaN };
  const cv = tagCrossValidation(factors, f, tags, { folds: 5, lambda: 1 });
  const all = Int32Array.from(ids.keys());
  const models = tags.map((t, k) => {
    const y = new Uint8Array(ids.length);
    for (const i of t.items) y[i] = 1;
    const m = fitLogistic(factors, f, y, all, 1);
    return { tag: t.tag, weights: Array.from(m.w.subarray(0, f)), intercept: m.w[f], auc: Number.isFinite(cv.perTag[k].auc) ? cv.perTag[k].auc : null };
  });
  return { models, meanAuc: cv.meanAuc };
}
