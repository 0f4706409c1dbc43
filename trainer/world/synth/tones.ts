/**
 * Pitched voices of the benchmark world: renderTone adds one note of a TonePatch into a mono buffer
 * at WORLD_RATE_HZ. Each kind renders a raw signal of peak ≈ 1 into a scratch buffer; a shared last
 * stage applies the ADSR, the optional soft-clip drive and velocity × VOICE_LEVEL (0.4), so one note
 * at velocity 1 peaks near 0.4 whatever its kind and the arranger can stack several.
 */
import { checkRanges, fail, type RangeTable } from './param-checks';
import type { Rand } from '../../eval/prng';
import { WORLD_RATE_HZ, type ToneKind, type TonePatch } from './patches';
import {
  SILENCE, SINE, SINE_SIZE, TABLE_SIZE, addOsc, addTable, envelopedLowpass, fillAdsr, fillVibrato, grow, harmonicBudget, softClip,
} from './oscillators';

const FS = WORLD_RATE_HZ;

/** Peak of one note at velocity 1 (before drive): several voices stack below full scale. */
export const VOICE_LEVEL = 0.4;

/** Longest note rendered (2^26 samples, 50 min): bounds the scratch buffers. */
const MAX_NOTE_SAMPLES = 1 << 26;

/** Low-pass corner (Hz) when a patch gives no cutoffHz; additive, fm, pluck and chip have no filter. */
const DEFAULT_CUTOFF_HZ: Record<ToneKind, number> = {
  additive: 0, fm: 0, pluck: 0, chip: 0, subtractive: 2000, pad: 2500, lead: 5000, bass: 800,
};

// Scratch buffers, grown as needed and reused by every note (never allocated per sample).
let envBuf: Float32Array = new Float32Array(1 << 15);
let voiceBuf: Float32Array = new Float32Array(1 << 15);
let modBuf: Float32Array = new Float32Array(1 << 15);
let lineBuf: Float32Array = new Float32Array(2048);

/**
 * Adds one note into out: it starts at sample `start` (rounded; may be negative or past the end),
 * is held for `lengthSamples` (note-off), then rings out over patch.releaseS (the level falls 60 dB
 * per releaseS). Everything outside out is dropped. velocity 0..1 scales the amplitude linearly.
 * rand supplies initial phases and pluck excitation only, so a seeded rand makes the output exact.
 */
export function renderTone(
  out: Float32Array, start: number, lengthSamples: number, freqHz: number, velocity: number, patch: TonePatch, rand: Rand,
): void {
  if (!Number.isFinite(start)) fail(`start must be a finite sample index, got ${String(start)}`);
  if (!Number.isFinite(lengthSamples) || lengthSamples < 0) {
    fail(`lengthSamples must be a finite number >= 0, got ${String(lengthSamples)}`);
  }
  if (!Number.isFinite(freqHz) || freqHz <= 0 || freqHz >= FS / 2) {
    fail(`freqHz must be in (0, ${FS / 2}) Hz, got ${String(freqHz)}`);
  }
  if (!Number.isFinite(velocity) || velocity < 0 || velocity > 1) fail(`velocity must be in 0..1, got ${String(velocity)}`);
  checkTonePatch(patch);

  const s0 = Math.round(start);
  const gateN = Math.round(lengthSamples);
  if (velocity === 0 || s0 >= out.length) return;
  // Longest possible note: the gate, the attack if longer, then 80 dB of release (4/3 of a T60).
  const maxLen = Math.max(gateN, Math.round(patch.attackS * FS) + 8) + Math.ceil((Math.max(patch.releaseS, 0.005) * 4 * FS) / 3) + 2;
  if (s0 + maxLen <= 0) return;
  const span = Math.min(maxLen, out.length - s0);
  // A note still sounding from far before the buffer would have to be rendered from its start.
  if (span > MAX_NOTE_SAMPLES) fail(`start (${s0}) and lengthSamples (${gateN}) make a note of ${span} samples; at most ${MAX_NOTE_SAMPLES} are rendered`);
  envBuf = grow(envBuf, span);
  let n = fillAdsr(envBuf, span, gateN, patch.attackS, patch.decayS, patch.sustain, patch.releaseS);
  if (n === 0) return;
  voiceBuf = grow(voiceBuf, n);
  const voice = voiceBuf;
  voice.fill(0, 0, n);

  let mod: Float32Array | null = null;
  let maxMod = 1;
  const vibCents = patch.vibratoCents ?? 0;
  const vibHz = patch.vibratoHz ?? 0;
  if (vibCents > 0 && vibHz > 0 && patch.kind !== 'pluck') {
    modBuf = grow(modBuf, n);
    fillVibrato(modBuf, n, vibHz, vibCents);
    mod = modBuf;
    maxMod = 1 + (vibCents * Math.LN2) / 1200;
  }
  const inc = freqHz / FS;
  const cutoff = Math.max(patch.cutoffHz ?? DEFAULT_CUTOFF_HZ[patch.kind], 1.5 * freqHz);
  const res = patch.resonance ?? 0.1;
  let drive = patch.drive ?? 0;

  switch (patch.kind) {
    case 'additive':
      addTable(voice, n, additiveTable(patch.partials!, harmonicBudget(freqHz * maxMod)), TABLE_SIZE, inc, rand(), 1, mod);
      break;
    case 'fm':
      renderFm(voice, n, freqHz, maxMod, patch.fmRatio ?? 1, patch.fmIndex ?? 1, patch.fmDecayS ?? 0.5, rand(), rand(), mod);
      break;
    case 'subtractive':
      // 1/(1 + resonance) offsets the resonant peak's gain (the filter is linear, so scale first).
      addOsc(voice, n, patch.osc ?? 'saw', inc, rand(), 1 / (1 + res), mod, maxMod);
      envelopedLowpass(voice, n, cutoff, res, patch.envOctaves ?? 1, patch.attackS, patch.decayS);
      break;
    case 'pad':
    case 'lead': {
      const voices = patch.voices ?? (patch.kind === 'pad' ? 4 : 2);
      const detune = patch.detuneCents ?? (patch.kind === 'pad' ? 12 : 8);
      const g = 0.85 / Math.sqrt(voices) / (1 + res);
      for (let v = 0; v < voices; v++) {
        const cents = voices === 1 ? 0 : detune * ((2 * v) / (voices - 1) - 1);
        const ratio = Math.pow(2, cents / 1200);
        addOsc(voice, n, patch.osc ?? 'saw', inc * ratio, rand(), g, mod, maxMod);
      }
      envelopedLowpass(voice, n, cutoff, res, patch.envOctaves ?? 0, patch.attackS, patch.decayS);
      if (patch.kind === 'lead' && patch.drive === undefined) drive = 2;
      break;
    }
    case 'bass': {
      const sub = patch.subLevel ?? 0.3;
      const osc = patch.osc ?? 'sine';
      const ph = rand();
      addOsc(voice, n, osc, inc, ph, 1 / ((1 + sub) * (osc === 'sine' ? 1 : 1 + 0.5 * res)), mod, maxMod);
      if (osc !== 'sine') envelopedLowpass(voice, n, cutoff, res, patch.envOctaves ?? 1, patch.attackS, patch.decayS);
      // The sub-octave sine starts at half the main phase so both cross zero together.
      addOsc(voice, n, 'sine', inc / 2, ph / 2, sub / (1 + sub), mod, maxMod);
      break;
    }
    case 'chip':
      renderPulse(voice, n, inc, patch.duty ?? 0.5, rand(), mod);
      // 4-bit volume, as on the 8-bit consoles' pulse channels.
      for (let i = 0; i < n; i++) envBuf[i] = Math.round(envBuf[i] * 15) / 15;
      break;
    case 'pluck':
      n = renderPluck(voice, n, freqHz, patch.damping ?? 0.4, patch.brightness ?? 0.5, rand);
      break;
  }
  mixInto(out, s0, n, voice, envBuf, velocity * VOICE_LEVEL, drive);
}

/**
 * out[s0 + i] += gain · drive(voice[i] · env[i]). Drive is normalised so a full-level input still
 * peaks at 1 (softClip(g·x)/softClip(g)): more drive means more harmonics, not a louder note.
 */
function mixInto(out: Float32Array, s0: number, n: number, voice: Float32Array, env: Float32Array, gain: number, drive: number): void {
  const i0 = Math.max(0, -s0);
  if (drive > 0) {
    const g = 1 + drive;
    const norm = gain / softClip(g);
    for (let i = i0; i < n; i++) out[s0 + i] += norm * softClip(g * voice[i] * env[i]);
  } else {
    for (let i = i0; i < n; i++) out[s0 + i] += gain * voice[i] * env[i];
  }
}

// Additive tables depend only on the partial amplitudes and how many fit below Nyquist: a song
// reuses a handful, so they are cached by value (a patch mutated later gets a fresh key).
const additiveTables = new Map<string, Float32Array>();

function additiveTable(partials: readonly number[], budget: number): Float32Array {
  const h = Math.max(1, Math.min(partials.length, budget));
  const key = `${h}:${partials.join(',')}`;
  let t = additiveTables.get(key);
  if (t !== undefined) return t;
  if (additiveTables.size > 512) additiveTables.clear();
  const acc = new Float64Array(TABLE_SIZE);
  for (let k = 1; k <= h; k++) {
    const a = partials[k - 1];
    if (a === 0) continue;
    for (let i = 0; i < TABLE_SIZE; i++) acc[i] += a * SINE[(2 * k * i) & (SINE_SIZE - 1)];
  }
  let peak = 0;
  for (let i = 0; i < TABLE_SIZE; i++) peak = Math.max(peak, Math.abs(acc[i]));
  t = new Float32Array(TABLE_SIZE + 1);
  // Partials that all lie above Nyquist leave a silent table rather than a division by zero.
  if (peak > 0) for (let i = 0; i < TABLE_SIZE; i++) t[i] = acc[i] / peak;
  t[TABLE_SIZE] = t[0];
  additiveTables.set(key, t);
  return t;
}

/**
 * Two-operator phase modulation: sin(2π·fc·t + I(t)·sin(2π·fm·t)), I(t) = fmIndex·exp(-t/fmDecayS).
 * The index is capped so the Carson bandwidth fc + (I+1)·fm stays below 0.45·fs: high notes get
 * mellower rather than folding their sidebands back as inharmonic aliases.
 */
function renderFm(
  voice: Float32Array, n: number, freqHz: number, maxMod: number, ratio: number, index: number, decayS: number,
  phc0: number, phm0: number, mod: Float32Array | null,
): void {
  const fcMax = freqHz * maxMod;
  const cap = (0.45 * FS - fcMax) / (ratio * fcMax) - 1;
  // Phases are 32-bit integers (wrap for free); the index is kept in phase counts, 2^32 per cycle.
  let idx = (Math.max(0, Math.min(index, cap)) / (2 * Math.PI)) * 4294967296;
  const kIdx = decayS > 0 ? Math.exp(-1 / (decayS * FS)) : 0;
  const incC = (freqHz / FS) * 4294967296;
  const incM = incC * ratio;
  let phc = (phc0 * 4294967296) >>> 0;
  let phm = (phm0 * 4294967296) >>> 0;
  const F = 2 ** -20; // SINE_SIZE = 2^12: top 12 bits index, low 20 bits interpolate
  for (let i = 0; i < n; i++) {
    let j = phm >>> 20;
    let a = SINE[j];
    const s = a + (phm & 0xfffff) * F * (SINE[j + 1] - a);
    const p = (phc + idx * s) >>> 0;
    j = p >>> 20;
    a = SINE[j];
    voice[i] = a + (p & 0xfffff) * F * (SINE[j + 1] - a);
    const m = mod === null ? 1 : mod[i];
    phc = (phc + incC * m) >>> 0;
    phm = (phm + incM * m) >>> 0;
    idx *= kIdx;
  }
}

/** Naive pulse (no anti-aliasing: the 8-bit buzz is the point), mean removed, peak 1. */
function renderPulse(voice: Float32Array, n: number, inc: number, duty: number, phase0: number, mod: Float32Array | null): void {
  const mean = 2 * duty - 1;
  const norm = 1 / Math.max(1 - mean, 1 + mean);
  const hi = (1 - mean) * norm;
  const lo = (-1 - mean) * norm;
  let ph = phase0;
  for (let i = 0; i < n; i++) {
    voice[i] = ph < duty ? hi : lo;
    ph += mod === null ? inc : inc * mod[i];
    if (ph >= 1) ph -= 1;
  }
}

/**
 * Karplus-Strong string: a delay line of N samples, a two-tap loss filter (1-s) + s·z⁻¹ and a
 * first-order allpass whose coefficient is solved so that N + both filters' phase delays at the
 * fundamental equal fs/f exactly (tuning error < 0.01 % instead of the ±0.5-sample error of an
 * integer loop, 4 % at 2 kHz). damping 0..1 sets the fundamental's T60 from ~10 s down to 0.05 s;
 * brightness 0..1 low-passes the noise burst that plucks the string.
 * Returns how many samples are audible (≤ n).
 */
/** RMS of the pick burst: with the string's loss its peak lands near 1, like the other kinds. */
const PLUCK_RMS = 0.45;

function renderPluck(voice: Float32Array, n: number, freqHz: number, damping: number, brightness: number, rand: Rand): number {
  const period = FS / freqHz;
  const w = (2 * Math.PI) / period;
  // More loss filtering for damped strings; less at high pitches, where it would kill the note in ms.
  const s = Math.max(0.02, (0.2 + 0.3 * damping) * Math.min(1, 500 / freqHz));
  const firGain = Math.sqrt((1 - s) * (1 - s) + s * s + 2 * s * (1 - s) * Math.cos(w));
  const firDelay = Math.atan2(s * Math.sin(w), 1 - s + s * Math.cos(w)) / w;
  const want = period - firDelay;
  const N = Math.max(1, Math.floor(want - 0.1));
  const c = allpassForDelay(want - N, w);
  // Low strings ring longer: T60 scales as (196 Hz / f)^0.4 within ×0.5..×2.
  const t60 = 0.05 * Math.pow(200, 1 - damping) * Math.min(2, Math.max(0.5, Math.pow(196 / freqHz, 0.4)));
  const rho = Math.min(1, Math.pow(10, -3 / (t60 * freqHz)) / firGain);
  const perPeriod = rho * firGain;
  const audible = Math.ceil(period * (Math.log(SILENCE) / Math.log(perPeriod))) + N;
  n = Math.min(n, audible);

  lineBuf = grow(lineBuf, N);
  const line = lineBuf;
  const a = 0.1 + 0.9 * brightness; // one-pole smoothing of the pick noise: 1 = white
  let lp = 0;
  let mean = 0;
  for (let i = 0; i < N; i++) {
    lp += a * (2 * rand() - 1 - lp);
    line[i] = lp;
    mean += lp;
  }
  mean /= N;
  // Normalised by RMS, not peak: a dark (smoothed) burst would otherwise pluck far more softly.
  let energy = 0;
  for (let i = 0; i < N; i++) {
    line[i] -= mean;
    energy += line[i] * line[i];
  }
  const norm = energy > 0 ? PLUCK_RMS / Math.sqrt(energy / N) : 0;
  for (let i = 0; i < N; i++) line[i] *= norm;

  let idx = 0;
  let xPrev = 0;
  let apIn = 0;
  let apOut = 0;
  for (let i = 0; i < n; i++) {
    const x = line[idx];
    voice[i] = x;
    const fir = (1 - s) * x + s * xPrev;
    xPrev = x;
    const y = c * fir + apIn - c * apOut;
    apIn = fir;
    apOut = y;
    line[idx] = rho * y;
    if (++idx === N) idx = 0;
  }
  return n;
}

/**
 * Coefficient C of the allpass (C + z⁻¹)/(1 + C·z⁻¹) whose phase delay at ω (rad/sample) is `delay`
 * samples: τ(C) = 1 - (2/ω)·atan2(C·sin ω, 1 + C·cos ω) falls monotonically in C, so bisect.
 */
function allpassForDelay(delay: number, w: number): number {
  let lo = -0.999;
  let hi = 0.999;
  for (let it = 0; it < 60; it++) {
    const c = 0.5 * (lo + hi);
    const tau = 1 - (2 / w) * Math.atan2(c * Math.sin(w), 1 + c * Math.cos(w));
    if (tau > delay) lo = c;
    else hi = c;
  }
  return 0.5 * (lo + hi);
}

const KINDS: readonly ToneKind[] = ['additive', 'fm', 'subtractive', 'pluck', 'pad', 'lead', 'bass', 'chip'];
const OSCS = ['sine', 'saw', 'square', 'triangle'];

/** The envelope every patch has (seconds; sustain a level 0..1). */
const PATCH_RANGES: RangeTable<TonePatch> = { attackS: [0, 60], decayS: [0, 60], sustain: [0, 1], releaseS: [0, 60] };

/** The kind-specific fields, when given (ratios, Hz, cents, levels 0..1). */
const PATCH_OPTIONAL_RANGES: RangeTable<TonePatch> = {
  fmRatio: [1e-3, 64], fmIndex: [0, 100], fmDecayS: [0, 1e6], // FM
  cutoffHz: [1, 1e6], resonance: [0, 0.95], envOctaves: [-10, 10], // filter and its envelope
  voices: [1, 7], detuneCents: [0, 1200], // unison
  drive: [0, 100], damping: [0, 1], brightness: [0, 1], subLevel: [0, 1], // colour
  vibratoHz: [0, 100], vibratoCents: [0, 100],
};

/** Every field checked once per note (≈ 20 comparisons), naming the field that is wrong. */
function checkTonePatch(p: TonePatch): void {
  if (p === null || typeof p !== 'object') fail('patch must be a TonePatch object');
  if (!KINDS.includes(p.kind)) fail(`patch.kind must be one of ${KINDS.join(', ')}, got ${String(p.kind)}`);
  checkRanges(p, 'patch', PATCH_RANGES);
  checkRanges(p, 'patch', PATCH_OPTIONAL_RANGES, { optional: true });
  if (p.voices !== undefined && !Number.isInteger(p.voices)) fail(`patch.voices must be an integer 1..7, got ${p.voices}`);
  if (p.duty !== undefined && !(p.duty > 0 && p.duty < 1)) fail(`patch.duty must be in (0, 1), got ${String(p.duty)}`);
  if (p.osc !== undefined && !OSCS.includes(p.osc)) fail(`patch.osc must be one of ${OSCS.join(', ')}, got ${String(p.osc)}`);
  if (p.kind === 'additive') {
    const ps = p.partials;
    if (!Array.isArray(ps) || ps.length === 0 || ps.length > 256) fail('patch.partials must be an array of 1..256 amplitudes for kind additive');
    if (!ps.every((a) => Number.isFinite(a))) fail('patch.partials must hold finite numbers');
    if (ps.every((a) => a === 0)) fail('patch.partials must hold at least one non-zero amplitude');
  }
}

