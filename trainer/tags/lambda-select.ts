/**
 * The L2 penalty of a tag's logistic regression, chosen by cross-validation on the fitting songs only
 * (so that an outer cross-validation that runs this choice inside each fold measures the whole
 * procedure): for each λ of a log-spaced grid, k-fold out-of-fold log-loss; the λ with the lowest
 * wins (ties go to the larger λ, the simpler model). Folds are stratified by the label.
 */
import { EarshotError } from '../../src/errors';
import { foldSplit, stratifiedFolds } from './folds';
import { fitLogistic, logisticScores, softplus } from './logistic';

/** 10^-4 … 10^2, one per decade: on standardised factors, from almost no penalty to one that keeps
 * every weight near 0 for catalogues of a few thousand songs. */
export const DEFAULT_LAMBDA_GRID: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100];
export const DEFAULT_INNER_FOLDS = 5;
/** Grid λs in a row without a new best before the path stops. */
const PATIENCE = 2;

export interface LambdaSelectOptions {
  grid?: readonly number[];
  folds?: number;
  seed?: number;
}

export interface LambdaSelection {
  lambda: number;
  /** Mean out-of-fold log-loss (nats per song) of each grid λ, in grid order; NaN past the path's stop. */
  logLoss: number[];
  /** The chosen λ's out-of-fold scores z = w·x + b, aligned with `rows` (for calibration). */
  outOfFold: Float64Array;
}

export function checkLambdaGrid(grid: readonly number[]): void {
  if (grid.length === 0 || grid.some((l) => !(l > 0) || !Number.isFinite(l))) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `the λ grid must hold finite numbers > 0, got [${grid.join(', ')}]`);
  }
}

/** Chooses λ for rows `rows` of x (n x d, already standardised) and labels y (0/1 per item). */
export function selectLambda(x: Float32Array, d: number, y: Uint8Array, rows: Int32Array, o: LambdaSelectOptions = {}): LambdaSelection {
  const grid = o.grid ?? DEFAULT_LAMBDA_GRID;
  checkLambdaGrid(grid);
  const folds = o.folds ?? DEFAULT_INNER_FOLDS;
  if (!Number.isInteger(folds) || folds < 2 || folds > rows.length) throw new EarshotError('ERR_INVALID_ARGUMENT', `inner folds must be an integer in 2..${rows.length}, got ${folds}`);
  // Largest λ first: each fold's fit warm-starts the next λ's, and the path stops once PATIENCE λs
  // in a row are worse than the best so far (out-of-fold log-loss is unimodal in λ in practice).
  const order = [...grid.keys()].sort((i, j) => grid[j] - grid[i]);
  const foldOf = stratifiedFolds(y, rows, folds, o.seed ?? 1);
  const splits = Array.from({ length: folds }, (_, k) => foldSplit(rows, foldOf, k));
  const position = new Map<number, number>();
  rows.forEach((item, r) => position.set(item, r));
  const starts: (Float64Array | undefined)[] = splits.map(() => undefined);
  const oof = grid.map(() => new Float64Array(rows.length));
  const loss = new Array<number>(grid.length).fill(NaN);
  let bestSoFar = Infinity;
  let worse = 0;
  for (const g of order) {
    loss[g] = 0;
    splits.forEach(({ train, test }, k) => {
      if (test.length === 0) return;
      const m = fitLogistic(x, d, y, train, grid[g], 50, starts[k]);
      starts[k] = m.w;
      const z = logisticScores(m, x, d, test);
      test.forEach((item, t) => {
        oof[g][position.get(item)!] = z[t];
        loss[g] += softplus(y[item] ? -z[t] : z[t]);
      });
    });
    if (loss[g] < bestSoFar) [bestSoFar, worse] = [loss[g], 0];
    else if (++worse >= PATIENCE) break;
  }
  let best = order[0];
  for (let g = 0; g < grid.length; g++) {
    if (Number.isNaN(loss[g])) continue;
    const better = loss[g] < loss[best] * (1 - 1e-12);
    const tieLarger = Math.abs(loss[g] - loss[best]) <= loss[best] * 1e-12 && grid[g] > grid[best];
    if (better || tieLarger) best = g;
  }
  return { lambda: grid[best], logLoss: loss.map((l) => l / rows.length), outOfFold: oof[best] };
}
