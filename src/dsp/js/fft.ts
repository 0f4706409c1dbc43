/**
 * Power spectrum of one real frame, in plain TypeScript (no Node APIs: runs in browsers, workers and
 * Node). An nFft-point real FFT is one complex FFT of nFft/2 points on the even/odd samples packed as
 * z[k] = x[2k] + i·x[2k+1], then split into the real spectrum. Everything is float64, like the native
 * kernel (native/dsp/dsp_kernels.inc): a float32 FFT loses librosa's quiet bands of loud frames.
 *
 * All tables and scratch are allocated once per plan; power() allocates nothing.
 */
export class RealFftPlan {
  /** FFT length (samples), a power of two. */
  readonly n: number;
  /** Output bins: n/2 + 1 (0 Hz … Nyquist). */
  readonly bins: number;
  /** Periodic Hann window, scipy.signal.get_window('hann', n, fftbins=True), as librosa uses. */
  readonly window: Float64Array;
  private readonly m: number; // complex FFT length n/2
  private readonly bitrev: Int32Array;
  private readonly twRe: Float64Array; // W_m^j = exp(-2πi j/m), j < m/2
  private readonly twIm: Float64Array;
  private readonly postRe: Float64Array; // W_n^k = exp(-2πi k/n), k < m: the even/odd split
  private readonly postIm: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) throw new RangeError(`FFT length must be a power of two >= 4, got ${n}`);
    this.n = n;
    this.bins = n / 2 + 1;
    const m = n / 2;
    this.m = m;
    this.window = new Float64Array(n);
    for (let i = 0; i < n; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    const bits = Math.log2(m);
    this.bitrev = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitrev[i] = r;
    }
    this.twRe = new Float64Array(Math.max(1, m / 2));
    this.twIm = new Float64Array(Math.max(1, m / 2));
    for (let j = 0; j < m / 2; j++) {
      const a = (-2 * Math.PI * j) / m;
      this.twRe[j] = Math.cos(a);
      this.twIm[j] = Math.sin(a);
    }
    this.postRe = new Float64Array(m);
    this.postIm = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const a = (-2 * Math.PI * k) / n;
      this.postRe[k] = Math.cos(a);
      this.postIm[k] = Math.sin(a);
    }
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
  }

  /**
   * |X[k]|² for k = 0..n/2 of the Hann-windowed frame x[offset .. offset+n) (samples; power in the
   * same units squared, no normalisation: librosa's `np.abs(stft)**2`). Writes `out` (≥ bins values).
   */
  power(x: Float32Array, offset: number, out: Float64Array): void {
    const { m, re, im, window: w, bitrev } = this;
    // 1. Window, pack even/odd samples as one complex value, store at the bit-reversed index.
    for (let k = 0; k < m; k++) {
      const j = offset + 2 * k;
      const r = bitrev[k];
      re[r] = x[j] * w[2 * k];
      im[r] = x[j + 1] * w[2 * k + 1];
    }
    // 2. In-place radix-2 decimation-in-time butterflies, stage lengths 2, 4, …, m.
    const { twRe, twIm } = this;
    for (let size = 2; size <= m; size *= 2) {
      const half = size >> 1;
      const step = m / size;
      for (let start = 0; start < m; start += size) {
        for (let j = 0, t = 0; j < half; j++, t += step) {
          const a = start + j, b = a + half;
          const wr = twRe[t], wi = twIm[t];
          const br = re[b] * wr - im[b] * wi;
          const bi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - br;
          im[b] = im[a] - bi;
          re[a] += br;
          im[a] += bi;
        }
      }
    }
    // 3. Split: E = (Z[k] + conj Z[m−k]) / 2 (even samples' spectrum), O = (Z[k] − conj Z[m−k]) / 2i
    //    (odd samples'), X[k] = E + W_n^k · O; Z[m] wraps to Z[0].
    const { postRe, postIm } = this;
    out[0] = (re[0] + im[0]) * (re[0] + im[0]);
    for (let k = 1; k < m; k++) {
      const zr = re[k], zi = im[k], cr = re[m - k], ci = im[m - k];
      const er = 0.5 * (zr + cr), ei = 0.5 * (zi - ci);
      const or = 0.5 * (zi + ci), oi = -0.5 * (zr - cr);
      const wr = postRe[k], wi = postIm[k];
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
    out[m] = (re[0] - im[0]) * (re[0] - im[0]); // Nyquist: E − O at W = −1
  }
}
