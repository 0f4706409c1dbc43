/**
 * Drum hits of the benchmark world: renderDrum adds one hit of a DrumKit into a mono buffer at
 * WORLD_RATE_HZ. A hit is built from a few parts (swept oscillators, filtered noise, square-wave
 * "metal"); all decay times are T60s (seconds to fall 60 dB) and parts stop at -80 dB. The kit's
 * character picks the recipe: acoustic (noisier, resonant body modes), electronic (808/909-like
 * clean sweeps), chip (1-bit pulses, LFSR noise, 4-bit volume steps).
 *
 * Like a sampler with round-robin takes, each (kit, kind) has TAKES pre-rendered variants, built
 * from a PRNG seeded by the kit's own values (not the caller's rand), so a take is the same
 * whichever song or worker builds it first; the caller's rand only picks the take. A jazz ride
 * played 130 times in a song then costs four renders (~1 ms each) and 130 buffer adds.
 */
import { checkRanges, fail, type RangeTable } from './param-checks';
import { mulberry32, type Rand } from '../../eval/prng';
import { WORLD_RATE_HZ, type DrumKind, type DrumKit } from './patches';
import { SVF_BANDPASS, SVF_HIGHPASS, SVF_LOWPASS, decayFactor, grow, noiseSeed, sin01, svfInPlace, type SvfMode } from './oscillators';

const FS = WORLD_RATE_HZ;

/** Peak of one hit at velocity 1: kick and snare lead, cymbals sit lower as on a real kit. */
export const DRUM_LEVEL: Record<DrumKind, number> = {
  kick: 0.6, snare: 0.5, clap: 0.45, 'closed-hat': 0.25, 'open-hat': 0.25, ride: 0.2, crash: 0.3,
  'tom-low': 0.5, 'tom-high': 0.5, rim: 0.35, shaker: 0.2, cowbell: 0.3, conga: 0.4,
};

/** Round-robin takes per (kit, kind): enough that repeated hits do not sound machine-gunned. */
export const TAKES = 4;

/** The TR-808's six cymbal oscillators (Hz): inharmonic, so their sum sounds metallic. */
const METAL_HZ = [205.3, 304.4, 369.6, 522.7, 540, 800];

let hit: Float32Array = new Float32Array(1 << 15);
let part: Float32Array = new Float32Array(1 << 15);

/** Rendered takes, peak-normalised, least recently used first; bounded to 4 Mi samples (16 MB). */
const takes = new Map<string, Float32Array>();
const CACHE_LIMIT_SAMPLES = 1 << 22;
let cachedSamples = 0;

/** Wave shapes of swept parts: sine, 1-bit square, 4-bit triangle (the NES triangle channel). */
const SINE = 0;
const SQUARE = 1;
const TRI4 = 2;
type Wave = typeof SINE | typeof SQUARE | typeof TRI4;

/**
 * Adds one hit into out at sample `start` (rounded; parts outside out are dropped), peaking at
 * DRUM_LEVEL[kind] × velocity. Draws exactly one number from rand (the take), whatever is clipped.
 */
export function renderDrum(out: Float32Array, start: number, kind: DrumKind, velocity: number, kit: DrumKit, rand: Rand): void {
  if (!Number.isFinite(start)) fail(`start must be a finite sample index, got ${String(start)}`);
  if (!Number.isFinite(velocity) || velocity < 0 || velocity > 1) fail(`velocity must be in 0..1, got ${String(velocity)}`);
  if (!Object.prototype.hasOwnProperty.call(DRUM_LEVEL, kind)) fail(`kind must be one of ${Object.keys(DRUM_LEVEL).join(', ')}, got ${String(kind)}`);
  checkKit(kit);
  const take = Math.floor(rand() * TAKES);
  const s0 = Math.round(start);
  if (velocity === 0 || s0 >= out.length) return;
  const x = drumTake(kind, kit, take);
  const g = velocity * DRUM_LEVEL[kind];
  const end = Math.min(x.length, out.length - s0);
  for (let i = Math.max(0, -s0); i < end; i++) out[s0 + i] += g * x[i];
}

/** Frees the cached takes (memory only: later hits are rebuilt identically). */
export function clearDrumCache(): void {
  takes.clear();
  cachedSamples = 0;
}

/** The peak-normalised take `take` of `kind` on `kit`, rendered on first use. */
function drumTake(kind: DrumKind, kit: DrumKit, take: number): Float32Array {
  const key = [kind, take, kit.character, kit.kickHz, kit.kickDecayS, kit.kickClick, kit.kickSweep, kit.snareHz, kit.snareNoise,
    kit.snareDecayS, kit.hatCutoffHz, kit.hatDecayS, kit.tomHz].join('|');
  const cached = takes.get(key);
  if (cached !== undefined) {
    takes.delete(key); // re-insert: Map order is the LRU order
    takes.set(key, cached);
    return cached;
  }
  const n = Math.ceil(hitLengthS(kind, kit) * FS);
  hit = grow(hit, n);
  part = grow(part, n);
  hit.fill(0, 0, n);
  build(kind, kit, n, mulberry32(fnv1a(key)));
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(hit[i]));
  const x = new Float32Array(n);
  if (peak > 0) for (let i = 0; i < n; i++) x[i] = hit[i] / peak;
  takes.set(key, x);
  cachedSamples += n;
  for (const [k, v] of takes) {
    if (cachedSamples <= CACHE_LIMIT_SAMPLES) break;
    takes.delete(k);
    cachedSamples -= v.length;
  }
  return x;
}

/** FNV-1a, 32 bits: a take's seed from its key. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Longest part of a hit, to -80 dB (4/3 of its T60), in seconds. */
function hitLengthS(kind: DrumKind, kit: DrumKit): number {
  const t80 = 4 / 3;
  switch (kind) {
    case 'kick': return t80 * kit.kickDecayS + 0.01;
    case 'snare': return t80 * kit.snareDecayS * 1.2 + 0.01;
    case 'clap': return 0.04 + t80 * 0.25;
    case 'closed-hat': return t80 * kit.hatDecayS * 1.2;
    case 'open-hat': return t80 * kit.hatDecayS * 4.8;
    case 'ride': return t80 * 1.0;
    case 'crash': return t80 * 1.5;
    case 'tom-low': case 'tom-high': return t80 * 0.5;
    case 'conga': return t80 * 0.25;
    case 'rim': return t80 * 0.05;
    case 'shaker': return t80 * 0.12 + 0.02;
    case 'cowbell': return t80 * 0.35;
  }
}

function build(kind: DrumKind, kit: DrumKit, n: number, rand: Rand): void {
  const c = kit.character;
  const chip = c === 'chip';
  const ac = c === 'acoustic';
  const seed = noiseSeed(rand);
  switch (kind) {
    case 'kick': {
      const f1 = kit.kickHz;
      if (chip) {
        sweep(hit, n, SQUARE, f1 * Math.pow(2, kit.kickSweep + 1), f1, 0.02, Math.min(kit.kickDecayS, 0.2), 1, true);
        lfsr(hit, n, seed, 1, false, 0.015, 0.5 * kit.kickClick);
        break;
      }
      // 808: slow clean sweep; acoustic: the head's pitch drops faster, plus a shell mode and thump noise.
      sweep(hit, n, SINE, f1 * Math.pow(2, kit.kickSweep), f1, ac ? 0.015 : 0.035, kit.kickDecayS, 1, false);
      if (ac) {
        sweep(hit, n, SINE, 1.6 * f1 * 1.3, 1.6 * f1, 0.015, 0.5 * kit.kickDecayS, 0.15, false);
        noisePart(n, seed + 1, 0.08, 0.3, 0, SVF_LOWPASS, 600, 1.4);
      }
      noisePart(n, seed, ac ? 0.012 : 0.006, 0.8 * kit.kickClick, 0, SVF_BANDPASS, ac ? 2500 : 3500, 1);
      break;
    }
    case 'snare': {
      const f = kit.snareHz;
      const tone = 1 - kit.snareNoise;
      if (chip) {
        sweep(hit, n, SQUARE, 1.5 * f, f, 0.01, 0.5 * kit.snareDecayS, tone, true);
        lfsr(hit, n, seed, 2, false, kit.snareDecayS, kit.snareNoise);
        break;
      }
      // Membrane modes at 1, 1.59, 2.14 × f (circular drumhead) for acoustic; two detuned sweeps for 909.
      const ratios = ac ? [1, 1.59, 2.14] : [1, 1.83];
      for (let k = 0; k < ratios.length; k++) {
        const fk = f * ratios[k];
        sweep(hit, n, SINE, fk * (ac ? 1.08 : 1.25), fk, 0.02, (ac ? 0.5 : 0.6) * kit.snareDecayS, tone / (k + 1), false);
      }
      if (ac) {
        // Snare wires: band of noise around 4 kHz, longer than the head.
        noisePart(n, seed, 1.2 * kit.snareDecayS, kit.snareNoise, 0, SVF_BANDPASS, 4000, 0.9);
        noisePart(n, seed + 7, 0.3 * kit.snareDecayS, 0.5 * kit.snareNoise, 0, SVF_HIGHPASS, 7000, 1.4);
      } else noisePart(n, seed, kit.snareDecayS, kit.snareNoise, 0, SVF_HIGHPASS, 1500, 1.4);
      break;
    }
    case 'clap':
      clap(n, seed, rand, chip ? 0 : ac ? 1500 : 1100, ac ? 0.15 : 0.25);
      break;
    case 'closed-hat':
    case 'open-hat': {
      const t60 = (kind === 'open-hat' ? 4 : 1) * kit.hatDecayS * (ac ? 1.2 : 1);
      cymbal(n, seed, rand, c, t60, kit.hatCutoffHz, ac ? 0.9 : 0.5, ac ? 0.3 : 0.8);
      break;
    }
    case 'ride': {
      cymbal(n, seed, rand, c, 1.0, 0.7 * kit.hatCutoffHz, ac ? 0.8 : 0.4, ac ? 0.3 : 0.7);
      // The bell: a few inharmonic partials around hatCutoff/11 (550-820 Hz for the usual kits).
      const bell = kit.hatCutoffHz / 11;
      const wave = chip ? SQUARE : SINE;
      for (const [r, a] of [[1, 0.35], [1.51, 0.25], [2.37, 0.15]]) sweep(hit, n, wave, bell * r, bell * r, 1, 0.8, a, chip);
      break;
    }
    case 'crash':
      cymbal(n, seed, rand, c, 1.5, 0.5 * kit.hatCutoffHz, 1, ac ? 0.3 : 0.6);
      break;
    case 'tom-low':
    case 'tom-high':
    case 'conga': {
      const f = kit.tomHz * (kind === 'tom-low' ? 1 : kind === 'tom-high' ? 1.5 : 2.2);
      const t60 = kind === 'conga' ? 0.25 : kind === 'tom-low' ? 0.5 : 0.35;
      const up = kind === 'conga' ? 1.15 : ac ? 1.2 : 1.4;
      sweep(hit, n, chip ? TRI4 : SINE, f * up, f, kind === 'conga' ? 0.02 : 0.04, t60, 1, chip);
      if (ac) {
        sweep(hit, n, SINE, 1.59 * f * up, 1.59 * f, 0.04, 0.5 * t60, 0.2, false);
        noisePart(n, seed, kind === 'conga' ? 0.02 : 0.03, 0.3, 0, SVF_BANDPASS, kind === 'conga' ? 1500 : 4 * f, 1);
      }
      break;
    }
    case 'rim':
      if (chip) sweep(hit, n, SQUARE, 1200, 1200, 1, 0.03, 1, true);
      else if (ac) {
        // Cross-stick: a woody knock plus a stick click.
        sweep(hit, n, SINE, 900, 800, 0.005, 0.04, 0.6, false);
        noisePart(n, seed, 0.03, 1, 0, SVF_BANDPASS, 2000, 0.7);
      } else {
        // TR-808 rimshot: two short sines, high-passed.
        part.fill(0, 0, n);
        sweep(part, n, SINE, 455, 455, 1, 0.05, 0.5, false);
        sweep(part, n, SINE, 1667, 1667, 1, 0.04, 0.7, false);
        filterInto(n, SVF_HIGHPASS, 400, 1.4);
      }
      break;
    case 'shaker':
      if (chip) lfsr(hit, n, seed, 1, true, 0.1, 1);
      else noisePart(n, seed, 0.12, 1, Math.round(0.015 * FS), SVF_HIGHPASS, 5000, 1.2);
      break;
    case 'cowbell': {
      // Two square tones (the 808's 540 and 800 Hz) through a band-pass; fast knock, slower ring.
      part.fill(0, 0, n);
      const tones = chip ? [800] : ac ? [562, 845, 1280] : [540, 800];
      for (const f of tones) {
        sweep(part, n, SQUARE, f, f, 1, 0.05, 0.6, chip);
        sweep(part, n, SQUARE, f, f, 1, 0.35, 0.4, chip);
      }
      if (chip) for (let i = 0; i < n; i++) hit[i] += part[i];
      else filterInto(n, SVF_BANDPASS, 1000, 1.2);
      break;
    }
  }
}

/**
 * Adds gain·e(t)·wave(φ) into buf with frequency f1 + (f0 - f1)·exp(-t/tauS), e falling 60 dB per
 * t60S; `quantize` steps the level to 4 bits like an 8-bit console's volume register.
 */
function sweep(buf: Float32Array, n: number, wave: Wave, f0: number, f1: number, tauS: number, t60S: number, gain: number, quantize: boolean): void {
  let df = (f0 - f1) / FS;
  const base = f1 / FS;
  const kf = Math.exp(-1 / (tauS * FS));
  const kl = decayFactor(t60S);
  let lvl = 1;
  let ph = 0;
  for (let i = 0; i < n && lvl > 1e-4; i++) {
    const e = quantize ? Math.round(lvl * 15) / 15 : lvl;
    const v = wave === SINE ? sin01(ph) : wave === SQUARE ? (ph < 0.5 ? 1 : -1) : Math.round((ph < 0.5 ? 4 * ph - 1 : 3 - 4 * ph) * 7.5) / 7.5;
    buf[i] += gain * e * v;
    ph += base + df;
    ph -= Math.floor(ph);
    df *= kf;
    lvl *= kl;
  }
}

/**
 * White noise (xorshift32) with a linear attack and a T60 decay, filtered, added into hit. Only the
 * audible burst plus 20 ms of filter ring-out is filtered (these filters have Q < 2, so they ring
 * for well under a millisecond): a 6 ms click on a 0.7 s kick costs 6 ms, not 0.7 s.
 */
function noisePart(n: number, seed: number, t60S: number, gain: number, attackN: number, mode: SvfMode, cornerHz: number, k: number): void {
  let x = seed | 1;
  const kl = decayFactor(t60S);
  let lvl = 1;
  let i = 0;
  for (; i < n && lvl > 1e-4; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const a = i < attackN ? (i + 1) / attackN : 1;
    part[i] = gain * a * lvl * (x * 4.656612873077393e-10); // x/2^31 in [-1, 1)
    if (i >= attackN) lvl *= kl;
  }
  const m = Math.min(n, i + Math.round(0.02 * FS));
  part.fill(0, i, m);
  filterInto(m, mode, cornerHz, k);
}

/** Filters `part` in place and adds it into hit. */
function filterInto(n: number, mode: SvfMode, cornerHz: number, k: number): void {
  svfInPlace(part, 0, n, cornerHz, k, mode);
  for (let i = 0; i < n; i++) hit[i] += part[i];
}

/**
 * 15-bit LFSR noise as on the NES: clocked every `clock` samples, feedback from bits 0 and 1
 * (long, hissy) or bits 0 and 6 (short: a 93-step loop that sounds metallic); 4-bit volume steps.
 */
function lfsr(buf: Float32Array, n: number, seed: number, clock: number, short: boolean, t60S: number, gain: number): void {
  let reg = (seed & 0x7fff) | 1;
  const tap = short ? 6 : 1;
  const kl = decayFactor(t60S);
  let lvl = 1;
  for (let i = 0; i < n && lvl > 1e-4; i++) {
    if (i % clock === 0) reg = (reg >>> 1) | (((reg ^ (reg >>> tap)) & 1) << 14);
    buf[i] += gain * (Math.round(lvl * 15) / 15) * ((reg & 1) === 0 ? 1 : -1);
    lvl *= kl;
  }
}

/** Hand clap: four 10 ms-spaced noise bursts (each ~17 ms T60) then a diffuse tail, band-passed. */
function clap(n: number, seed: number, rand: Rand, bandHz: number, tailT60S: number): void {
  const onsets = [0, 1, 2, 3].map((j) => Math.round((0.01 * j + 0.002 * j * rand()) * FS));
  const kb = decayFactor(0.017);
  const kt = decayFactor(tailT60S);
  let burst = 0;
  let tail = 0;
  let next = 0; // index of the next burst in onsets
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    if (next < 4 && i === onsets[next]) {
      burst = 1;
      if (++next === 4) tail = 0.5;
    }
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = bandHz === 0 ? ((x & 0x4000) === 0 ? 1 : -1) : x * 4.656612873077393e-10;
    part[i] = (burst + tail) * v;
    burst *= kb;
    tail *= kt;
  }
  if (bandHz === 0) for (let i = 0; i < n; i++) hit[i] += Math.round(part[i] * 15) / 15;
  else filterInto(n, SVF_BANDPASS, bandHz, 0.6);
}

/**
 * Cymbals: white (or LFSR) noise plus the six square "metal" oscillators, high-passed twice (12 dB
 * per octave each) at cornerHz so the hat's energy sits above it.
 */
function cymbal(n: number, seed: number, rand: Rand, character: DrumKit['character'], t60S: number, cornerHz: number, noise: number, metal: number): void {
  part.fill(0, 0, n);
  if (character === 'chip') lfsr(part, n, seed, 1, true, t60S, 1);
  else {
    const kl = decayFactor(t60S);
    const scale = character === 'acoustic' ? 1.7 : 1; // acoustic metal: denser, higher partials
    // 32-bit integer phases: the top bit is the square wave, and the sum wraps by itself.
    const inc = Int32Array.from(METAL_HZ, (f) => Math.round(((f * scale) / FS) * 4294967296) | 0);
    const ph = Int32Array.from(METAL_HZ, () => (rand() * 4294967296) | 0);
    const mg = metal / 6;
    let lvl = 1;
    let x = seed | 1;
    for (let i = 0; i < n && lvl > 1e-4; i++) {
      let high = 0;
      for (let k = 0; k < 6; k++) {
        const p = (ph[k] + inc[k]) | 0;
        ph[k] = p;
        high += p >>> 31;
      }
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      part[i] = lvl * (noise * x * 4.656612873077393e-10 + mg * (6 - 2 * high));
      lvl *= kl;
    }
  }
  svfInPlace(part, 0, n, cornerHz, 1.2, SVF_HIGHPASS);
  filterInto(n, SVF_HIGHPASS, cornerHz, 1.2);
}

/** The kit's bounds (Hz, seconds, levels 0..1): wide enough for every preset, narrow enough to stay audible. */
const KIT_RANGES: RangeTable<DrumKit> = {
  kickHz: [20, 200], kickDecayS: [0.01, 5], kickClick: [0, 2], kickSweep: [0, 6],
  snareHz: [50, 1000], snareNoise: [0, 1], snareDecayS: [0.01, 5],
  hatCutoffHz: [500, 10500], hatDecayS: [0.005, 2],
  tomHz: [30, 1000],
};

function checkKit(kit: DrumKit): void {
  if (kit === null || typeof kit !== 'object') fail('kit must be a DrumKit object');
  if (!['acoustic', 'electronic', 'chip'].includes(kit.character)) fail(`kit.character must be acoustic, electronic or chip, got ${String(kit.character)}`);
  checkRanges(kit, 'kit', KIT_RANGES);
}
