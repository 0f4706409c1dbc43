/**
 * Song-change detection on a live stream (`"segment":"auto"`): is the music after a candidate time c a
 * different recording from the music before it?
 *
 * Every block boundary c (≈ 0.26 s apart, ./track-change-blocks.ts) is a candidate. Its left side is the
 * audio since the last change, at most leftS (24) seconds; its right side the next rightS (12) seconds.
 * Six cues compare the sides:
 *
 * 1. envelope: the root mean square over the 16 band groups of the two-sample t statistic of the group's
 *    mean level, t = |m_L − m_R| / √(v_L + v_R + floor) (m, v: mean and variance over the side's blocks);
 * 2. texture: the same over the groups' within-block spread;
 * 3. loudness: t of the frame-loudness spread;  4. flux: t of the onset density;
 * 5. rhythm: 1 − the correlation of the two sides' onset autocorrelations (lags 0.19 … 2.07 s): tempo and
 *    metre, which stay put inside a song through quiet and loud sections alike;
 * 6. factors: the cosine distance between the mean CNN prediction of the windows wholly inside each
 *    side (cosine: the model's scale does not matter).
 *
 * score = Σ w_i · cue_i − threshold. A candidate is a change when its score is ≥ 0, the highest from
 * behindS before it to aheadS after it (8 s each: a song's first seconds already differ from the last
 * ones, and without looking ahead a candidate a few seconds early wins), and at least minGapS (20 s)
 * after the previous change (or the stream's start). The weights are a logistic regression, refitted on
 * the score's peaks, on 30-s excerpts of game music from Debian packages joined with 0–2 s crossfades,
 * and whole tracks; the threshold and peak window were chosen by replaying the peak picking on them
 * (`npm run bench -- track-change tune`, bench/README.md). The held-out accuracy is in docs/protocol.md.
 * The decision for c needs the audio up to c + rightS + aheadS (20 s): changes are reported that late,
 * with their estimated time c. It costs 0.45–0.91 ms of one core per second of audio (bench/README.md).
 */
import { type Block, BLOCK_DIMS, BLOCK_FRAMES, BlockBuilder, GROUPS, LAG_MAX, LAGS } from './track-change-blocks';
import { PeakPicker } from './track-change-peaks';

export interface TrackChangeParams {
  /** Longest left side (s). */
  leftS: number;
  /** Right side (s): the detection delay is rightS + aheadS. */
  rightS: number;
  /** A change is the highest score from behindS before it to aheadS after it (s). */
  behindS: number;
  aheadS: number;
  /** Least time between changes, and from the stream's start to the first (s). */
  minGapS: number;
  /** Added to both variances of a t statistic (log-mel units², dB² by default): silence has none. */
  floor: number;
  weights: { envelope: number; texture: number; loudness: number; flux: number; rhythm: number; factors: number };
  /** The factor cue where a side holds no whole window (hop longer than the sides allow): its typical value inside songs. */
  factorsMissing: number;
  threshold: number;
}

/** Tuned by `npm run bench -- track-change tune` (bench/README.md). */
export const TRACK_CHANGE_DEFAULTS: TrackChangeParams = {
  leftS: 24,
  rightS: 12,
  behindS: 8,
  aheadS: 8,
  minGapS: 20,
  floor: 0.25,
  weights: { envelope: 0.662, texture: 2.937, loudness: 0.343, flux: -1.789, rhythm: 3.599, factors: 5.787 },
  factorsMissing: 0.16,
  threshold: 6.02,
};

/** A left side shorter than this (s) tells nothing: such candidates (right after a start or change) score −∞. */
const MIN_LEFT_S = 2;

/** One candidate's cues (for tuning: bench/track-change-tune.ts records them); NaN and score −∞ where the left side is too short. */
export interface ChangeCues {
  /** The candidate time (s since the last reset). */
  tS: number;
  envelope: number;
  texture: number;
  loudness: number;
  flux: number;
  rhythm: number;
  /** NaN where a side holds no whole window. */
  factors: number;
  score: number;
}

interface FactorWindow {
  tStartS: number;
  tEndS: number;
  f: Float32Array;
}

export class TrackChangeDetector {
  private readonly builder: BlockBuilder;
  private readonly blockS: number;
  private readonly nLeft: number;
  private readonly nRight: number;
  /** Blocks from index `base` on. */
  private blocks: Block[] = [];
  private base = 0;
  private windows: FactorWindow[] = [];
  /** Candidate b is the boundary before block b; candidates are scored from 1 on. */
  private readonly peaks: PeakPicker;

  constructor(
    bands: number,
    /** Seconds per mel frame (hop / sample rate). */
    readonly frameS: number,
    readonly params: TrackChangeParams = TRACK_CHANGE_DEFAULTS,
    /** Called with every candidate's cues (tuning). */
    private readonly observe?: (c: ChangeCues) => void,
  ) {
    this.builder = new BlockBuilder(bands);
    this.blockS = BLOCK_FRAMES * frameS;
    this.nLeft = Math.round(params.leftS / this.blockS);
    this.nRight = Math.round(params.rightS / this.blockS);
    this.peaks = new PeakPicker(Math.round(params.behindS / this.blockS), Math.round(params.aheadS / this.blockS), Math.round(params.minGapS / this.blockS));
  }

  /** Log-mel frames (frames × bands) in stream order. */
  pushFrames(frames: Float32Array): void {
    for (const b of this.builder.push(frames)) this.blocks.push(b);
  }

  /** One window's CNN prediction (its audio spans tStartS … tEndS). */
  pushFactors(tStartS: number, tEndS: number, f: Float32Array): void {
    this.windows.push({ tStartS, tEndS, f });
  }

  /**
   * Scores the candidates whose right side ends by `untilS` (the end of the newest window predicted: its
   * frames are in, and so are the windows before it) and returns the changes now decided (s, in order).
   * `final`: the audio ended at untilS; candidates near the end are decided with what there is.
   */
  advance(untilS: number, final = false): number[] {
    const have = this.base + this.blocks.length;
    const changes: number[] = [];
    for (let b = this.peaks.scored; b + this.nRight <= have && this.timeOf(b + this.nRight) <= untilS + 1e-9; b = this.peaks.scored) {
      for (const d of this.peaks.push(this.score(b))) changes.push(this.timeOf(d));
    }
    if (final) for (const d of this.peaks.finish()) changes.push(this.timeOf(d));
    this.trim();
    return changes;
  }

  /** Time of the first candidate not decided yet (s): no change will be reported before it. */
  get undecidedS(): number {
    return this.timeOf(this.peaks.undecided);
  }

  /** Forgets the window predictions (a new model: its factors are not comparable with the old ones). */
  dropFactors(): void {
    this.windows = [];
  }

  reset(): void {
    this.builder.reset();
    this.blocks = [];
    this.base = 0;
    this.windows = [];
    this.peaks.reset();
  }

  /** The time of block b's first frame (s), computed as the pipeline computes its windows' times: frames × frameS. */
  private timeOf(b: number): number {
    return b * BLOCK_FRAMES * this.frameS;
  }

  private block(b: number): Block {
    return this.blocks[b - this.base];
  }

  /** The score of the boundary before block b (−∞ when the left side is under MIN_LEFT_S). */
  private score(b: number): number {
    const from = Math.max(b - this.nLeft, this.peaks.last, this.base);
    const to = b + this.nRight;
    if ((b - from) * this.blockS < MIN_LEFT_S) {
      this.observe?.({ tS: this.timeOf(b), envelope: NaN, texture: NaN, loudness: NaN, flux: NaN, rhythm: NaN, factors: NaN, score: -Infinity });
      return -Infinity;
    }
    const p = this.params;
    const t = this.tStatistics(from, b, to);
    let env = 0;
    let tex = 0;
    for (let g = 0; g < GROUPS; g++) {
      env += t[g] * t[g];
      tex += t[GROUPS + g] * t[GROUPS + g];
    }
    const cues = {
      envelope: Math.sqrt(env / GROUPS),
      texture: Math.sqrt(tex / GROUPS),
      loudness: t[2 * GROUPS],
      flux: t[2 * GROUPS + 1],
      rhythm: this.rhythmDistance(from, b, to),
      factors: this.factorDistance(this.timeOf(from), this.timeOf(b), this.timeOf(to)),
    };
    const w = p.weights;
    const score =
      w.envelope * cues.envelope + w.texture * cues.texture + w.loudness * cues.loudness + w.flux * cues.flux + w.rhythm * cues.rhythm +
      w.factors * (Number.isNaN(cues.factors) ? p.factorsMissing : cues.factors) - p.threshold;
    this.observe?.({ tS: this.timeOf(b), ...cues, score });
    return score;
  }

  /** Per dimension of the blocks' x: |m_L − m_R| / √(v_L + v_R + floor) for blocks [from, b) against [b, to). */
  private tStatistics(from: number, b: number, to: number): Float64Array {
    const side = (lo: number, hi: number): { m: Float64Array; v: Float64Array } => {
      const m = new Float64Array(BLOCK_DIMS);
      const v = new Float64Array(BLOCK_DIMS);
      for (let k = lo; k < hi; k++) {
        const x = this.block(k).x;
        for (let d = 0; d < BLOCK_DIMS; d++) m[d] += x[d];
      }
      for (let d = 0; d < BLOCK_DIMS; d++) m[d] /= hi - lo;
      for (let k = lo; k < hi; k++) {
        const x = this.block(k).x;
        for (let d = 0; d < BLOCK_DIMS; d++) v[d] += (x[d] - m[d]) ** 2;
      }
      for (let d = 0; d < BLOCK_DIMS; d++) v[d] /= hi - lo;
      return { m, v };
    };
    const l = side(from, b);
    const r = side(b, to);
    const t = new Float64Array(BLOCK_DIMS);
    for (let d = 0; d < BLOCK_DIMS; d++) t[d] = Math.abs(l.m[d] - r.m[d]) / Math.sqrt(l.v[d] + r.v[d] + this.params.floor);
    return t;
  }

  /** 1 − correlation of the onset autocorrelations of the two sides (each side's first LAG_MAX frames only pair with frames inside it). */
  private rhythmDistance(from: number, b: number, to: number): number {
    const skip = Math.ceil(LAG_MAX / BLOCK_FRAMES);
    const l = this.autocorrelation(from + skip, b);
    const r = this.autocorrelation(b + skip, to);
    if (!l || !r) return 0;
    return 1 - correlation(l, r);
  }

  /** The onset autocorrelation r(l) over blocks [lo, hi), mean removed: (Σ o(u)o(u−l)/n − m²) / (Σ o²/n − m²). */
  private autocorrelation(lo: number, hi: number): Float64Array | null {
    if (hi - lo < 4) return null;
    const n = (hi - lo) * BLOCK_FRAMES;
    const acc = new Float64Array(LAGS);
    let s = 0;
    let s2 = 0;
    for (let k = lo; k < hi; k++) {
      const blk = this.block(k);
      for (let i = 0; i < LAGS; i++) acc[i] += blk.lagProducts[i];
      s += blk.onsetSum;
      s2 += blk.onsetSquares;
    }
    const m = s / n;
    const v = s2 / n - m * m;
    if (!(v > 1e-12)) return null;
    for (let i = 0; i < LAGS; i++) acc[i] = (acc[i] / n - m * m) / v;
    return acc;
  }

  /** Cosine distance of the mean predictions of the windows wholly inside [fromS, cS) and [cS, toS); NaN if a side has none. */
  private factorDistance(fromS: number, cS: number, toS: number): number {
    let left: Float64Array | null = null;
    let right: Float64Array | null = null;
    const eps = 1e-6;
    for (const w of this.windows) {
      const side = w.tStartS >= fromS - eps && w.tEndS <= cS + eps ? 'l' : w.tStartS >= cS - eps && w.tEndS <= toS + eps ? 'r' : null;
      if (!side) continue;
      const acc = side === 'l' ? (left ??= new Float64Array(w.f.length)) : (right ??= new Float64Array(w.f.length));
      for (let j = 0; j < acc.length; j++) acc[j] += w.f[j];
    }
    if (!left || !right) return NaN;
    return 1 - cosine(left, right);
  }

  /** Forgets blocks and windows that no future candidate can need (its left side starts after them). */
  private trim(): void {
    const keepBlock = this.peaks.scored - this.nLeft;
    if (keepBlock > this.base) {
      this.blocks.splice(0, keepBlock - this.base);
      this.base = keepBlock;
    }
    const keepS = this.timeOf(this.base) - 1e-6;
    let drop = 0;
    while (drop < this.windows.length && this.windows[drop].tStartS < keepS) drop++;
    if (drop > 0) this.windows.splice(0, drop);
  }
}

/** Pearson correlation: the cosine of the mean-removed vectors. */
function correlation(a: Float64Array, b: Float64Array): number {
  return cosine(centred(a), centred(b));
}

function centred(a: Float64Array): Float64Array {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return a.map((v) => v - m);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** 0 when either vector is all zeros. */
function cosine(a: Float64Array, b: Float64Array): number {
  const norms = Math.sqrt(dot(a, a) * dot(b, b));
  return norms > 0 ? dot(a, b) / norms : 0;
}
