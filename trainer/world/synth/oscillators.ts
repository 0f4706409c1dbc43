/**
 * Building blocks shared by the world's voices (tones.ts, drums.ts) and effects (effects.ts): a sine
 * table, band-limited wavetables, a state-variable filter, an ADSR envelope and a cheap soft clipper.
 * They exist so that a 30 s song renders in well under 150 ms on one core: no Math.sin per sample,
 * no allocation per sample, coefficients recomputed at most every 16 samples.
 */
import { WORLD_RATE_HZ, type Oscillator } from './patches';

const FS = WORLD_RATE_HZ;

/** Below this (-80 dB re full scale) a voice is inaudible under any mix, so rendering stops. */
export const SILENCE = 1e-4;

/** ln(10^-3): an exponential that falls 60 dB over T samples multiplies by exp(LN_MINUS_60DB / T). */
export const LN_MINUS_60DB = -3 * Math.LN10;

/** Per-sample factor of an exponential decay that falls 60 dB in `t60S` seconds (0 → instant). */
export function decayFactor(t60S: number): number {
  return t60S > 0 ? Math.exp(LN_MINUS_60DB / (t60S * FS)) : 0;
}

export const SINE_SIZE = 4096;
/**
 * sin(2π i / SINE_SIZE) with one guard point, so linear interpolation never wraps. Linear
 * interpolation on 4096 points errs by at most (2π/4096)²/8 ≈ 3e-7 (-130 dB).
 */
export const SINE = new Float32Array(SINE_SIZE + 1);
for (let i = 0; i <= SINE_SIZE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / SINE_SIZE);

/** sin(2π·phase) for phase in [0, 1). */
export function sin01(phase: number): number {
  const x = phase * SINE_SIZE;
  const i = x | 0;
  const a = SINE[i];
  return a + (x - i) * (SINE[i + 1] - a);
}

/**
 * Band-limited wavetables instead of PolyBLEP: at this low rate a 2-point PolyBLEP saw at 1.5 kHz
 * still leaves an alias at -27.5 dB (measured), while a table that holds only harmonics below
 * Nyquist leaves none above the -80 dB interpolation floor. One table per harmonic count; a note
 * picks the richest table whose top harmonic stays below 0.49·fs at its highest (vibrato) pitch.
 */
export const TABLE_SIZE = 2048;
const HARMONIC_STEPS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256];
const tables = new Map<string, Float32Array>();

/** Harmonics a tone of `maxFreqHz` may carry without any of them reaching 0.49·fs. */
export function harmonicBudget(maxFreqHz: number): number {
  return Math.floor((0.49 * FS) / maxFreqHz);
}

/** Single-cycle table of `shape` (peak normalised to 1) for a tone whose pitch never exceeds maxFreqHz. */
export function waveTable(shape: Exclude<Oscillator, 'sine'>, maxFreqHz: number): Float32Array {
  const budget = harmonicBudget(maxFreqHz);
  let h = 1;
  for (const s of HARMONIC_STEPS) if (s <= budget) h = s;
  const key = `${shape}:${h}`;
  let t = tables.get(key);
  if (t === undefined) {
    t = buildTable(shape, h);
    tables.set(key, t);
  }
  return t;
}

function buildTable(shape: Exclude<Oscillator, 'sine'>, harmonics: number): Float32Array {
  const acc = new Float64Array(TABLE_SIZE);
  for (let k = 1; k <= harmonics; k++) {
    // Fourier series of the rising saw 2t-1, the square sign(0.5-t) and the triangle peaking at t=0.25.
    let amp: number;
    if (shape === 'saw') amp = -1 / k;
    else if (k % 2 === 0) continue;
    else if (shape === 'square') amp = 1 / k;
    else amp = ((k - 1) / 2) % 2 === 0 ? 1 / (k * k) : -1 / (k * k);
    // SINE_SIZE = 2·TABLE_SIZE, so sample i of harmonic k sits exactly on table index 2ki.
    for (let i = 0; i < TABLE_SIZE; i++) acc[i] += amp * SINE[(2 * k * i) & (SINE_SIZE - 1)];
  }
  let peak = 0;
  for (let i = 0; i < TABLE_SIZE; i++) peak = Math.max(peak, Math.abs(acc[i]));
  const t = new Float32Array(TABLE_SIZE + 1);
  for (let i = 0; i < TABLE_SIZE; i++) t[i] = acc[i] / peak;
  t[TABLE_SIZE] = t[0];
  return t;
}

/**
 * Adds gain × oscillator into buf[0..n): `inc` is the pitch in cycles per sample, `mod` (optional)
 * multiplies it per sample (vibrato), `maxMod` is the largest value mod takes (picks the table).
 */
export function addOsc(
  buf: Float32Array, n: number, shape: Oscillator, inc: number, phase0: number, gain: number,
  mod: Float32Array | null, maxMod: number,
): void {
  if (shape === 'sine') addTable(buf, n, SINE, SINE_SIZE, inc, phase0, gain, mod);
  else addTable(buf, n, waveTable(shape, inc * maxMod * FS), TABLE_SIZE, inc, phase0, gain, mod);
}

/**
 * Adds gain × a single-cycle table (size + 1 entries, last = first; size a power of two ≤ 2^16)
 * played at `inc` cycles/sample. The phase is a 32-bit integer that wraps by itself: its top bits
 * index the table, the rest is the interpolation fraction (20 % faster than a float phase).
 */
export function addTable(
  buf: Float32Array, n: number, table: Float32Array, size: number, inc: number, phase0: number, gain: number,
  mod: Float32Array | null,
): void {
  const shift = 32 - Math.log2(size);
  const fracMask = 2 ** shift - 1;
  const fracScale = 2 ** -shift;
  let ph = ((phase0 - Math.floor(phase0)) * 4294967296) >>> 0;
  if (mod === null) {
    const di = Math.round(inc * 4294967296) >>> 0;
    for (let i = 0; i < n; i++) {
      const j = ph >>> shift;
      const a = table[j];
      buf[i] += gain * (a + (ph & fracMask) * fracScale * (table[j + 1] - a));
      ph = (ph + di) >>> 0;
    }
  } else {
    // Vibrato (≤ ~10 Hz) changes the step so slowly that holding it for 32 samples (1.5 ms) is
    // inaudible, and it keeps the inner loop all-integer.
    const scaled = inc * 4294967296;
    for (let i0 = 0; i0 < n; i0 += 32) {
      const di = Math.round(scaled * mod[i0]) >>> 0;
      const end = Math.min(n, i0 + 32);
      for (let i = i0; i < end; i++) {
        const j = ph >>> shift;
        const a = table[j];
        buf[i] += gain * (a + (ph & fracMask) * fracScale * (table[j + 1] - a));
        ph = (ph + di) >>> 0;
      }
    }
  }
}

/**
 * Fills mod[0..n) with the pitch ratio of a vibrato (cents) starting at its zero crossing. The
 * ratio is held for 32 samples (1.5 ms, under 1/60 of a 10 Hz vibrato's period): inaudible, and
 * the oscillators step their phase at that block rate anyway.
 */
export function fillVibrato(mod: Float32Array, n: number, rateHz: number, cents: number): void {
  // 2^(c/1200) ≈ 1 + c·ln2/1200: for |c| ≤ 100 cents the error is < 0.03 cents.
  const depth = (cents * Math.LN2) / 1200;
  const inc = (32 * rateHz) / FS;
  let ph = 0;
  for (let i0 = 0; i0 < n; i0 += 32) {
    mod.fill(1 + depth * sin01(ph), i0, Math.min(n, i0 + 32));
    ph += inc;
    ph -= Math.floor(ph);
  }
}

export const SVF_LOWPASS = 0;
export const SVF_BANDPASS = 1;
export const SVF_HIGHPASS = 2;
export type SvfMode = typeof SVF_LOWPASS | typeof SVF_BANDPASS | typeof SVF_HIGHPASS;

/** Resonance 0..0.95 → SVF damping k = 1/Q: 0 gives Q = 0.5 (no peak), 0.95 gives Q = 10. */
export function resonanceToK(resonance: number): number {
  return 2 - 2 * Math.min(Math.max(resonance, 0), 0.95);
}

/**
 * The highest corner a swept voice filter reaches (tan(π·0.45) ≈ 6.3); fixed filters may go to
 * 0.49·fs, where the TPT form is still exact and stable.
 */
const MAX_CORNER_HZ = 0.45 * FS;
const MAX_FIXED_CORNER_HZ = 0.49 * FS;

/**
 * Filters buf[from..from+n) in place with a fixed trapezoidal (TPT) state-variable filter
 * (Zavalishin / Simper form: unconditionally stable, no cramping of the corner near Nyquist).
 * k = 1/Q (√2 = Butterworth). Fresh state per call.
 */
export function svfInPlace(buf: Float32Array, from: number, n: number, cornerHz: number, k: number, mode: SvfMode): void {
  const g = Math.tan((Math.PI * Math.min(cornerHz, MAX_FIXED_CORNER_HZ)) / FS);
  const a1 = 1 / (1 + g * (g + k));
  const a2 = g * a1;
  const a3 = g * a2;
  let ic1 = 0;
  let ic2 = 0;
  const end = from + n;
  for (let i = from; i < end; i++) {
    const x = buf[i];
    const v3 = x - ic2;
    const v1 = a1 * ic1 + a2 * v3;
    const v2 = ic2 + a2 * ic1 + a3 * v3;
    ic1 = 2 * v1 - ic1;
    ic2 = 2 * v2 - ic2;
    buf[i] = mode === SVF_LOWPASS ? v2 : mode === SVF_BANDPASS ? v1 : x - k * v1 - v2;
  }
}

/**
 * Resonant low-pass with a filter envelope, in place over buf[0..n): the corner is
 * cutoffHz · 2^(envOctaves · e(t)), where e rises linearly over attackS and then decays with time
 * constant decayS/3 (so it has faded to 5 % by decayS). Coefficients are updated every 32 samples
 * (1.5 ms, far faster than any audible sweep) and only while the corner still moves by more than
 * 0.1 %: tan and pow cost ~40 ns, five times the filter itself.
 */
export function envelopedLowpass(
  buf: Float32Array, n: number, cutoffHz: number, resonance: number, envOctaves: number, attackS: number, decayS: number,
): void {
  const k = resonanceToK(resonance);
  const attN = Math.max(1, attackS * FS);
  const kE = Math.exp(-32 / Math.max(1, (decayS * FS) / 3)); // decay of e per 32-sample block
  let e = 0;
  let fcLast = -1;
  let ic1 = 0;
  let ic2 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let i0 = 0; i0 < n; i0 += 32) {
    e = i0 < attN ? i0 / attN : i0 - 32 < attN ? Math.exp(-(i0 - attN) / Math.max(1, (decayS * FS) / 3)) : e * kE;
    const fc = Math.min(envOctaves === 0 ? cutoffHz : cutoffHz * Math.pow(2, envOctaves * e), MAX_CORNER_HZ);
    if (Math.abs(fc - fcLast) > 1e-3 * fc) {
      fcLast = fc;
      const g = Math.tan((Math.PI * fc) / FS);
      a1 = 1 / (1 + g * (g + k));
      a2 = g * a1;
      a3 = g * a2;
    }
    const end = Math.min(n, i0 + 32);
    for (let i = i0; i < end; i++) {
      const v3 = buf[i] - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      buf[i] = v2;
    }
  }
}

/**
 * ADSR into env[0..maxN): linear attack (at least 8 samples, against clicks), then the excess over
 * `sustain` falls 60 dB per decayS, and after note-off (gateN) the level falls 60 dB per releaseS
 * (at least 5 ms). Returns how many samples are audible: rendering stops once a decaying level is
 * below SILENCE, so a staccato bell costs 1.33·decayS, not the whole gate.
 */
export function fillAdsr(
  env: Float32Array, maxN: number, gateN: number, attackS: number, decayS: number, sustain: number, releaseS: number,
): number {
  const attN = Math.max(8, Math.round(attackS * FS));
  const kd = decayFactor(decayS);
  const kr = decayFactor(Math.max(releaseS, 0.005));
  // One loop per segment (attack, decay, release): no per-sample branching on the phase.
  const gate = Math.min(gateN, maxN);
  const attEnd = Math.min(attN, gate);
  let level = 0;
  let i = 0;
  for (; i < attEnd; i++) env[i] = level = (i + 1) / attN;
  let excess = level - sustain;
  if (sustain < SILENCE) {
    for (; i < gate; i++) {
      excess *= kd;
      if (excess < SILENCE) return i;
      env[i] = excess;
    }
    level = excess;
  } else {
    for (; i < gate; i++) env[i] = sustain + (excess *= kd);
    level = sustain + excess;
  }
  if (level < SILENCE) return i;
  for (; i < maxN; i++) {
    level *= kr;
    if (level < SILENCE) return i;
    env[i] = level;
  }
  return maxN;
}

/**
 * tanh-like soft clip: the (3,2) Padé approximant x(27+x²)/(27+9x²), exact slope 1 at 0 and slope 0
 * where it meets ±1 at |x| = 3; within 2.5 % of tanh and ~10x cheaper than Math.tanh.
 */
export function softClip(x: number): number {
  if (x >= 3) return 1;
  if (x <= -3) return -1;
  const x2 = x * x;
  return (x * (27 + x2)) / (27 + 9 * x2);
}

/** Returns `a` if it holds n samples, else a bigger array (module-level scratch grows, never per sample). */
export function grow(a: Float32Array, n: number): Float32Array {
  return a.length >= n ? a : new Float32Array(Math.max(n, 2 * a.length));
}

/** Fast xorshift32 noise in [-1, 1) for long noise bursts, seeded once per hit from the caller's rand. */
export function noiseSeed(rand: () => number): number {
  return ((rand() * 4294967296) >>> 0) | 1;
}
