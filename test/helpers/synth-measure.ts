/** Measurements shared by the synth tests: DFT peaks, band shares, envelopes, reference patches and kits. */
import * as assert from 'node:assert/strict';
import { EarshotError } from '../../src/errors';
import { mulberry32 } from '../../trainer/eval/prng';
import { DRUM_LEVEL, renderDrum } from '../../trainer/world/synth/drums';
import { WORLD_RATE_HZ, type DrumKind, type DrumKit, type TonePatch } from '../../trainer/world/synth/patches';
import { renderTone } from '../../trainer/world/synth/tones';

export const FS = WORLD_RATE_HZ;

// ---- measurement helpers (independent of the synth code) ----

/** Index of the last element satisfying pred, -1 if none (Array.prototype.findLastIndex is ES2023). */
export function lastIndex(x: ArrayLike<number>, pred: (v: number) => boolean): number {
  for (let i = x.length - 1; i >= 0; i--) if (pred(x[i])) return i;
  return -1;
}

/** |DFT| of a Hann-windowed x[from..from+len) at one frequency (direct sum, float64). */
export function dftMag(x: Float32Array, from: number, len: number, f: number): number {
  const w = (2 * Math.PI * f) / FS;
  let re = 0;
  let im = 0;
  for (let i = 0; i < len; i++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1));
    re += h * x[from + i] * Math.cos(w * i);
    im -= h * x[from + i] * Math.sin(w * i);
  }
  return Math.hypot(re, im);
}

/** Frequency of the largest DFT magnitude within f0·(1 ± span): coarse scan then golden section. */
export function peakFreq(x: Float32Array, from: number, len: number, f0: number, span = 0.04): number {
  const lo = f0 * (1 - span);
  const step = (2 * f0 * span) / 80;
  let best = lo;
  let bestMag = -1;
  for (let k = 0; k <= 80; k++) {
    const m = dftMag(x, from, len, lo + k * step);
    if (m > bestMag) [bestMag, best] = [m, lo + k * step];
  }
  let a = best - step;
  let b = best + step;
  const r = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 30; it++) {
    const c = b - r * (b - a);
    const d = a + r * (b - a);
    if (dftMag(x, from, len, c) > dftMag(x, from, len, d)) b = d;
    else a = c;
  }
  return (a + b) / 2;
}

/** Power spectrum (Blackman-Harris window, radix-2 FFT) of x[from..from+n), n a power of 2. */
export function powerSpectrum(x: Float32Array, from: number, n: number): Float64Array {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / (n - 1);
    re[i] = (x[from + i] ?? 0) * (0.35875 - 0.48829 * Math.cos(a) + 0.14128 * Math.cos(2 * a) - 0.01168 * Math.cos(3 * a));
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const c = Math.cos(ang * k), s = Math.sin(ang * k);
        const p = i + k, q = p + len / 2;
        const tr = re[q] * c - im[q] * s, ti = re[q] * s + im[q] * c;
        re[q] = re[p] - tr; im[q] = im[p] - ti;
        re[p] += tr; im[p] += ti;
      }
    }
  }
  const pw = new Float64Array(n / 2);
  for (let i = 0; i < n / 2; i++) pw[i] = re[i] * re[i] + im[i] * im[i];
  return pw;
}

/** Share of x's spectral energy (whole signal, zero-padded to 2^k) between loHz and hiHz. */
export function bandShare(x: Float32Array, loHz: number, hiHz: number): number {
  let n = 1;
  while (n < x.length) n <<= 1;
  const pw = powerSpectrum(x, 0, n);
  let inBand = 0, total = 0;
  for (let i = 1; i < pw.length; i++) {
    const f = (i * FS) / n;
    total += pw[i];
    if (f >= loHz && f < hiHz) inBand += pw[i];
  }
  return inBand / total;
}

export function peakAbs(x: Float32Array): number {
  let p = 0;
  for (const v of x) p = Math.max(p, Math.abs(v));
  return p;
}

export function assertFinite(x: Float32Array, what: string): void {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) assert.fail(`${what}: sample ${i} is ${x[i]}`);
}

export function note(patch: TonePatch, freqHz: number, seconds = 1.2, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * FS));
  renderTone(out, 0, out.length, freqHz, 1, patch, mulberry32(seed));
  return out;
}

export function assertInvalid(fn: () => void, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EarshotError, `expected EarshotError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_INVALID_ARGUMENT');
    assert.match(e.message, new RegExp(field));
    return true;
  });
}

// ---- patches and kits used below ----

export const ENV = { attackS: 0.005, decayS: 0.5, sustain: 0.8, releaseS: 0.1 };
export const PATCHES: Record<string, TonePatch> = {
  additive: { kind: 'additive', ...ENV, partials: [1, 0.5, 0.3, 0.2, 0.1] },
  fm: { kind: 'fm', ...ENV, fmRatio: 1, fmIndex: 2, fmDecayS: 0.5 },
  subtractive: { kind: 'subtractive', ...ENV, osc: 'saw', cutoffHz: 2000, resonance: 0.5, envOctaves: 2 },
  pluck: { kind: 'pluck', attackS: 0, decayS: 2, sustain: 1, releaseS: 0.1, damping: 0.3, brightness: 0.6 },
  pad: { kind: 'pad', ...ENV, osc: 'saw', voices: 5, detuneCents: 15, cutoffHz: 3000, resonance: 0.1 },
  lead: { kind: 'lead', ...ENV, osc: 'square', voices: 2, detuneCents: 8, cutoffHz: 4000, resonance: 0.2, drive: 6 },
  bass: { kind: 'bass', ...ENV, osc: 'saw', cutoffHz: 600, resonance: 0.3, envOctaves: 1.5, subLevel: 0.4 },
  chip: { kind: 'chip', ...ENV, duty: 0.25, vibratoHz: 6, vibratoCents: 20 },
};
export const KIT: Record<DrumKit['character'], DrumKit> = {
  acoustic: { character: 'acoustic', kickHz: 55, kickDecayS: 0.3, kickClick: 0.5, kickSweep: 1.5, snareHz: 190, snareNoise: 0.7, snareDecayS: 0.2, hatCutoffHz: 7000, hatDecayS: 0.05, tomHz: 110 },
  electronic: { character: 'electronic', kickHz: 50, kickDecayS: 0.5, kickClick: 0.3, kickSweep: 2, snareHz: 200, snareNoise: 0.6, snareDecayS: 0.2, hatCutoffHz: 8000, hatDecayS: 0.05, tomHz: 120 },
  chip: { character: 'chip', kickHz: 60, kickDecayS: 0.2, kickClick: 0.3, kickSweep: 1.5, snareHz: 220, snareNoise: 0.7, snareDecayS: 0.15, hatCutoffHz: 7000, hatDecayS: 0.04, tomHz: 130 },
};
export const DRUM_KINDS = Object.keys(DRUM_LEVEL) as DrumKind[];

export function drum(kind: DrumKind, kit: DrumKit, seconds = 2, seed = 3): Float32Array {
  const out = new Float32Array(Math.round(seconds * FS));
  renderDrum(out, 0, kind, 1, kit, mulberry32(seed));
  return out;
}

