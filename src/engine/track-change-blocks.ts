/**
 * The per-block summaries the track-change detector compares (./track-change-detector.ts), computed
 * from a stream's log-mel frames as they arrive. A block is BLOCK_FRAMES frames (11 × 23.2 ms ≈ 0.26 s);
 * for each it keeps:
 *
 * - `x` (BLOCK_DIMS values): the mean log-mel level of GROUPS equal groups of bands (spectral envelope),
 *   the standard deviation over the block's frames of each group's level (texture: how much each
 *   register moves), the standard deviation of the frame loudness (mean over bands), and the mean
 *   spectral flux (mean over bands of the positive frame-to-frame log-mel increase: onset density);
 * - the raw sums of the onset autocorrelation (rhythm/tempo): for each lag l in LAG_MIN..LAG_MAX−1
 *   frames, Σ o(u)·o(u−l) over the block's frames u, with o the frame's spectral flux, plus Σ o and Σ o².
 *   Products are filed under the later frame u, so a range of blocks holds exactly the products of
 *   frames inside it once the range is trimmed by LAG_MAX frames at its start.
 *
 * Units follow the bundle's log-mel (dB for the default front end); the detector only uses ratios of
 * these (t statistics, correlations), so a different log scale changes nothing but its floors.
 */

export const BLOCK_FRAMES = 11;
/** Equal groups of mel bands (8 bands each at 128 bands). */
export const GROUPS = 16;
/** x: GROUPS levels, GROUPS texture values, loudness spread, flux. */
export const BLOCK_DIMS = 2 * GROUPS + 2;
/** Onset autocorrelation lags in frames: 8 … 89 frames = 0.19 … 2.07 s (29 … 320 beats per minute and their multiples). */
export const LAG_MIN = 8;
export const LAG_MAX = 90;
export const LAGS = LAG_MAX - LAG_MIN;

export interface Block {
  /** Block index since the last reset (block b holds frames b·BLOCK_FRAMES … (b+1)·BLOCK_FRAMES − 1). */
  index: number;
  x: Float32Array;
  /** Σ o(u)·o(u − l) for l = LAG_MIN + i. */
  lagProducts: Float64Array;
  onsetSum: number;
  onsetSquares: number;
}

export class BlockBuilder {
  private readonly groupOf: Int32Array;
  private readonly groupSize: Float64Array;
  /** Per frame of the block being built: group levels (BLOCK_FRAMES × GROUPS) and loudness. */
  private readonly levels = new Float64Array(BLOCK_FRAMES * GROUPS);
  private readonly loudness = new Float64Array(BLOCK_FRAMES);
  private readonly prev: Float32Array;
  private hasPrev = false;
  /** The last LAG_MAX onset values, a ring indexed by frame number. */
  private readonly onsets = new Float64Array(LAG_MAX);
  private frame = 0;
  private inBlock = 0;
  private fluxSum = 0;
  private lagProducts = new Float64Array(LAGS);
  private onsetSum = 0;
  private onsetSquares = 0;
  private nextIndex = 0;

  constructor(readonly bands: number) {
    if (bands < GROUPS) throw new RangeError(`the track-change detector needs at least ${GROUPS} mel bands, got ${bands}`);
    this.groupOf = new Int32Array(bands);
    this.groupSize = new Float64Array(GROUPS);
    for (let b = 0; b < bands; b++) {
      const g = Math.min(GROUPS - 1, Math.floor((b * GROUPS) / bands));
      this.groupOf[b] = g;
      this.groupSize[g]++;
    }
    this.prev = new Float32Array(bands);
  }

  /** Frames (frames × bands, row-major) → the blocks they complete. */
  push(frames: Float32Array): Block[] {
    const nb = this.bands;
    const out: Block[] = [];
    for (let at = 0; at + nb <= frames.length; at += nb) {
      const lv = this.levels.subarray(this.inBlock * GROUPS, (this.inBlock + 1) * GROUPS);
      lv.fill(0);
      let sum = 0;
      let flux = 0;
      for (let b = 0; b < nb; b++) {
        const v = frames[at + b];
        lv[this.groupOf[b]] += v;
        sum += v;
        if (this.hasPrev && v > this.prev[b]) flux += v - this.prev[b];
        this.prev[b] = v;
      }
      for (let g = 0; g < GROUPS; g++) lv[g] /= this.groupSize[g];
      this.loudness[this.inBlock] = sum / nb;
      const o = this.hasPrev ? flux / nb : 0;
      this.hasPrev = true;
      this.fluxSum += o;
      this.addOnset(o);
      if (++this.inBlock === BLOCK_FRAMES) out.push(this.finishBlock());
    }
    return out;
  }

  reset(): void {
    this.hasPrev = false;
    this.onsets.fill(0);
    this.frame = 0;
    this.inBlock = 0;
    this.fluxSum = 0;
    this.lagProducts = new Float64Array(LAGS);
    this.onsetSum = 0;
    this.onsetSquares = 0;
    this.nextIndex = 0;
  }

  private addOnset(o: number): void {
    const f = this.frame++;
    for (let i = 0; i < LAGS; i++) {
      const l = LAG_MIN + i;
      if (f >= l) this.lagProducts[i] += o * this.onsets[(f - l) % LAG_MAX];
    }
    this.onsets[f % LAG_MAX] = o;
    this.onsetSum += o;
    this.onsetSquares += o * o;
  }

  private finishBlock(): Block {
    const x = new Float32Array(BLOCK_DIMS);
    const n = BLOCK_FRAMES;
    for (let g = 0; g < GROUPS; g++) {
      let m = 0;
      for (let f = 0; f < n; f++) m += this.levels[f * GROUPS + g];
      m /= n;
      let v = 0;
      for (let f = 0; f < n; f++) v += (this.levels[f * GROUPS + g] - m) ** 2;
      x[g] = m;
      x[GROUPS + g] = Math.sqrt(v / n);
    }
    let lm = 0;
    for (let f = 0; f < n; f++) lm += this.loudness[f];
    lm /= n;
    let lv = 0;
    for (let f = 0; f < n; f++) lv += (this.loudness[f] - lm) ** 2;
    x[2 * GROUPS] = Math.sqrt(lv / n);
    x[2 * GROUPS + 1] = this.fluxSum / n;
    const block: Block = { index: this.nextIndex++, x, lagProducts: this.lagProducts, onsetSum: this.onsetSum, onsetSquares: this.onsetSquares };
    this.inBlock = 0;
    this.fluxSum = 0;
    this.lagProducts = new Float64Array(LAGS);
    this.onsetSum = 0;
    this.onsetSquares = 0;
    return block;
  }
}
