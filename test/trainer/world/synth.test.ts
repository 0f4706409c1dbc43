/**
 * The benchmark world's synthesizer primitives (trainer/world/synth) against independent
 * measurements: pitch by a fine DFT scan, spectra by FFT, reverb RT60 by Schroeder backward
 * integration, filter gains against the Butterworth closed form. Plus determinism, bounds and
 * argument errors.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../../trainer/eval/prng';
import { renderDrum } from '../../../trainer/world/synth/drums';
import { addNoise, applyReverb } from '../../../trainer/world/synth/effects';
import { addOsc } from '../../../trainer/world/synth/oscillators';
import { type TonePatch } from '../../../trainer/world/synth/patches';
import { renderTone, VOICE_LEVEL } from '../../../trainer/world/synth/tones';
import { fitSine } from '../../helpers/tone';
import { DRUM_KINDS, ENV, FS, KIT, PATCHES, assertFinite, dftMag, lastIndex, note, peakAbs, peakFreq, powerSpectrum } from '../../helpers/synth-measure';

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
