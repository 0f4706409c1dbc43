/**
 * The mel filterbank, built exactly as librosa.filters.mel and the native kernel (native/dsp/mel_filterbank.cc)
 * build it, in float64, and stored sparsely: each band keeps only its non-zero FFT bins.
 */

export interface MelBankConfig {
  sampleRateHz: number;
  /** FFT length (samples): bins are k · sampleRateHz / nFft Hz, k = 0..nFft/2. */
  nFft: number;
  nMels: number;
  fminHz: number;
  /** Upper edge (Hz); < 0: sampleRateHz / 2. */
  fmaxHz: number;
  /** HTK's 2595·log10(1 + f/700) instead of Slaney's scale. */
  htk: boolean;
  /** Slaney area normalisation: each triangle scaled by 2 / (its width in Hz). */
  slaneyNorm: boolean;
}

// Slaney's Auditory Toolbox scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above
// (27 mels per factor 6.4).
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number, htk: boolean): number {
  if (htk) return 2595 * Math.log10(1 + hz / 700);
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHz(mel: number, htk: boolean): number {
  if (htk) return 700 * (Math.pow(10, mel / 2595) - 1);
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export class MelBank {
  readonly nMels: number;
  readonly bins: number;
  /** Dense weights, nMels x bins, row-major (librosa's filters.mel layout). */
  readonly dense: Float64Array;
  /** Band b's non-zero bins are lo[b] .. hi[b]-1; their weights start at offset[b] in `weights`. */
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly offset: Int32Array;
  private readonly weights: Float64Array;

  constructor(c: MelBankConfig) {
    const fmax = c.fmaxHz < 0 ? c.sampleRateHz / 2 : c.fmaxHz;
    if (!(c.fminHz >= 0) || !(fmax > c.fminHz) || fmax > c.sampleRateHz / 2 + 1e-9) {
      throw new RangeError(`need 0 <= fminHz < fmaxHz <= sampleRateHz/2, got fminHz=${c.fminHz} fmaxHz=${fmax} sampleRateHz=${c.sampleRateHz}`);
    }
    const nMels = c.nMels;
    const bins = c.nFft / 2 + 1;
    this.nMels = nMels;
    this.bins = bins;
    // librosa: mel_f = mel_frequencies(n_mels + 2, fmin, fmax); weights[i] = max(0, min(lower, upper)).
    const melF = new Float64Array(nMels + 2);
    const melMin = hzToMel(c.fminHz, c.htk), melMax = hzToMel(fmax, c.htk);
    for (let i = 0; i < nMels + 2; i++) {
      // np.linspace: start + i * step, with the last point exactly melMax.
      const m = i === nMels + 1 ? melMax : melMin + i * ((melMax - melMin) / (nMels + 1));
      melF[i] = melToHz(m, c.htk);
    }
    this.dense = new Float64Array(nMels * bins);
    this.lo = new Int32Array(nMels);
    this.hi = new Int32Array(nMels);
    this.offset = new Int32Array(nMels + 1);
    for (let i = 0; i < nMels; i++) {
      const d0 = melF[i + 1] - melF[i], d1 = melF[i + 2] - melF[i + 1];
      const enorm = c.slaneyNorm ? 2 / (melF[i + 2] - melF[i]) : 1;
      let lo = bins, hi = 0;
      for (let k = 0; k < bins; k++) {
        const f = (k * c.sampleRateHz) / c.nFft; // FFT bin centre (Hz)
        const lower = -(melF[i] - f) / d0;
        const upper = (melF[i + 2] - f) / d1;
        const v = Math.max(0, Math.min(lower, upper)) * enorm;
        this.dense[i * bins + k] = v;
        if (v !== 0) {
          lo = Math.min(lo, k);
          hi = Math.max(hi, k + 1);
        }
      }
      if (hi <= lo) lo = hi = 0; // a band narrower than one bin has no weights (librosa warns; output 0)
      this.lo[i] = lo;
      this.hi[i] = hi;
      this.offset[i + 1] = this.offset[i] + (hi - lo);
    }
    this.weights = new Float64Array(this.offset[nMels]);
    for (let i = 0; i < nMels; i++) {
      for (let k = this.lo[i]; k < this.hi[i]; k++) this.weights[this.offset[i] + k - this.lo[i]] = this.dense[i * bins + k];
    }
  }

  /** Mel power of one power spectrum (`bins` values) into out[0 .. nMels), summed in float64. */
  apply(power: Float64Array, out: Float64Array): void {
    const { lo, hi, offset, weights } = this;
    for (let b = 0; b < this.nMels; b++) {
      let s = 0;
      const o = offset[b] - lo[b];
      for (let k = lo[b]; k < hi[b]; k++) s += power[k] * weights[o + k];
      out[b] = s;
    }
  }
}
