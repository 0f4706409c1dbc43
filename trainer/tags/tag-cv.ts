/**
 * The paper's tag experiment (Sec. 5.1): for each of the most frequent tags, k-fold cross-validated
 * logistic regression from item features (WMF factors, or audio features) to "has this tag"; the
 * score is the AUC on each held-out fold, averaged over folds and then over tags. Folds are a seeded
 * shuffle of the items, the same for every tag. With `lambda: 'cv'` each fold runs the bundle's whole
 * tag-model procedure instead (trainer/tags/calibrated-tag.ts), so the AUC is that procedure's.
 */
import { EarshotError } from '../../src/errors';
import { rankMetrics, ROLE_IRRELEVANT, ROLE_RELEVANT } from '../eval/metrics';
import { fitCalibratedTag } from './calibrated-tag';
import { foldSplit, shuffledFolds, stratifiedFolds } from './folds';
import { checkLambdaGrid, type LambdaSelectOptions } from './lambda-select';
import { fitLogistic, logisticScores } from './logistic';

export interface TagCvOptions {
  folds?: number;
  /**
   * A fixed L2 penalty on the raw features (default 1, the paper's experiment), or 'cv': in every
   * fold, the bundle's procedure (calibrated-tag.ts: standardised features, λ chosen by inner CV on
   * the fold's training songs, Platt scaling), with stratified folds.
   */
  lambda?: number | 'cv';
  /** For lambda 'cv': the λ grid and inner folds. */
  select?: Omit<LambdaSelectOptions, 'seed'>;
  seed?: number;
  onTag?: (done: number, total: number) => void;
}

export interface TagCvResult {
  meanAuc: number;
  /** lambdas: for lambda 'cv', the λ each fold chose (NaN for a fold skipped for lack of either kind of song). */
  perTag: { tag: string; positives: number; auc: number; lambdas?: number[] }[];
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
  const seed = o.seed ?? 1;
  const n = x.length / d;
  if (!Number.isInteger(folds) || folds < 2 || folds > n) throw new EarshotError('ERR_INVALID_ARGUMENT', `folds must be an integer in 2..${n}, got ${folds}`);
  if (lambda !== 'cv' && typeof lambda !== 'number') throw new EarshotError('ERR_INVALID_ARGUMENT', `lambda must be a number or 'cv', got ${String(lambda)}`);
  if (o.select?.grid) checkLambdaGrid(o.select.grid);
  const { order, foldOf } = shuffledFolds(n, folds, seed);
  const perTag: TagCvResult['perTag'] = [];
  const y = new Uint8Array(n);
  tags.forEach((t, ti) => {
    y.fill(0);
    for (const i of t.items) y[i] = 1;
    let sum = 0;
    let counted = 0;
    const lambdas: number[] = [];
    // The 'cv' procedure needs both labels in every training fold: stratified folds give them that
    // whenever the tag has at least two songs with it and two without; a fold without is skipped (λ NaN).
    const cvFoldOf = lambda === 'cv' ? stratifiedFolds(y, order, folds, seed) : null;
    for (let f = 0; f < folds; f++) {
      let train: Int32Array;
      let test: Int32Array;
      let scores: Float64Array;
      if (cvFoldOf) {
        ({ train, test } = foldSplit(order, cvFoldOf, f));
        const positives = train.reduce((s, i) => s + y[i], 0);
        if (positives === 0 || positives === train.length) {
          lambdas.push(NaN);
          continue;
        }
        const model = fitCalibratedTag(x, d, y, train, { ...o.select, seed: (seed + 1 + f) >>> 0 });
        lambdas.push(model.lambda);
        scores = logisticScores(model, x, d, test);
      } else {
        train = Int32Array.from(order.filter((i) => foldOf[i] !== f));
        test = Int32Array.from(order.filter((i) => foldOf[i] === f));
        scores = logisticScores(fitLogistic(x, d, y, train, lambda as number), x, d, test);
      }
      const roles = Uint8Array.from(test, (i) => (y[i] ? ROLE_RELEVANT : ROLE_IRRELEVANT));
      const auc = rankMetrics(scores, test, roles, test.length, 1).auc;
      if (Number.isFinite(auc)) {
        sum += auc;
        counted++;
      }
    }
    perTag.push({ tag: t.tag, positives: t.items.length, auc: counted ? sum / counted : NaN, ...(cvFoldOf ? { lambdas } : {}) });
    o.onTag?.(ti + 1, tags.length);
  });
  const valid = perTag.filter((p) => Number.isFinite(p.auc));
  return { meanAuc: valid.reduce((s, p) => s + p.auc, 0) / valid.length, perTag, folds, items: n };
}
