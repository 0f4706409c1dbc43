/**
 * The benchmark world's synthesizer primitives (trainer/world/synth) against independent
 * measurements: pitch by a fine DFT scan, spectra by FFT, reverb RT60 by Schroeder backward
 * integration, filter gains against the Butterworth closed form. Plus determinism, bounds and
 * argument errors.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EarshotError } from '../src/errors';
import { mulberry32 } from '../trainer/eval/prng';
import { clearDrumCache, DRUM_LEVEL, renderDrum, TAKES } from '../trainer/world/synth/drums';
import { addNoise, applyBitcrush, applyDrive, applyDucking, applyHighpass, applyLowpass, applyReverb } from '../trainer/world/synth/effects';
import { addOsc } from '../trainer/world/synth/oscillators';
import { WORLD_RATE_HZ, type DrumKind, type DrumKit, type TonePatch } from '../trainer/world/synth/patches';
import { renderTone, VOICE_LEVEL } from '../trainer/world/synth/tones';
import { fitSine } from './helpers/tone';

const FS = WORLD_RATE_HZ;

// ---- measurement helpers (independent of the synth code) ----

/** Index of the last element satisfying pred, -1 if none (Array.prototype.findLastIndex is ES2023). */
function lastIndex(x: ArrayLike<number>, pred: (v: number) => boolean): number {
  for (let i = x.length - 1; i >= 0; i--) if (pred(x[i])) return i;
  return -1;
}

/** |DFT| of a Hann-windowed x[from..from+len) at one frequency (direct sum, float64). */
function dftMag(x: Float32Array, from: number, len: number, f: number): number {
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
function peakFreq(x: Float32Array, from: number, len: number, f0: number, span = 0.04): number {
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
function powerSpectrum(x: Float32Array, from: number, n: number): Float64Array {
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
function bandShare(x: Float32Array, loHz: number, hiHz: number): number {
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

function peakAbs(x: Float32Array): number {
  let p = 0;
  for (const v of x) p = Math.max(p, Math.abs(v));
  return p;
}

function assertFinite(x: Float32Array, what: string): void {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) assert.fail(`${what}: sample ${i} is ${x[i]}`);
}

function note(patch: TonePatch, freqHz: number, seconds = 1.2, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * FS));
  renderTone(out, 0, out.length, freqHz, 1, patch, mulberry32(seed));
  return out;
}

function assertInvalid(fn: () => void, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EarshotError, `expected EarshotError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_INVALID_ARGUMENT');
    assert.match(e.message, new RegExp(field));
    return true;
  });
}

// ---- patches and kits used below ----

const ENV = { attackS: 0.005, decayS: 0.5, sustain: 0.8, releaseS: 0.1 };
const PATCHES: Record<string, TonePatch> = {
  additive: { kind: 'additive', ...ENV, partials: [1, 0.5, 0.3, 0.2, 0.1] },
  fm: { kind: 'fm', ...ENV, fmRatio: 1, fmIndex: 2, fmDecayS: 0.5 },
  subtractive: { kind: 'subtractive', ...ENV, osc: 'saw', cutoffHz: 2000, resonance: 0.5, envOctaves: 2 },
  pluck: { kind: 'pluck', attackS: 0, decayS: 2, sustain: 1, releaseS: 0.1, damping: 0.3, brightness: 0.6 },
  pad: { kind: 'pad', ...ENV, osc: 'saw', voices: 5, detuneCents: 15, cutoffHz: 3000, resonance: 0.1 },
  lead: { kind: 'lead', ...ENV, osc: 'square', voices: 2, detuneCents: 8, cutoffHz: 4000, resonance: 0.2, drive: 6 },
  bass: { kind: 'bass', ...ENV, osc: 'saw', cutoffHz: 600, resonance: 0.3, envOctaves: 1.5, subLevel: 0.4 },
  chip: { kind: 'chip', ...ENV, duty: 0.25, vibratoHz: 6, vibratoCents: 20 },
};
const KIT: Record<DrumKit['character'], DrumKit> = {
  acoustic: { character: 'acoustic', kickHz: 55, kickDecayS: 0.3, kickClick: 0.5, kickSweep: 1.5, snareHz: 190, snareNoise: 0.7, snareDecayS: 0.2, hatCutoffHz: 7000, hatDecayS: 0.05, tomHz: 110 },
  electronic: { character: 'electronic', kickHz: 50, kickDecayS: 0.5, kickClick: 0.3, kickSweep: 2, snareHz: 200, snareNoise: 0.6, snareDecayS: 0.2, hatCutoffHz: 8000, hatDecayS: 0.05, tomHz: 120 },
  chip: { character: 'chip', kickHz: 60, kickDecayS: 0.2, kickClick: 0.3, kickSweep: 1.5, snareHz: 220, snareNoise: 0.7, snareDecayS: 0.15, hatCutoffHz: 7000, hatDecayS: 0.04, tomHz: 130 },
};
const DRUM_KINDS = Object.keys(DRUM_LEVEL) as DrumKind[];

function drum(kind: DrumKind, kit: DrumKit, seconds = 2, seed = 3): Float32Array {
  const out = new Float32Array(Math.round(seconds * FS));
  renderDrum(out, 0, kind, 1, kit, mulberry32(seed));
  return out;
}

describe('tones: pitch', () => {
  for (const kind of ['pluck', 'additive', 'fm', 'subtractive', 'bass', 'chip'] as const) {
    test(`${kind} fundamental within 0.5 % of freqHz from 40 Hz to 2 kHz`, () => {
      const patch: TonePatch = { ...PATCHES[kind], vibratoCents: 0 };
      for (const f of [40, 55, 98, 220, 440, 880, 1500, 2000]) {
        const x = note(patch, f, 1.2);
        const len = f < 100 ? 16384 : 8192;
        const measured = peakFreq(x, 256, len, f);
        assert.ok(Math.abs(measured / f - 1) < 0.005, `${kind} at ${f} Hz measured ${measured.toFixed(3)} Hz`);
        // A real peak, not the edge of the scan: the fundamental stands above its neighbourhood
        // (3 %, or 4 DFT bins where 3 % is still inside the window's main lobe).
        const away = Math.max(0.03 * f, (4 * FS) / len);
        const m = dftMag(x, 256, len, measured);
        assert.ok(m > 5 * dftMag(x, 256, len, f + away) && m > 5 * dftMag(x, 256, len, f - away), `${kind} at ${f} Hz: no clear peak`);
      }
    });
  }

  test('bass: the sub-octave sine has subLevel times the main sine amplitude', () => {
    for (const sub of [0.25, 0.5, 1]) {
      const x = note({ kind: 'bass', attackS: 0, decayS: 1, sustain: 1, releaseS: 0.05, osc: 'sine', subLevel: sub }, 55, 1);
      const main = fitSine(x, 55, FS, 1000, 20000).amplitude;
      const low = fitSine(x, 27.5, FS, 1000, 20000).amplitude;
      assert.ok(Math.abs(low / main - sub) < 0.02, `subLevel ${sub}: measured ratio ${(low / main).toFixed(3)}`);
      assert.ok(Math.abs(main * (1 + sub) - VOICE_LEVEL) < 0.01, `main amplitude ${main}`);
    }
  });

  test('chip: the pulse is high for a duty share of each period', () => {
    const x = note({ ...PATCHES.chip, vibratoCents: 0, sustain: 1, decayS: 0 }, 437, 0.5);
    let high = 0;
    for (let i = 2000; i < 10000; i++) if (x[i] > 0) high++;
    assert.ok(Math.abs(high / 8000 - 0.25) < 0.01, `high share ${high / 8000}`);
  });
});

describe('oscillators: band-limited wavetables', () => {
  test('saw and square at 1.5 kHz: every alias at least 30 dB below the fundamental; a naive saw is worse', () => {
    const n = 16384;
    const worstAliasDb = (x: Float32Array): number => {
      const pw = powerSpectrum(x, 0, n);
      let fund = 0, worst = 0;
      for (let i = 1; i < pw.length; i++) {
        const h = (i * FS) / n / 1500;
        const nearHarmonic = Math.abs(h - Math.round(h)) * 1500 < (8 * FS) / n && Math.round(h) >= 1;
        if (Math.abs(h - 1) * 1500 < (8 * FS) / n) fund = Math.max(fund, pw[i]);
        else if (!nearHarmonic && (i * FS) / n > 30) worst = Math.max(worst, pw[i]);
      }
      return 10 * Math.log10(worst / fund);
    };
    for (const shape of ['saw', 'square', 'triangle'] as const) {
      const x = new Float32Array(n);
      addOsc(x, n, shape, 1500 / FS, 0.1, 1, null, 1);
      const db = worstAliasDb(x);
      assert.ok(db < -30, `${shape}: worst alias ${db.toFixed(1)} dB`);
    }
    const naive = new Float32Array(n);
    for (let i = 0; i < n; i++) naive[i] = 2 * (((i * 1500) / FS + 0.1) % 1) - 1;
    assert.ok(worstAliasDb(naive) > -25, `naive saw alias ${worstAliasDb(naive).toFixed(1)} dB`);
  });
});

describe('tones: envelope, bounds, clipping, determinism', () => {
  test('every kind stays finite and below 1.5 at velocity 1, even with extreme settings', () => {
    const extreme: TonePatch[] = [
      ...Object.values(PATCHES),
      { kind: 'subtractive', ...ENV, osc: 'square', cutoffHz: 300, resonance: 0.95, envOctaves: 6 },
      { kind: 'pad', ...ENV, osc: 'saw', voices: 7, detuneCents: 0, cutoffHz: 9000, resonance: 0.95, envOctaves: 3 },
      { kind: 'lead', ...ENV, osc: 'saw', voices: 7, detuneCents: 50, resonance: 0.95, drive: 100 },
      { kind: 'fm', ...ENV, fmRatio: 7.3, fmIndex: 100, fmDecayS: 100, vibratoHz: 8, vibratoCents: 100 },
      { kind: 'pluck', ...ENV, damping: 0, brightness: 1, drive: 10 },
      { kind: 'bass', ...ENV, osc: 'square', subLevel: 1, resonance: 0.95, cutoffHz: 100, envOctaves: 5 },
    ];
    for (const p of extreme) {
      for (const f of [30, 110, 1000, 5000, 11000]) {
        const x = note(p, f, 0.8);
        assertFinite(x, `${p.kind} at ${f} Hz`);
        assert.ok(peakAbs(x) < 1.5, `${p.kind} at ${f} Hz peaks at ${peakAbs(x)}`);
      }
    }
  });

  test('one note at velocity 1 peaks between 0.15 and 0.75; velocity scales linearly', () => {
    for (const [name, p] of Object.entries(PATCHES)) {
      const pk = peakAbs(note(p, 220, 0.6));
      assert.ok(pk > 0.15 && pk < 0.75, `${name} peaks at ${pk}`);
      const half = new Float32Array(FS);
      renderTone(half, 0, 5000, 220, 0.5, p, mulberry32(1));
      const full = new Float32Array(FS);
      renderTone(full, 0, 5000, 220, 1, p, mulberry32(1));
      for (let i = 0; i < FS; i++) assert.ok(Math.abs(2 * half[i] - full[i]) < 1e-6, `${name} sample ${i}`);
    }
  });

  test('note-off: the release falls about 60 dB per releaseS and rendering then stops', () => {
    const p: TonePatch = { kind: 'additive', attackS: 0.01, decayS: 0.1, sustain: 1, releaseS: 0.2, partials: [1] };
    const x = new Float32Array(FS * 2);
    renderTone(x, 0, 4410, 441, 1, p, mulberry32(1));
    const before = fitSine(x, 441, FS, 4410 - 1000, 4410).amplitude;
    const after = fitSine(x, 441, FS, 4410 + 4410 - 500, 4410 + 4410 + 500).amplitude; // 0.2 s after note-off
    const db = 20 * Math.log10(after / before);
    assert.ok(Math.abs(db + 60) < 3, `fell ${db.toFixed(1)} dB in releaseS`);
    const lastNonZero = lastIndex(x, (v) => v !== 0);
    assert.ok(lastNonZero < 4410 + (4 / 3) * 0.2 * FS + 10, `still sounding at sample ${lastNonZero}`);
  });

  test('a note is clipped at both buffer ends, and a late or early note is exactly the same note shifted', () => {
    for (const p of Object.values(PATCHES)) {
      const whole = new Float32Array(40000);
      renderTone(whole, 0, 20000, 330, 1, p, mulberry32(9));
      const early = new Float32Array(30000);
      renderTone(early, -10000, 20000, 330, 1, p, mulberry32(9));
      for (let i = 0; i < 30000; i++) assert.equal(early[i], whole[i + 10000], `${p.kind} early note, sample ${i}`);
      const late = new Float32Array(30000);
      renderTone(late, 25000, 20000, 330, 1, p, mulberry32(9));
      for (let i = 25000; i < 30000; i++) assert.equal(late[i], whole[i - 25000], `${p.kind} late note, sample ${i}`);
      const nothing = new Float32Array(100);
      renderTone(nothing, 100, 10, 330, 1, p, mulberry32(9));
      renderTone(nothing, 5000, 10, 330, 1, p, mulberry32(9));
      renderTone(nothing, -1e6, 10, 330, 1, p, mulberry32(9));
      assert.equal(peakAbs(nothing), 0);
    }
  });

  test('the same seed gives identical buffers; another seed changes the pluck', () => {
    const song = (seed: number): Float32Array => {
      const out = new Float32Array(FS * 2);
      const rand = mulberry32(seed);
      let t = 0;
      for (const p of Object.values(PATCHES)) renderTone(out, (t += 3000), 6000, 196, 0.8, p, rand);
      for (const k of DRUM_KINDS) renderDrum(out, (t += 1500), k, 0.9, KIT.acoustic, rand);
      addNoise(out, 0.01, 'vinyl', rand);
      applyReverb(out, { mix: 0.3, decayS: 1.2, damping: 0.4, preDelayMs: 20 });
      return out;
    };
    assert.deepEqual(song(42), song(42));
    assert.notDeepEqual(note(PATCHES.pluck, 220, 0.2, 1), note(PATCHES.pluck, 220, 0.2, 2));
  });
});

describe('drums', () => {
  test('takes are round-robin, independent of render order and of the cache', () => {
    const hats = (seed: number): Float32Array[] => {
      const rand = mulberry32(seed);
      return Array.from({ length: 16 }, () => {
        const out = new Float32Array(4000);
        renderDrum(out, 0, 'closed-hat', 1, KIT.electronic, rand);
        return out;
      });
    };
    const a = hats(11);
    const distinct = new Set(a.map((x) => x.slice(0, 64).join(',')));
    assert.ok(distinct.size >= 2 && distinct.size <= TAKES, `${distinct.size} distinct takes in 16 hits`);
    // Another kit in between, then a cold cache: the same seed still gives the same hits.
    renderDrum(new Float32Array(100), 0, 'closed-hat', 1, KIT.acoustic, mulberry32(1));
    clearDrumCache();
    assert.deepEqual(hats(11), a);
  });

  test('every kind and character: finite, peak = DRUM_LEVEL × velocity, silent before the hit', () => {
    for (const kit of Object.values(KIT)) {
      for (const kind of DRUM_KINDS) {
        const out = new Float32Array(FS * 2);
        renderDrum(out, 1000, kind, 0.8, kit, mulberry32(5));
        assertFinite(out, `${kit.character} ${kind}`);
        assert.ok(Math.abs(peakAbs(out) - 0.8 * DRUM_LEVEL[kind]) < 1e-6, `${kit.character} ${kind} peak ${peakAbs(out)}`);
        assert.equal(peakAbs(out.subarray(0, 1000)), 0);
        const clipped = new Float32Array(1050); // a hit at the very end must not throw
        renderDrum(clipped, 1000, kind, 1, kit, mulberry32(5));
        assert.ok(Math.abs(clipped[1010] - (1 / 0.8) * out[1010]) < 1e-6, `${kit.character} ${kind} clipped hit differs`);
      }
    }
  });

  test('the kick sits below 200 Hz, the closed hat above 4 kHz', () => {
    for (const kit of [KIT.acoustic, KIT.electronic]) {
      const kick = bandShare(drum('kick', kit), 0, 200);
      assert.ok(kick > 0.7, `${kit.character} kick: ${(100 * kick).toFixed(1)} % below 200 Hz`);
      const hat = bandShare(drum('closed-hat', kit), 4000, FS / 2);
      assert.ok(hat > 0.85, `${kit.character} hat: ${(100 * hat).toFixed(1)} % above 4 kHz`);
    }
  });

  test('the kick ends on kickHz; toms and conga ring at tomHz × 1, 1.5, 2.2', () => {
    const k = KIT.electronic;
    const kick = drum('kick', k);
    const kickHz = peakFreq(kick, 4410, 4096, k.kickHz, 0.3); // 0.2 s in: the sweep has settled
    assert.ok(Math.abs(kickHz / k.kickHz - 1) < 0.02, `kick ends at ${kickHz.toFixed(2)} Hz`);
    for (const [kind, r] of [['tom-low', 1], ['tom-high', 1.5], ['conga', 2.2]] as const) {
      const x = drum(kind, k);
      const f = peakFreq(x, 3300, 2048, k.tomHz * r, 0.2); // 0.15 s in: past the strike's sweep
      assert.ok(Math.abs(f / (k.tomHz * r) - 1) < 0.03, `${kind}: ${f.toFixed(1)} Hz`);
    }
  });

  test('the open hat rings about 4x longer than the closed hat; the crash longest', () => {
    const t40 = (x: Float32Array): number => {
      const pk = peakAbs(x);
      return lastIndex(x, (v) => Math.abs(v) > pk * 0.01) / FS;
    };
    const k = KIT.electronic;
    const ratio = t40(drum('open-hat', k)) / t40(drum('closed-hat', k));
    assert.ok(ratio > 3 && ratio < 5.5, `open/closed ratio ${ratio.toFixed(2)}`);
    assert.ok(t40(drum('crash', k)) > 0.8, `crash ${t40(drum('crash', k))} s`);
  });

  test('the electronic cowbell is its two square tones, 540 and 800 Hz', () => {
    const x = drum('cowbell', KIT.electronic);
    for (const f of [540, 800]) assert.ok(Math.abs(peakFreq(x, 0, 4096, f, 0.03) / f - 1) < 0.005);
  });

  test('the clap is several bursts ~10 ms apart', () => {
    const x = drum('clap', KIT.electronic);
    const env: number[] = [];
    for (let b = 0; b < 45; b++) env.push(peakAbs(x.subarray(Math.round((b * FS) / 1000), Math.round(((b + 1) * FS) / 1000))));
    let rises = 0;
    for (let b = 2; b < 45; b++) if (env[b] > 1.5 * env[b - 2]) rises++;
    assert.ok(rises >= 3, `bursts found: ${rises} (${env.map((v) => v.toFixed(2)).join(' ')})`);
  });
});

describe('effects', () => {
  test('reverb: an impulse decays with RT60 within ±25 % of decayS (Schroeder integration)', () => {
    for (const [decayS, damping] of [[0.8, 0.2], [2, 0.5], [4, 0.3]]) {
      const x = new Float32Array(Math.round((decayS * 1.5 + 0.3) * FS));
      x[0] = 1;
      applyReverb(x, { mix: 1, decayS, damping, preDelayMs: 0 });
      const edc = new Float64Array(x.length);
      let acc = 0;
      for (let i = x.length - 1; i >= 0; i--) edc[i] = acc += x[i] * x[i];
      const at = (db: number): number => edc.findIndex((e) => 10 * Math.log10(e / edc[0]) < db);
      const t60 = ((at(-35) - at(-5)) / FS) * 2; // T30 → T60
      assert.ok(Math.abs(t60 / decayS - 1) < 0.25, `decayS ${decayS}: measured RT60 ${t60.toFixed(2)} s`);
    }
  });

  test('reverb: pre-delay holds the tail back; mix 0 is a no-op; the wet part has unit-order energy', () => {
    const x = new Float32Array(FS);
    x[0] = 1;
    applyReverb(x, { mix: 0.5, decayS: 1, damping: 0.3, preDelayMs: 50 });
    assert.equal(x[0], 0.5);
    assert.equal(peakAbs(x.subarray(1, Math.round(0.05 * FS))), 0);
    let e = 0;
    for (let i = 1; i < x.length; i++) e += x[i] * x[i];
    assert.ok(e > 0.15 && e < 0.3, `wet energy ${e} (0.25 for a unit-energy tail at mix 0.5)`);
    const y = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
    const z = Float32Array.from(y);
    applyReverb(z, { mix: 0, decayS: 1, damping: 0, preDelayMs: 0 });
    assert.deepEqual(z, y);
  });

  test('low-pass and high-pass follow the 2-pole Butterworth magnitude (-24 dB two octaves out)', () => {
    const sine = (f: number): Float32Array => Float32Array.from({ length: FS }, (_, i) => Math.sin((2 * Math.PI * f * i) / FS));
    const gainDb = (x: Float32Array, f: number): number => 20 * Math.log10(fitSine(x, f, FS, FS / 2, FS).amplitude);
    const lp = sine(4000);
    applyLowpass(lp, 1000);
    const hp = sine(250);
    applyHighpass(hp, 1000);
    // Bilinear warping makes the digital low-pass a little steeper than the analog -24.1 dB.
    assert.ok(Math.abs(gainDb(lp, 4000) + 24.1) < 2, `low-pass ${gainDb(lp, 4000)}`);
    assert.ok(Math.abs(gainDb(hp, 250) + 24.1) < 1, `high-pass ${gainDb(hp, 250)}`);
    const pass = sine(250);
    applyLowpass(pass, 1000);
    assert.ok(Math.abs(gainDb(pass, 250)) < 0.1);
  });

  test('drive: unity gain for small signals, peaks squashed below 1/(1 + drive)', () => {
    const x = Float32Array.from([0.001, -0.002, 0.5, -2, 10]);
    applyDrive(x, 3);
    assert.ok(Math.abs(x[0] - 0.001) < 1e-5 && Math.abs(x[1] + 0.002) < 1e-5);
    assert.ok(peakAbs(x) <= 0.25 + 1e-7);
    const y = Float32Array.from([0.3, -0.7]);
    applyDrive(y, 0);
    assert.deepEqual(y, Float32Array.from([0.3, -0.7]));
  });

  test('bitcrush: values on the 2^(1-bits) grid, held for holdSamples', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i / 5) * 0.9);
    applyBitcrush(x, 4, 2);
    for (let i = 0; i < 64; i++) {
      assert.ok(Math.abs(x[i] * 8 - Math.round(x[i] * 8)) < 1e-6, `sample ${i} = ${x[i]}`);
      if (i % 2 === 1) assert.equal(x[i], x[i - 1]);
    }
  });

  test('noise: RMS equals level; pink has equal energy per octave, white rises 3 dB per octave', () => {
    const rmsOf = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const octaveRatioDb = (x: Float32Array): number => 10 * Math.log10(bandShare(x, 4000, 8000) / bandShare(x, 500, 1000));
    for (const color of ['white', 'pink', 'vinyl'] as const) {
      const x = new Float32Array(FS * 3);
      addNoise(x, 0.02, color, mulberry32(4));
      assert.ok(Math.abs(rmsOf(x) / 0.02 - 1) < 0.01, `${color} rms ${rmsOf(x)}`);
      if (color === 'white') assert.ok(Math.abs(octaveRatioDb(x) - 9) < 1, `white ${octaveRatioDb(x)}`);
      if (color === 'pink') assert.ok(Math.abs(octaveRatioDb(x)) < 2, `pink ${octaveRatioDb(x)}`);
      if (color === 'vinyl') assert.ok(peakAbs(x) > 8 * 0.02, `vinyl crackle peak ${peakAbs(x)}`);
    }
  });

  test('ducking: the gain is 1 - depth just after each beat and recovers to ~1 by the next', () => {
    const beat = 10000.5;
    const x = new Float32Array(40000).fill(1);
    applyDucking(x, beat, 0.6);
    for (let b = 0; b < 3; b++) {
      const s = Math.ceil(b * beat);
      assert.ok(Math.abs(x[s + 70] - 0.4) < 0.01, `beat ${b}: ${x[s + 70]}`);
      assert.ok(x[s + 9990] > 0.99, `beat ${b} end: ${x[s + 9990]}`);
      assert.ok(x[s + 5000] > 0.8 && x[s + 5000] < 0.9, `beat ${b} middle: ${x[s + 5000]}`);
    }
  });
});

describe('argument errors name the field', () => {
  const out = new Float32Array(100);
  const r = mulberry32(1);
  test('renderTone', () => {
    assertInvalid(() => renderTone(out, 0, 10, 0, 1, PATCHES.fm, r), 'freqHz');
    assertInvalid(() => renderTone(out, 0, 10, 11025, 1, PATCHES.fm, r), 'freqHz');
    assertInvalid(() => renderTone(out, 0, 10, Number.NaN, 1, PATCHES.fm, r), 'freqHz');
    assertInvalid(() => renderTone(out, 0, -1, 440, 1, PATCHES.fm, r), 'lengthSamples');
    assertInvalid(() => renderTone(out, Number.NaN, 1, 440, 1, PATCHES.fm, r), 'start');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1.5, PATCHES.fm, r), 'velocity');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.fm, kind: 'banjo' as never }, r), 'kind');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.subtractive, resonance: 2 }, r), 'resonance');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.additive, partials: [] }, r), 'partials');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.pad, voices: 9 }, r), 'voices');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.pad, releaseS: -1 }, r), 'releaseS');
    assertInvalid(() => renderTone(out, 0, 10, 440, 1, { ...PATCHES.chip, duty: 1 }, r), 'duty');
  });
  test('renderDrum', () => {
    assertInvalid(() => renderDrum(out, 0, 'gong' as DrumKind, 1, KIT.acoustic, r), 'kind');
    assertInvalid(() => renderDrum(out, 0, 'kick', 1, { ...KIT.acoustic, kickHz: Number.NaN }, r), 'kickHz');
    assertInvalid(() => renderDrum(out, 0, 'kick', 1, { ...KIT.acoustic, character: 'jazz' as never }, r), 'character');
    assertInvalid(() => renderDrum(out, 0, 'kick', -0.1, KIT.acoustic, r), 'velocity');
  });
  test('effects', () => {
    assertInvalid(() => applyReverb(out, { mix: 0.2, decayS: 0, damping: 0, preDelayMs: 0 }), 'decayS');
    assertInvalid(() => applyReverb(out, { mix: 1.2, decayS: 1, damping: 0, preDelayMs: 0 }), 'mix');
    assertInvalid(() => applyLowpass(out, 11025), 'cutoffHz');
    assertInvalid(() => applyHighpass(out, 0), 'cutoffHz');
    assertInvalid(() => applyDrive(out, -1), 'drive');
    assertInvalid(() => applyBitcrush(out, 1.5, 1), 'bits');
    assertInvalid(() => applyBitcrush(out, 8, 0), 'holdSamples');
    assertInvalid(() => addNoise(out, 0.1, 'brown' as never, r), 'color');
    assertInvalid(() => applyDucking(out, 0, 0.5), 'beatSamples');
  });
});
