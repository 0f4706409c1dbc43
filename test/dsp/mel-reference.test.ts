// The fast kernels against a deliberately naive float64 implementation written here from the
// definitions (DFT by the sum, Hann window, dense filterbank product), for configurations the
// librosa fixtures do not cover: other FFT sizes, hops, non-centred framing, HTK scale, log modes.
import { mulberry32 } from '../../trainer/eval/prng';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMel, melFilterbank } from '../../src/dsp/mel';
import type { MelOptions } from '../../src/dsp/mel-options';
import { nativeAddon } from '../../src/native/addon';

/** Seeded uniform in [-1, 1). */
function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => u() * 2 - 1;
}

/** Naive mel power: frames cut as librosa does, |DFT|^2 by the O(n^2) sum, dense filterbank. */
function naiveMelPower(x: Float32Array, o: Required<Pick<MelOptions, 'nFft' | 'hopSamples' | 'center'>>, fb: Float64Array, nMels: number): Float64Array {
  const { nFft, hopSamples, center } = o;
  const pad = center ? nFft / 2 : 0;
  const frames = center ? 1 + Math.floor(x.length / hopSamples) : 1 + Math.floor((x.length - nFft) / hopSamples);
  const bins = nFft / 2 + 1;
  const out = new Float64Array(frames * nMels);
  const cos = new Float64Array(nFft), sin = new Float64Array(nFft);
  for (let i = 0; i < nFft; i++) { cos[i] = Math.cos((2 * Math.PI * i) / nFft); sin[i] = Math.sin((2 * Math.PI * i) / nFft); }
  const frame = new Float64Array(nFft), power = new Float64Array(bins);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < nFft; i++) {
      const j = f * hopSamples - pad + i;
      frame[i] = (j >= 0 && j < x.length ? x[j] : 0) * (0.5 - 0.5 * cos[i]);
    }
    for (let k = 0; k < bins; k++) {
      let re = 0, im = 0;
      for (let i = 0; i < nFft; i++) { const idx = (k * i) % nFft; re += frame[i] * cos[idx]; im -= frame[i] * sin[idx]; }
      power[k] = re * re + im * im;
    }
    for (let m = 0; m < nMels; m++) {
      let acc = 0;
      for (let k = 0; k < bins; k++) acc += fb[m * bins + k] * power[k];
      out[f * nMels + m] = acc;
    }
  }
  return out;
}

const configs: MelOptions[] = [
  { nFft: 128, hopSamples: 32, nMels: 20, center: true },
  { nFft: 256, hopSamples: 100, nMels: 40, center: false },
  { nFft: 2048, hopSamples: 512, nMels: 96, center: true, sampleRateHz: 44100, fminHz: 30, fmaxHz: 16000 },
  { nFft: 512, hopSamples: 256, nMels: 64, center: true, melScale: 'htk', melNorm: 'none', sampleRateHz: 16000 },
];

for (const isa of ['generic', 'avx2'] as const) {
  if (nativeAddon().kernels(isa) === false) continue;
  for (const cfg of configs) {
    test(`[${isa}] mel power equals the naive DFT reference for ${JSON.stringify(cfg)}`, () => {
      nativeAddon().kernels(isa);
      const r = rng(cfg.nFft!);
      const x = new Float32Array(cfg.nFft! * 6 + 77).map(() => r() * 0.5);
      const opts = { ...cfg, log: { kind: 'power' as const } };
      const got = computeMel(x, opts);
      const fb = melFilterbank(opts);
      const ref = naiveMelPower(x, { nFft: cfg.nFft!, hopSamples: cfg.hopSamples!, center: cfg.center! }, fb.weights, fb.bands);
      assert.equal(got.data.length, ref.length);
      let maxRel = 0;
      for (let i = 0; i < ref.length; i++) if (ref[i] > 1e-8) maxRel = Math.max(maxRel, Math.abs(got.data[i] - ref[i]) / ref[i]);
      assert.ok(maxRel < 1e-5, `max relative error ${maxRel}`);
      nativeAddon().kernels('auto');
    });
  }
}

test('HTK filterbank peaks sit on the HTK mel grid (closed form 2595 log10(1 + f/700))', () => {
  const sr = 16000, nFft = 4096, nMels = 10;
  const fb = melFilterbank({ sampleRateHz: sr, nFft, nMels, melScale: 'htk', melNorm: 'none' });
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  for (let b = 0; b < nMels; b++) {
    const centre = hz(((b + 1) * mel(sr / 2)) / (nMels + 1));
    let best = 0;
    for (let k = 1; k < fb.bins; k++) if (fb.weights[b * fb.bins + k] > fb.weights[b * fb.bins + best]) best = k;
    assert.ok(Math.abs((best * sr) / nFft - centre) <= sr / nFft, `band ${b}: peak ${(best * sr) / nFft} Hz vs ${centre} Hz`);
    assert.ok(fb.weights[b * fb.bins + best] > 0.99 && fb.weights[b * fb.bins + best] <= 1, 'unnormalised triangles peak at 1');
  }
});

test('log modes: dB, top_db and log1p are the closed forms of the power spectrogram', () => {
  const r = rng(7);
  const x = new Float32Array(22050).map(() => r() * 0.3);
  const p = computeMel(x, { log: { kind: 'power' } }).data;
  const db = computeMel(x, { log: { kind: 'db', refPower: 2, aminPower: 1e-6 } }).data;
  const top = computeMel(x, { log: { kind: 'db', topDb: 20 } }).data;
  const l1 = computeMel(x, { log: { kind: 'log1p', scale: 1000 } }).data;
  let maxDb = -Infinity;
  for (let i = 0; i < p.length; i++) maxDb = Math.max(maxDb, 10 * Math.log10(Math.max(p[i], 1e-10)));
  for (let i = 0; i < p.length; i++) {
    assert.ok(Math.abs(db[i] - (10 * Math.log10(Math.max(p[i], 1e-6)) - 10 * Math.log10(2))) < 1e-4, 'dB with ref/amin');
    assert.ok(Math.abs(top[i] - Math.max(10 * Math.log10(Math.max(p[i], 1e-10)), maxDb - 20)) < 1e-3, 'top_db');
    assert.ok(Math.abs(l1[i] - Math.log1p(1000 * p[i])) <= 1e-6 * Math.max(1, Math.abs(l1[i])), 'log1p');
  }
});
