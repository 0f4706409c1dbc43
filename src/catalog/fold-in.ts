/**
 * Fold-in: the factors of a row that was not in training (a listener, from the songs they played) from
 * its play counts and the other side's fixed factors Y, by the exact WMF/ALS solve (Hu, Koren & Volinsky
 * 2008; implicit's recalculate_user):
 *
 *   x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ YᵀC_u p_u,   c = 1 + α log(1 + r/ε) (./confidence.ts),  p = 1 if played
 *
 * Only YᵀY touches every song: F²/2 multiply-adds per song (float64), ≈ 0.5 ms for 2,000 songs and
 * 0.12-0.2 s per million at F = 50. It is passed in (Catalog.gram() computes it once) or computed here;
 * the rest costs O(history x F²), ≈ 0.05 ms for 50 songs played. The trainer's many-row fold-in (trainer/wmf/fold-in.ts) reuses this module's
 * single-row core and options.
 */
import { nativeAddon } from '../native/addon';
import { intArg, invalid, threadsArg } from '../native/args';
import { confidence, CONFIDENCE_DEFAULTS, type ConfidenceOptions } from './confidence';
import { gramOf } from './gram';

export interface FoldInOptions extends ConfidenceOptions {
  /** F. */
  factors: number;
  /** L2 regularisation λ. Default 1e-5, the trainer's WMF default (trainer/wmf/train.ts). */
  lambda?: number;
  /** Default: all cores. */
  threads?: number;
}

export const FOLD_IN_DEFAULTS = { ...CONFIDENCE_DEFAULTS, lambda: 1e-5 } as const;

/**
 * One row's factors from parallel lists.
 * @param indices the other side's rows this row interacted with (e.g. song rows), unique, any order
 * @param counts play counts, same length, finite and >= 0
 * @param fixed the other side's factors (rows x factors, row-major)
 * @param gram fixed's YᵀY when the caller keeps it; computed here otherwise
 */
export async function foldIn(indices: Int32Array, counts: Float32Array, fixed: Float32Array, o: FoldInOptions & { gram?: Float64Array }): Promise<Float32Array> {
  const f = intArg('factors', o.factors, 1, 1024);
  if (!(fixed instanceof Float32Array) || fixed.length % f !== 0) throw invalid(`fixed factors must be a Float32Array of rows x ${f} values`);
  if (!(indices instanceof Int32Array) || !(counts instanceof Float32Array)) throw invalid('indices must be an Int32Array and counts a Float32Array');
  if (indices.length !== counts.length) throw invalid(`indices (${indices.length}) and counts (${counts.length}) differ in length`);
  const rows = fixed.length / f;
  const lambda = o.lambda ?? FOLD_IN_DEFAULTS.lambda;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw invalid(`lambda must be a finite number >= 0, got ${lambda}`);
  const threads = threadsArg(o.threads);
  const order = Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
  const sorted = Int32Array.from(order, (k) => indices[k]);
  for (let k = 0; k < sorted.length; k++) {
    if (sorted[k] < 0 || sorted[k] >= rows) throw invalid(`index ${sorted[k]} is outside 0..${rows - 1}`);
    if (k > 0 && sorted[k] === sorted[k - 1]) throw invalid(`index ${sorted[k]} appears twice; sum its counts first`);
  }
  const conf = confidence(Float32Array.from(order, (k) => counts[k]), o);
  const gram = o.gram ?? (await gramOf(fixed, rows, f, threads));
  if (!(gram instanceof Float64Array) || gram.length !== f * f) throw invalid(`gram must be a Float64Array of F x F = ${f * f} values`);
  return nativeAddon().alsSolveRowsAsync(Int32Array.of(0, sorted.length), sorted, conf, fixed, f, lambda, gram, 1);
}

/** One play-history entry: a catalogue row and how often it was played. */
export interface PlayCount {
  index: number;
  plays: number;
}

/** What a listener's fold-in needs of the catalogue (Catalog provides it): its songs' factors and their YᵀY. */
export interface FoldInCatalog {
  /** Rows of `factors` (a catalogue's removed songs included: their rows are not in YᵀY or a history). */
  readonly rows: number;
  /** Changes whenever songs are added or removed: YᵀY and `factors` belong together only at one revision. */
  readonly revision: number;
  /** F. */
  readonly dims: number;
  readonly factors: Float32Array;
  /** YᵀY of the current rows, kept between calls. */
  gram(): Promise<Float64Array>;
}

/**
 * A listener's factors from their history, against the catalogue's songs, with its cached YᵀY.
 * Defaults are the trainer's: α 2, ε 1e-6 (log confidence), λ 1e-5.
 */
export async function foldInListener(catalog: FoldInCatalog, history: readonly PlayCount[], o: Omit<FoldInOptions, 'factors'> = {}): Promise<Float32Array> {
  if (!Array.isArray(history)) throw invalid('history must be an array of {index, plays}');
  const indices = new Int32Array(history.length);
  const counts = new Float32Array(history.length);
  history.forEach((h, j) => {
    indices[j] = intArg(`history[${j}].index`, h?.index, 0, catalog.rows - 1);
    if (typeof h.plays !== 'number' || !Number.isFinite(h.plays) || h.plays < 0) throw invalid(`history[${j}].plays must be a finite number >= 0, got ${String(h.plays)}`);
    counts[j] = h.plays;
  });
  for (;;) {
    const revision = catalog.revision;
    const gram = await catalog.gram();
    // Songs added or removed while YᵀY was computed: ask again, so that gram and factors cover the same songs.
    if (catalog.revision === revision) return foldIn(indices, counts, catalog.factors, { ...o, factors: catalog.dims, gram });
  }
}
