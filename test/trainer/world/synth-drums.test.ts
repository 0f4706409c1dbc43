// The world synthesizer's drums and effects (tones: world-synth.test.ts).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../../trainer/eval/prng';
import { clearDrumCache, DRUM_LEVEL, renderDrum, TAKES } from '../../../trainer/world/synth/drums';
import { addNoise, applyBitcrush, applyDrive, applyDucking, applyHighpass, applyLowpass, applyReverb } from '../../../trainer/world/synth/effects';
import { type DrumKind } from '../../../trainer/world/synth/patches';
import { renderTone } from '../../../trainer/world/synth/tones';
import { fitSine } from '../../helpers/tone';
import { DRUM_KINDS, FS, KIT, PATCHES, assertFinite, assertInvalid, bandShare, drum, lastIndex, peakAbs, peakFreq } from '../../helpers/synth-measure';

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
