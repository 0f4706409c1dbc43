/**
 * Slow, obviously-right reference for the native resampler (native/dsp/resampler.cc), kept for tests
 * and the quality bench. It re-derives the same Kaiser design from the published formulas and
 * evaluates y[j] = sum_i x[i] h(j * in / out - i) directly in float64, recomputing every kernel
 * value: no polyphase table, no interpolation, no streaming. O(taps) Bessel evaluations per
 * output sample, so only for short signals.
 */

/** The filter design (mirrors native ResamplerOptions defaults). */
export interface ResamplerDesign {
  upFactor: number; // L: outRateHz / gcd
  downFactor: number; // M: inRateHz / gcd
  passbandEdgeHz: number; // 0.90 x min(in, out) / 2
  stopbandEdgeHz: number; // min(in, out) / 2
  cutoffHz: number; // middle of the transition band
  beta: number; // Kaiser shape
  halfWidth: number; // K, input samples; taps = 2K
  taps: number;
}

const STOPBAND_DB = 100; // Kaiser design target, dB
const PASSBAND_EDGE_FRACTION = 0.9; // of the lower Nyquist

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function I0 by its power series sum ((x/2)^k / k!)^2. */
export function besselI0(x: number): number {
  const q = 0.25 * x * x;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser (1974): beta = 0.1102 (A - 8.7) for A > 50 dB; window length N = (A - 7.95) / (2.285 dw). */
export function designResampler(inRateHz: number, outRateHz: number): ResamplerDesign {
  const g = gcd(inRateHz, outRateHz);
  const nyquist = 0.5 * Math.min(inRateHz, outRateHz);
  const passbandEdgeHz = PASSBAND_EDGE_FRACTION * nyquist;
  const stopbandEdgeHz = nyquist;
  const A = STOPBAND_DB;
  const beta = 0.1102 * (A - 8.7);
  const dw = (2 * Math.PI * (stopbandEdgeHz - passbandEdgeHz)) / inRateHz; // rad / input sample
  const windowLen = (A - 7.95) / (2.285 * dw);
  const halfWidth = Math.ceil(Math.ceil(windowLen / 2) / 4) * 4; // taps a multiple of 8
  return {
    upFactor: outRateHz / g,
    downFactor: inRateHz / g,
    passbandEdgeHz,
    stopbandEdgeHz,
    cutoffHz: 0.5 * (passbandEdgeHz + stopbandEdgeHz),
    beta,
    halfWidth,
    taps: 2 * halfWidth,
  };
}

/** Whole-signal reference conversion: ceil(n * out / in) samples, input zero outside [0, n). */
export function resampleReference(x: Float32Array, inRateHz: number, outRateHz: number): Float64Array {
  if (inRateHz === outRateHz) return Float64Array.from(x);
  const d = designResampler(inRateHz, outRateHz);
  const fc = d.cutoffHz / inRateHz; // cycles per input sample
  const K = d.halfWidth;
  const i0Beta = besselI0(d.beta);
  const L = d.upFactor;
  const M = d.downFactor;
  const nOut = Math.ceil((x.length * L) / M);
  const y = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) {
    const n = Math.floor((j * M) / L); // exact: j * M < 2^53
    const frac = ((j * M) % L) / L;
    let acc = 0;
    for (let i = Math.max(0, n - K + 1); i <= Math.min(x.length - 1, n + K); i++) {
      const t = n - i + frac; // distance from the output instant, input samples
      const u = t / K;
      if (Math.abs(u) >= 1) continue;
      const arg = 2 * fc * t;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      acc += x[i] * 2 * fc * sinc * (besselI0(d.beta * Math.sqrt(1 - u * u)) / i0Beta);
    }
    y[j] = acc;
  }
  return y;
}
