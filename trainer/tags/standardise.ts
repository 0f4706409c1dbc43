/**
 * Per-factor standardisation for the tag models: WMF factors of a real catalogue have an RMS near
 * 0.008, so an L2 penalty on raw-scale weights swamps the data and every prediction collapses to the
 * tag's base rate. On (x − μ) / σ the penalty means the same at any factor scale, and the λ grid of
 * trainer/tags/lambda-select.ts covers it.
 */

export interface Standardisation {
  /** Per factor: mean and standard deviation over the fitting songs (std 1 for a constant factor). */
  mean: Float64Array;
  std: Float64Array;
}

/** Mean and (population) standard deviation of each of the d columns over `rows` of x (n x d). */
export function fitStandardisation(x: Float32Array, d: number, rows: Int32Array): Standardisation {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const i of rows) for (let a = 0; a < d; a++) mean[a] += x[i * d + a];
  for (let a = 0; a < d; a++) mean[a] /= Math.max(rows.length, 1);
  for (const i of rows) {
    for (let a = 0; a < d; a++) {
      const c = x[i * d + a] - mean[a];
      std[a] += c * c;
    }
  }
  for (let a = 0; a < d; a++) {
    const s = Math.sqrt(std[a] / Math.max(rows.length, 1));
    // A factor constant over the songs carries nothing; 1 keeps it at 0 rather than dividing by 0.
    std[a] = s > 0 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

/** (x − μ) / σ for every row of x (all n rows, whichever rows the statistics came from). */
export function standardise(x: Float32Array, d: number, s: Standardisation): Float32Array {
  const out = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += d) for (let a = 0; a < d; a++) out[o + a] = (x[o + a] - s.mean[a]) / s.std[a];
  return out;
}
