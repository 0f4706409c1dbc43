/**
 * The paper's tag experiment (Sec. 5.1): for each of the most frequent tags, k-fold cross-validated
 * logistic regression from item features (WMF factors, or audio features) to "has this tag"; the
 * score is the AUC on each held-out fold, averaged over folds and then over tags. Folds are a seeded
 * shuffle of the items, the same for every tag.
 */
import { EarshotError } from '../../src/errors';
import { mulberry32, sampleInPlace } from '../eval/prng';
import { rankMetrics, ROLE_IRRELEVANT, ROLE_RELEVANT } from '../eval/metrics';
import { fitLogistic, logisticScores } from './logistic';

export interface TagCvOptions {
  folds?: number;
  lambda?: number;
  seed?: number;
  onTag?: (done: number, total: number) => void;
}

export interface TagCvResult {
  meanAuc: number;
  perTag: { tag: string; positives: number; auc: number }[];
  folds: number;
  items: number;
}

/**
 * @param x items x d features, row-major
 * @param labels per tag: the item rows that carry it
 */
export function tagCrossValidation(x: Float32Array, d: number, tags: readonly { tag: string; items: Int32Array }[], o: TagCvOptions = {}): TagCvResult {
  const folds = o.folds ?? 10;
  const lambda = o.lambda ?? 1;
  const n = x.length / d;
  if (!Number.isInteger(folds) || folds < 2 || folds > n) throw new EarshotError('ERR_INVALID_ARGUMENT', `folds must be an integer in 2..${n}, got ${folds}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(mulberry32(o.seed ?? 1), order, n);
  const foldOf = new Int32Array(n);
  order.forEach((item, k) => (foldOf[item] = k % folds));
  const perTag: TagCvResult['perTag'] = [];
  const y = new Uint8Array(n);
  tags.forEach((t, ti) => {
    y.fill(0);
    for (const i of t.items) y[i] = 1;
    let sum = 0;
    let counted = 0;
    for (let f = 0; f < folds; f++) {
      const train = Int32Array.from(order.filter((i) => foldOf[i] !== f));
      const test = Int32Array.from(order.filter((i) => foldOf[i] === f));
      const model = fitLogistic(x, d, y, train, lambda);
      const scores = logisticScores(model, x, d, test);
      const roles = Uint8Array.from(test, (i) => (y[i] ? ROLE_RELEVANT : ROLE_IRRELEVANT));
      const auc = rankMetrics(scores, test, roles, test.length, 1).auc;
      if (Number.isFinite(auc)) {
        sum += auc;
        counted++;
      }
    }
    perTag.push({ tag: t.tag, positives: t.items.length, auc: counted ? sum / counted : NaN });
    o.onTag?.(ti + 1, tags.length);
  });
  const valid = perTag.filter((p) => Number.isFinite(p.auc));
  return { meanAuc: valid.reduce((s, p) => s + p.auc, 0) / valid.length, perTag, folds, items: n };
}
