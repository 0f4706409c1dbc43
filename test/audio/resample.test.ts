// StreamResampler / native Resampler against analytic oracles (sines at exact output times, band
// edges), the float64 reference in src/audio/resample-reference.ts, and its streaming contract.
// Tolerances are stated per test with the measured value (bench/resampler-quality.ts, x86-64 SSE2).
import { mulberry32 } from '../../trainer/eval/prng';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample, StreamResampler } from '../../src/audio/resample';
import { designResampler, resampleReference } from '../../src/audio/resample-reference';
import { nativeAddon } from '../../src/native/addon';
import { EarshotError } from '../../src/errors';
import { fitSine, rmsDbFs, tone } from '../helpers/tone';

const OUT = 22050;
// 44,101 and 37,000 Hz have L = 22,050 and 441 phases: 44,101 takes the interpolated-table path.
const SOURCES = [44100, 48000, 8000, 37000, 44101];

/** Output samples within reach of the zero padding at either end (kernel half-width, in output samples). */
function edge(r: StreamResampler): number {
  return Math.ceil((r.info.halfWidth * r.outRateHz) / r.inRateHz) + 2;
}

/** Deterministic PRNG so failures reproduce. */
const rng = mulberry32;

function noise(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => 2 * next() - 1);
}

function chunked(r: StreamResampler, x: Float32Array, next: () => number): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < x.length; ) {
    const n = Math.min(Math.floor(next() * 3000), x.length - i); // 0..2999, zero-length calls included
    parts.push(r.process(x.subarray(i, i + n)));
    i += n;
  }
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

test('a 1 kHz sine lands on the analytic sine at t = j / 22050 (max abs error <= 1e-5; measured <= 1.6e-6)', () => {
  for (const inRate of SOURCES) {
    const r = new StreamResampler(inRate, OUT);
    const x = tone(1000, inRate, inRate); // 1 s
    const y = resample(x, inRate, OUT);
    const e = edge(r);
    let maxErr = 0;
    for (let j = e; j < y.length - e; j++) maxErr = Math.max(maxErr, Math.abs(y[j] - Math.sin((2 * Math.PI * 1000 * j) / OUT)));
    assert.ok(maxErr <= 1e-5, `${inRate} Hz: max error ${maxErr.toExponential(2)}`);
  }
});

test('design follows the Kaiser formulas; L > 4096 switches to the interpolated table', () => {
  for (const inRate of [...SOURCES, 96000, 768000, 1, 22051]) {
    const info = new StreamResampler(inRate, OUT).info;
    const d = designResampler(inRate, OUT);
    for (const k of ['upFactor', 'downFactor', 'taps', 'halfWidth'] as const) assert.equal(info[k], d[k], `${inRate} Hz ${k}`);
    for (const k of ['beta', 'cutoffHz', 'passbandEdgeHz', 'stopbandEdgeHz'] as const) {
      assert.ok(Math.abs(info[k] - d[k]) <= 1e-9 * Math.abs(d[k]), `${inRate} Hz ${k}: ${info[k]} vs ${d[k]}`);
    }
    assert.equal(info.interpolated, d.upFactor > 4096, `${inRate} Hz interpolated`);
    if (!info.interpolated) assert.equal(info.phases, d.upFactor);
  }
  assert.equal(new StreamResampler(44100, OUT).info.taps, 264);
  assert.deepEqual(Object.isFrozen(new StreamResampler(48000, OUT).info), true);
});

test('matches the float64 direct-sum reference on noise (max abs diff <= 3e-6)', () => {
  for (const inRate of [48000, 8000, 44101]) {
    const x = noise(3000, inRate);
    const y = resample(x, inRate, OUT);
    const ref = resampleReference(x, inRate, OUT);
    assert.equal(y.length, ref.length);
    let maxDiff = 0;
    for (let j = 0; j < y.length; j++) maxDiff = Math.max(maxDiff, Math.abs(y[j] - ref[j]));
    assert.ok(maxDiff <= 3e-6, `${inRate} Hz: ${maxDiff.toExponential(2)}`);
  }
});

test('any chunking is bit-identical to one call', () => {
  for (const inRate of [44100, 48000, 8000, 44101, 96000]) {
    const x = noise(inRate, 7); // 1 s
    const once = resample(x, inRate, OUT);
    for (const seed of [1, 2, 3]) {
      const r = new StreamResampler(inRate, OUT);
      assert.ok(bytes(chunked(r, x, rng(seed))).equals(bytes(once)), `${inRate} Hz, chunk seed ${seed}`);
    }
    const ones = new StreamResampler(inRate, OUT);
    assert.ok(bytes(chunked(ones, x.subarray(0, 5000), () => 1 / 3000)).equals(bytes(resample(x.subarray(0, 5000), inRate, OUT))), `${inRate} Hz, 1-sample chunks`);
  }
});

test('processView: the same outputs as one call, for any chunking, in a buffer reused from call to call', () => {
  for (const inRate of [44100, 48000, 8000, 44101, 96000]) {
    const x = noise(inRate, 5); // 1 s
    const once = resample(x, inRate, OUT);
    const r = new StreamResampler(inRate, OUT);
    const next = rng(9);
    const parts: Float32Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < x.length; ) {
      const n = Math.min(Math.floor(next() * 3000), x.length - i);
      const v = r.processView(x.subarray(i, i + n));
      if (v.length > 0) buffers.add(v.buffer);
      parts.push(v.slice()); // a view: copied before the next call reuses it
      i += n;
    }
    parts.push(r.flush());
    const got = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    parts.reduce((at, p) => (got.set(p, at), at + p.length), 0);
    assert.ok(bytes(got).equals(bytes(once)), `${inRate} Hz`);
    // Grown only while calls get larger than any before (0..2999 inputs here): a handful of buffers, not one per call.
    assert.ok(buffers.size <= 12, `${inRate} Hz: ${buffers.size} output buffers for ${parts.length} calls`);
  }
  const r = new StreamResampler(44100, OUT);
  const a = r.processView(noise(1000, 1));
  const first = Array.from(a);
  r.processView(noise(1000, 2));
  assert.notDeepEqual(Array.from(a), first, 'the earlier view shows the later call');
  assert.throws(() => r.processView(a), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && /overlaps/.test(e.message));
});

test('total output length is ceil(nIn * out / in); flush starts a fresh stream', () => {
  for (const inRate of [...SOURCES, 22050, 1, 768000]) {
    for (const n of inRate === 1 ? [0, 1, 2, 7] : [0, 1, 2, 7, 1000, 44101]) { // 1 Hz: 22,050 outputs per input
      const want = Number((BigInt(n) * BigInt(OUT) + BigInt(inRate) - 1n) / BigInt(inRate));
      assert.equal(resample(new Float32Array(n), inRate, OUT).length, want, `${inRate} Hz, n = ${n}`);
    }
  }
  const r = new StreamResampler(48000, OUT);
  const x = noise(4000, 3);
  const first = Buffer.concat([bytes(r.process(x)), bytes(r.flush())]);
  const again = Buffer.concat([bytes(r.process(x)), bytes(r.flush())]);
  assert.ok(first.equals(again));
  r.process(noise(100, 4));
  r.reset();
  assert.ok(Buffer.concat([bytes(r.process(x)), bytes(r.flush())]).equals(first));
});

test('equal rates copy the input exactly', () => {
  const x = noise(1234, 5);
  const y = resample(x, OUT, OUT);
  assert.notEqual(y, x);
  assert.ok(bytes(y).equals(bytes(x)));
});

test('aliasing: tones above the output Nyquist are attenuated >= 95 dB (design 100 dB, measured >= 99.2 dB)', () => {
  const r12k = new StreamResampler(44100, OUT);
  const y12k = resample(tone(12000, 44100, 44100), 44100, OUT);
  const db12k = rmsDbFs(y12k, edge(r12k), y12k.length - edge(r12k));
  assert.ok(db12k <= -95, `12 kHz through 44.1k -> 22.05k: ${db12k.toFixed(1)} dB`);
  for (const inRate of [44100, 48000, 37000, 44101, 96000]) {
    const r = new StreamResampler(inRate, OUT);
    const e = edge(r);
    for (let f = OUT / 2; f < inRate / 2; f += (inRate / 2 - OUT / 2) / 13) {
      const y = resample(tone(f, inRate, inRate >> 1), inRate, OUT);
      const db = rmsDbFs(y, e, y.length - e);
      assert.ok(db <= -95, `${inRate} Hz, ${f.toFixed(0)} Hz tone: ${db.toFixed(1)} dB`);
    }
  }
});

test('passband: 100 Hz .. 0.9 x Nyquist within 0.001 dB peak-to-peak (measured 0.00016 dB), in phase', () => {
  for (const inRate of SOURCES) {
    const r = new StreamResampler(inRate, OUT);
    const e = edge(r);
    const top = 0.9 * 0.5 * Math.min(inRate, OUT);
    let lo = Infinity, hi = -Infinity;
    for (let f = 100; f <= top + 1e-9; f += (top - 100) / 24) {
      const y = resample(tone(f, inRate, inRate >> 1), inRate, OUT);
      const fit = fitSine(y, f, OUT, e, y.length - e);
      const db = 20 * Math.log10(fit.amplitude);
      lo = Math.min(lo, db);
      hi = Math.max(hi, db);
      assert.ok(Math.abs(fit.phaseRad) <= 1e-5, `${inRate} Hz, ${f.toFixed(0)} Hz: phase ${fit.phaseRad} rad`);
      // Upsampling: what is left after the fit is the images (and, down, aliased float noise).
      const residualDb = 20 * Math.log10(fit.residualRms / (fit.amplitude / Math.SQRT2));
      assert.ok(residualDb <= -95, `${inRate} Hz, ${f.toFixed(0)} Hz: residual ${residualDb.toFixed(1)} dB`);
    }
    assert.ok(hi - lo <= 0.001, `${inRate} Hz: ripple ${(hi - lo).toFixed(5)} dB`);
  }
});

test('bad arguments: native TypeError / RangeError naming the value, EarshotError in TypeScript', () => {
  const Native = nativeAddon().Resampler as unknown as new (...args: unknown[]) => { process(x: unknown): Float32Array };
  for (const bad of [0, -1, 44100.5, 768001, NaN, Infinity]) {
    assert.throws(() => new Native(bad, OUT), (e: Error) => e instanceof RangeError && /inRateHz/.test(e.message) && e.message.includes(`got ${bad}`), `in = ${bad}`);
    assert.throws(() => new Native(44100, bad), (e: Error) => e instanceof RangeError && /outRateHz/.test(e.message), `out = ${bad}`);
    assert.throws(() => new StreamResampler(bad, OUT), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && e.message.includes(`got ${bad}`));
  }
  assert.throws(() => new Native('44100', OUT), TypeError);
  assert.throws(() => new Native(44100), TypeError);
  const r = new Native(44100, OUT);
  assert.throws(() => r.process([1, 2, 3]), (e: Error) => e instanceof TypeError && /Float32Array/.test(e.message));
  assert.throws(() => r.process(new Float64Array(4)), TypeError);
  assert.throws(() => r.process(Float32Array.of(0, NaN)), (e: Error) => e instanceof RangeError && /sample 1 is NaN/.test(e.message));
  const s = new StreamResampler(44100, OUT);
  assert.throws(() => s.process(new Float64Array(4) as unknown as Float32Array), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT');
  assert.throws(() => s.process(Float32Array.of(Infinity)), (e: EarshotError) => e.code === 'ERR_NOT_FINITE');
  // A rejected chunk leaves the stream untouched.
  const x = noise(2000, 9);
  const clean = resample(x, 44100, OUT);
  assert.ok(bytes(chunked(s, x, () => 0.5)).equals(bytes(clean)));
});
