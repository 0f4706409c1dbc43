/** Synthetic tones and a least-squares sine fit: the analytic oracle for resampler tests and bench. */

/** sin(2 pi f i / rate) for i in [0, n), phase computed in float64 then rounded to float32. */
export function tone(freqHz: number, rateHz: number, n: number, phaseRad = 0): Float32Array {
  const x = new Float32Array(n);
  const w = (2 * Math.PI * freqHz) / rateHz;
  for (let i = 0; i < n; i++) x[i] = Math.sin(w * i + phaseRad);
  return x;
}

export interface SineFit {
  amplitude: number; // of the best-fitting a sin + b cos at freqHz
  phaseRad: number; // atan2(b, a): 0 when y = amplitude * sin(2 pi f j / rate)
  residualRms: number; // rms of y minus that fit: aliases, images, noise
}

/** Fits a sin(w j) + b cos(w j) to y[from..to) by least squares (2x2 normal equations, float64). */
export function fitSine(y: ArrayLike<number>, freqHz: number, rateHz: number, from: number, to: number): SineFit {
  const w = (2 * Math.PI * freqHz) / rateHz;
  let ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
  for (let j = from; j < to; j++) {
    const s = Math.sin(w * j), c = Math.cos(w * j);
    ss += s * s; sc += s * c; cc += c * c; ys += y[j] * s; yc += y[j] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let e = 0;
  for (let j = from; j < to; j++) {
    const r = y[j] - a * Math.sin(w * j) - b * Math.cos(w * j);
    e += r * r;
  }
  return { amplitude: Math.hypot(a, b), phaseRad: Math.atan2(b, a), residualRms: Math.sqrt(e / (to - from)) };
}

/** rms of y[from..to) in dB relative to a full-scale sine (rms 1/sqrt 2). */
export function rmsDbFs(y: ArrayLike<number>, from: number, to: number): number {
  let e = 0;
  for (let j = from; j < to; j++) e += y[j] * y[j];
  return 10 * Math.log10(e / (to - from) / 0.5 + 1e-300);
}
