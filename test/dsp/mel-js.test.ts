// The "native vs browser mel" conformance suite: one set of checks run against every implementation of
// the log-mel front end — the native addon (src/dsp/mel.ts) and the pure TypeScript one (src/dsp/js/,
// what plugin-host/web runs in a browser) — then the two held to each other within 1e-3 dB. Both against
// librosa's stored references: test/dsp/mel-librosa.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { concatFloat32 } from '../../src/audio/concat';
import { loadAudio } from '../../src/audio/load';
import { computeMel, melFilterbank, MelStream, type Spectrogram } from '../../src/dsp/mel';
import { resolveMelOptions, type MelOptions } from '../../src/dsp/mel-options';
import { computeMelJs, MelStreamJs } from '../../src/dsp/js/mel';
import { MelBank } from '../../src/dsp/js/filterbank';
import { CASES, loadInput, maxAbsDiff } from '../helpers/librosa-fixtures';
import { sharedOrSkip } from '../helpers/shared';

interface MelImpl {
  name: string;
  computeMel(x: Float32Array, o?: MelOptions): Spectrogram;
  stream(o?: MelOptions): { push(x: Float32Array): Float32Array; flush(): Float32Array };
  filterbank(o?: MelOptions): Float64Array;
}

const IMPLS: MelImpl[] = [
  { name: 'native', computeMel, stream: (o) => new MelStream({ ...o, historyFrames: 1 }), filterbank: (o) => melFilterbank(o).weights },
  { name: 'js', computeMel: computeMelJs, stream: (o) => new MelStreamJs(o), filterbank: (o) => new MelBank(resolveMelOptions(o)).dense },
];

/** Non-default front ends: every option the native kernel takes, away from librosa's defaults. */
const VARIANTS: { label: string; o: MelOptions }[] = [
  { label: 'defaults', o: {} },
  { label: 'htk, no norm, 64 bands 50..8000 Hz', o: { melScale: 'htk', melNorm: 'none', nMels: 64, fminHz: 50, fmaxHz: 8000 } },
  { label: 'nFft 2048 hop 300, center=false', o: { nFft: 2048, hopSamples: 300, center: false } },
  { label: '16 kHz, nFft 512 hop 160, 40 bands', o: { sampleRateHz: 16000, nFft: 512, hopSamples: 160, nMels: 40 } },
  { label: 'log1p(1000·S)', o: { log: { kind: 'log1p', scale: 1000 } } },
  { label: 'dB ref 10, amin 1e-6, topDb 80', o: { log: { kind: 'db', refPower: 10, aminPower: 1e-6, topDb: 80 } } },
];

/** Deterministic splits of n samples into chunks of 1..max samples. */
function chunks(n: number, max: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let left = n; left > 0; ) {
    s = (s * 48271) % 2147483647;
    const c = Math.min(left, 1 + (s % max));
    out.push(c);
    left -= c;
  }
  return out;
}

function streamAll(impl: MelImpl, x: Float32Array, o: MelOptions, max: number, seed: number): Float32Array {
  const st = impl.stream(o);
  const parts: Float32Array[] = [];
  let at = 0;
  for (const c of chunks(x.length, max, seed)) {
    parts.push(st.push(x.subarray(at, at + c)));
    at += c;
  }
  parts.push(st.flush());
  return concatFloat32(parts);
}

for (const impl of IMPLS) {
  test(`[${impl.name}] streaming in chunks of 1..3000 samples + flush equals the batch bit for bit`, () => {
    const x = loadInput('chirp');
    for (const v of VARIANTS.filter((v) => v.o.log?.kind !== 'db' || v.o.log.topDb == null)) {
      const batch = impl.computeMel(x, v.o).data;
      for (const [max, seed] of [[1, 1], [700, 2], [3000, 3]] as const) {
        const streamed = streamAll(impl, max === 1 ? x.subarray(0, 5000) : x, v.o, max, seed);
        const want = max === 1 ? impl.computeMel(x.subarray(0, 5000), v.o).data : batch;
        assert.equal(streamed.length, want.length, `${v.label}: ${streamed.length / 128} vs ${want.length / 128} frames`);
        assert.ok(streamed.every((y, i) => Object.is(y, want[i])), `${v.label}, chunks ≤ ${max}: stream differs from batch`);
      }
    }
  });
}

// Native vs TypeScript: the two must agree far inside librosa's tolerance (the native kernel sums mel
// bands in float32, the TS one in float64; both FFTs are float64).
const JS_VS_NATIVE_DB = 1e-3;

for (const v of VARIANTS) {
  test(`js vs native within ${JS_VS_NATIVE_DB} dB on every librosa fixture: ${v.label}`, (t) => {
    let worst = 0;
    for (const name of CASES) {
      const x = loadInput(name);
      const a = computeMel(x, v.o), b = computeMelJs(x, v.o);
      assert.equal(b.frames, a.frames, `${name}: frames`);
      assert.equal(b.bands, a.bands);
      worst = Math.max(worst, maxAbsDiff(a.data, b.data));
    }
    // log1p(1000·S) is not in dB; on these signals it spans 0..~20 nepers: same absolute bound.
    t.diagnostic(`max |native − js| ${worst.toExponential(2)}`);
    assert.ok(worst <= JS_VS_NATIVE_DB, `max |native − js| ${worst}`);
  });
}

test('js vs native filterbank: equal for every front-end variant (same formulas as native/dsp/mel_filterbank.cc)', () => {
  const [native, js] = IMPLS;
  for (const v of VARIANTS) {
    const a = native.filterbank(v.o);
    const b = js.filterbank(v.o);
    assert.equal(a.length, b.length, v.label);
    let maxErr = 0;
    for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 1e-6));
    assert.ok(maxErr < 1e-9, `${v.label}: filterbank max relative difference ${maxErr}`);
  }
});

test('js vs native power spectrum: relative agreement 1e-5 where mel power > 1e-8', () => {
  for (const name of CASES) {
    const x = loadInput(name);
    const a = computeMel(x, { log: { kind: 'power' } }).data, b = computeMelJs(x, { log: { kind: 'power' } }).data;
    let maxRel = 0;
    for (let i = 0; i < a.length; i++) if (a[i] > 1e-8) maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / a[i]);
    assert.ok(maxRel <= 1e-5, `${name}: max relative ${maxRel}`);
  }
});

for (const file of ['data/audio/wesnoth-elvish-theme.wav', 'data/audio/singularity-awakening.ogg', 'data/audio/asc-machine-wars.mp3']) {
  test(`js vs native within ${JS_VS_NATIVE_DB} dB on a real recording: ${path.basename(file)} (first 30 s)`, async (t) => {
    const p = sharedOrSkip(t, file);
    if (!p) return;
    const audio = await loadAudio(p);
    const x = audio.samples.subarray(0, Math.min(audio.samples.length, 30 * 22050));
    const a = computeMel(x), t0 = performance.now(), b = computeMelJs(x), ms = performance.now() - t0;
    const err = maxAbsDiff(a.data, b.data);
    t.diagnostic(`${b.frames} frames, max |native − js| = ${err.toExponential(2)} dB, js ${((ms * 1000) / b.frames).toFixed(1)} µs/frame`);
    assert.ok(err <= JS_VS_NATIVE_DB, `max |native − js| ${err} dB`);
  });
}
