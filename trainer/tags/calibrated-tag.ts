/**
 * The tag model the bundle ships, as one procedure (so that cross-validating it measures exactly what
 * is shipped): standardise the factors over the fitting songs, choose λ by inner cross-validation
 * (lambda-select.ts), fit the logistic regression at that λ on all fitting songs, and calibrate its
 * score with Platt scaling fitted on the inner out-of-fold scores at that λ. The three steps fold into
 * one logistic regression on raw factors, p = σ(w'·x + b'), the bundle's tags.json format:
 *   z = Σ w_a (x_a − μ_a)/σ_a + c,  p = σ(A·z + B)
 *   ⇒ w'_a = A·w_a/σ_a,  b' = A·(c − Σ w_a μ_a/σ_a) + B.
 */
import { EarshotError } from '../../src/errors';
import { selectLambda, type LambdaSelectOptions } from './lambda-select';
import { fitLogistic, type LogisticModel } from './logistic';
import { fitPlatt, type PlattScaling } from './platt';
import { fitStandardisation, standardise, type Standardisation } from './standardise';

export interface CalibratedTagModel {
  /** Folded: d raw-factor weights then the intercept, p = σ(w·x + intercept) (logisticScores gives the logit). */
  w: Float64Array;
  /** The parts before folding, for inspection and the folding test. */
  standardisation: Standardisation;
  /** The regression on standardised factors (d weights then its intercept c). */
  regression: LogisticModel;
  lambda: number;
  /** Mean inner out-of-fold log-loss per grid λ (nats per song). */
  logLoss: number[];
  platt: PlattScaling;
}

/** Fits the shipped tag model on rows `rows` of x (n x d raw factors), labels y (0/1 per item). */
export function fitCalibratedTag(x: Float32Array, d: number, y: Uint8Array, rows: Int32Array, o: LambdaSelectOptions = {}): CalibratedTagModel {
  let pos = 0;
  for (const i of rows) pos += y[i];
  if (pos === 0 || pos === rows.length) throw new EarshotError('ERR_INVALID_ARGUMENT', `a tag model needs fitting songs with and without the tag, got ${pos} of ${rows.length} with it`);
  const standardisation = fitStandardisation(x, d, rows);
  const xs = standardise(x, d, standardisation);
  const sel = selectLambda(xs, d, y, rows, o);
  const regression = fitLogistic(xs, d, y, rows, sel.lambda, 50);
  const platt = fitPlatt(sel.outOfFold, Uint8Array.from(rows, (i) => y[i]));
  return { w: foldTagModel(standardisation, regression.w, platt), standardisation, regression, lambda: sel.lambda, logLoss: sel.logLoss, platt };
}

/**
 * Standardisation, regression (d weights then intercept) and Platt scaling as one raw-factor logistic
 * regression: d weights then the intercept.
 */
export function foldTagModel(s: Standardisation, w: Float64Array, platt: PlattScaling): Float64Array {
  const d = s.mean.length;
  const out = new Float64Array(d + 1);
  let c = w[d];
  for (let a = 0; a < d; a++) {
    out[a] = (platt.a * w[a]) / s.std[a];
    c -= (w[a] * s.mean[a]) / s.std[a];
  }
  out[d] = platt.a * c + platt.b;
  return out;
}
