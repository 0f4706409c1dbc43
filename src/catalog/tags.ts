/**
 * Tags of a factor vector: the bundle's per-tag logistic regressions (trainer/tags/logistic.ts),
 * p = σ(w·x + b), evaluated for every tag, the most probable first.
 */
import type { BundleTagModel } from '../model/bundle-format';
import { describe, intArg, invalid, vectorsArg } from '../native/args';

/** One tag and its probability in (0, 1). */
export interface TagProbability {
  tag: string;
  p: number;
}

export class TagModel {
  readonly tags: readonly string[];
  /** F the weights expect; 0 when there are no tags (then any vector gets none). */
  readonly dims: number;
  private readonly weights: Float64Array; // tags x F, row-major
  private readonly intercepts: Float64Array;

  constructor(models: readonly BundleTagModel[]) {
    if (!Array.isArray(models)) throw invalid(`tag models must be an array, got ${describe(models)}`);
    const f = models.length > 0 && Array.isArray(models[0]?.weights) ? models[0].weights.length : 0;
    this.dims = f;
    this.weights = new Float64Array(models.length * f);
    this.intercepts = new Float64Array(models.length);
    models.forEach((m, j) => {
      if (typeof m?.tag !== 'string' || m.tag.length === 0) throw invalid(`tag model ${j} needs a non-empty tag name`);
      if (!Array.isArray(m.weights) || m.weights.length !== f || f === 0) throw invalid(`tag model ${JSON.stringify(m.tag)} has ${Array.isArray(m.weights) ? m.weights.length : 'no'} weights, expected ${f || 'at least 1'}`);
      m.weights.forEach((w: unknown, t: number) => {
        if (typeof w !== 'number' || !Number.isFinite(w)) throw invalid(`tag model ${JSON.stringify(m.tag)}: weight ${t} is ${String(w)}, not a finite number`);
        this.weights[j * f + t] = w;
      });
      if (typeof m.intercept !== 'number' || !Number.isFinite(m.intercept)) throw invalid(`tag model ${JSON.stringify(m.tag)}: intercept ${String(m.intercept)} is not a finite number`);
      this.intercepts[j] = m.intercept;
    });
    this.tags = models.map((m) => m.tag);
  }

  /** The `top` most probable tags of x (F values), p descending, ties in model order. */
  predict(x: Float32Array, top: number): TagProbability[] {
    intArg('top', top, 0, 2 ** 31 - 1);
    const n = this.tags.length;
    if (n === 0) return [];
    vectorsArg('factors', x, 1, this.dims);
    const f = this.dims;
    const scored = this.tags.map((tag, j) => {
      let z = this.intercepts[j];
      for (let t = 0; t < f; t++) z += this.weights[j * f + t] * x[t];
      return { tag, p: sigmoid(z), j };
    });
    scored.sort((a, b) => b.p - a.p || a.j - b.j);
    return scored.slice(0, top).map(({ tag, p }) => ({ tag, p }));
  }
}

/** σ(z) = 1 / (1 + e^−z), written so that neither branch overflows. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
