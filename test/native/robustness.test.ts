// Part 1 of 2: the raw addon and extreme but legal parameters.
// Robustness of the foundation against hostile or absurd input: the raw addon, the typed wrappers,
// WAV headers and the CLI. The contract: bad input gets a clear error naming the problem, never a
// crash, a hang, an absurd allocation or lost data. Cases that could kill the process run in a child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { computeMel, computeMelAsync, MelStream } from '../../src/dsp/mel';
import { delta, mfcc } from '../../src/dsp/mfcc';
import { nativeAddon, type NativeMelConfig } from '../../src/native/addon';
import { resample, StreamResampler } from '../../src/audio/resample';
import { parseWav } from '../../src/audio/wav';
import { loadAudio } from '../../src/audio/load';
import { readNpy } from '../../src/io/npy';
import { EarshotError, type EarshotErrorCode } from '../../src/errors';
import { closedFormValues, makeWav, type WavSpec } from '../helpers/wav-writer';
import { CFG, CLI, DIST_SRC, concat, runChild, signal, throwsCode, tmp } from '../helpers/robustness';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The raw addon: every misuse is a JS exception, never a crash.

test('raw addon: wrong types and missing arguments throw TypeError/RangeError naming the argument', () => {
  const a = nativeAddon();
  const x = new Float32Array(4096);
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['melBatch()', () => a.melBatch(undefined as never, undefined as never), /samples must be a Float32Array/],
    ['melBatch(array)', () => a.melBatch([1, 2, 3] as never, CFG), /samples must be a Float32Array/],
    ['melBatch(Float64Array)', () => a.melBatch(new Float64Array(8) as never, CFG), /samples must be a Float32Array/],
    ['melBatch(x, null)', () => a.melBatch(x, null as never), /mel options must be an object/],
    ['nFft string', () => a.melBatch(x, { ...CFG, nFft: '1024' as never }), /nFft must be a number/],
    ['center string', () => a.melBatch(x, { ...CFG, center: 'false' as never }), /center must be a boolean/], // was silently true
    ['mfcc()', () => (a.mfcc as (...v: unknown[]) => unknown)(), /melDb must be a Float32Array/],
    ['mfcc nMels 0', () => a.mfcc(new Float32Array(40), 0, 1), /nMels must be an integer in 1\.\.4096/],
    ['mfcc length % nMels', () => a.mfcc(new Float32Array(41), 4, 2), /not a multiple of nMels/],
    ['delta nCoeffs NaN', () => a.delta(new Float32Array(40), NaN, 9, 1), /nCoeffs must be an integer/],
    ['Resampler(0, 22050)', () => new a.Resampler(0, 22050), /inRateHz must be an integer in 1\.\.768000/],
    ['Resampler(NaN)', () => new a.Resampler(NaN, 22050), /inRateHz/],
    ['Resampler(44100.5)', () => new a.Resampler(44100.5, 22050), /inRateHz/],
    ['MelStream ring 0', () => new a.MelStream(CFG, 0), /ringFrames must be an integer in 1\.\.65536/],
    ['MelStream no new', () => (a.MelStream as unknown as (c: unknown, r: number) => unknown)(CFG, 1), /without 'new'/],
  ];
  for (const [label, fn, re] of cases) {
    assert.throws(fn, (e: unknown) => (e instanceof TypeError || e instanceof RangeError) && re.test((e as Error).message), label);
  }
  // Methods called on a receiver that is not a native object.
  const proto = a.MelStream.prototype as unknown as { push(x: Float32Array): unknown; lastFrames(n: number): unknown };
  assert.throws(() => Object.create(proto).push(x), TypeError);
  assert.throws(() => Object.create(proto).lastFrames(1), TypeError);
  assert.throws(() => Object.create(a.Resampler.prototype).process(x), TypeError);
  assert.equal(a.kernels('no-such-isa' as never), false);
});

test('raw addon: NaN, infinite, huge, negative and fractional options are RangeErrors naming the field', () => {
  const a = nativeAddon();
  const x = new Float32Array(4096);
  const cases: Array<[Partial<NativeMelConfig>, RegExp]> = [
    [{ nFft: NaN }, /nFft must be an integer/],
    [{ nFft: 1e20 }, /nFft must be an integer/],
    [{ nFft: -Infinity }, /nFft must be an integer/],
    [{ nFft: 1024.5 }, /nFft must be an integer/],
    [{ nFft: 3 }, /nFft must be a power of two/], // not reported as a bad hop (hop's bound is nFft)
    [{ nFft: 1 << 20, hopSamples: 512 }, /nFft must be a power of two between 128 and 65536/],
    [{ hopSamples: NaN }, /hopSamples must be an integer/],
    [{ hopSamples: -5 }, /hopSamples must be in 1\.\.nFft/],
    [{ nMels: 1e9 }, /nMels must be in 1\.\.4096/],
    [{ nMels: -1 }, /nMels must be in 1\.\.4096/],
    [{ sampleRateHz: NaN }, /sampleRateHz/],
    [{ sampleRateHz: -Infinity }, /sampleRateHz/],
    [{ fminHz: NaN }, /fminHz/],
    [{ fmaxHz: NaN }, /fmaxHz/],
    [{ fmaxHz: 1e9 }, /fmaxHz/],
    [{ aminPower: NaN }, /aminPower/],
    [{ aminPower: 1e-45 }, /aminPower/],
    [{ refPower: Infinity }, /refPower/],
    [{ log1pScale: -1, log: 'log1p' }, /log1pScale/],
    [{ log: 'cube' as never }, /log must be 'db', 'log1p' or 'power'/],
  ];
  for (const [patch, re] of cases) {
    const cfg = { ...CFG, ...patch };
    assert.throws(() => a.melBatch(x, cfg), (e: unknown) => e instanceof RangeError && re.test(e.message), JSON.stringify(patch));
    assert.throws(() => new a.MelStream(cfg, 4), (e: unknown) => e instanceof RangeError && re.test(e.message), `stream ${JSON.stringify(patch)}`);
  }
});

test('raw addon: an options getter or Proxy that throws propagates its error, nothing else happens', () => {
  const a = nativeAddon();
  const x = new Float32Array(4096);
  const getter = Object.defineProperty({ ...CFG }, 'nMels', { get() { throw new Error('getter boom'); } });
  assert.throws(() => a.melBatch(x, getter), /getter boom/);
  assert.throws(() => new a.MelStream(getter, 4), /getter boom/);
  assert.throws(() => a.melFilterbank(getter), /getter boom/);
  const proxy = new Proxy({}, { get() { throw new TypeError('proxy boom'); } }) as NativeMelConfig;
  assert.throws(() => a.melBatch(x, proxy), /proxy boom/);
  assert.throws(() => a.melBatchAsync(x, proxy), /proxy boom/);
  // The addon still works afterwards.
  assert.equal(a.melBatch(x, CFG).length, 9 * 128);
});

test('raw addon: an options getter that detaches the samples buffer cannot make the addon read freed memory', () => {
  // The Float32Array's data pointer used to be taken before the options were read; a getter that
  // transferred the buffer away then left the kernel reading freed memory (SIGSEGV).
  const r = runChild(`
    const { nativeAddon } = require(DIST_SRC + '/native/addon.js');
    const a = nativeAddon();
    const cfg = ${JSON.stringify(CFG)};
    for (const fn of ['melBatch', 'melBatchAsync']) {
      let x = new Float32Array(1 << 22).fill(0.5);
      const evil = { ...cfg, get nFft() {
        structuredClone(x.buffer, { transfer: [x.buffer] });  // detach, and drop the new owner
        gc();
        for (let i = 0; i < 8; i++) new Float32Array(1 << 22).fill(NaN);
        return 1024;
      } };
      Promise.resolve(a[fn](x, evil)).then(
        (out) => console.log(fn, 'frames', out.length / 128, 'finite', out.every(Number.isFinite)),
        (e) => console.log(fn, 'error', e.message));
    }
  `, ['--expose-gc']);
  assert.equal(r.signal, null, `child died with ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  // The samples were read after the getter ran: the detached (empty) array gives one silent frame.
  assert.match(r.stdout, /melBatch frames 1 finite true/);
  assert.match(r.stdout, /melBatchAsync frames 1 finite true/);
});

test('raw addon: melBatchAsync rejects a bad filterbank option with a RangeError, like the sync call', async () => {
  const a = nativeAddon();
  const x = new Float32Array(4096);
  // fmin/fmax are checked when the filterbank is built, on the worker thread.
  const cfg = { ...CFG, fminHz: 5000, fmaxHz: 4000 };
  assert.throws(() => a.melBatch(x, cfg), RangeError);
  await assert.rejects(async () => a.melBatchAsync(x, cfg), (e: unknown) => e instanceof RangeError && /fminHz/.test(e.message));
  await assert.rejects(async () => a.melBatchAsync(x, { ...CFG, nFft: 1000 }), (e: unknown) => e instanceof RangeError && /nFft/.test(e.message));
});

test('an output too large for a Float32Array is refused up front, not after minutes of work', () => {
  // hop 1 and 4096 bands: 1 + 2^20 frames x 4096 > 2^32 - 1 floats (the result would be 16 GiB).
  // In a child: without the check it allocates 17 GB and computes for minutes before failing.
  const r = runChild(`
    const { computeMel } = require(DIST_SRC + '/dsp/mel.js');
    const { nativeAddon } = require(DIST_SRC + '/native/addon.js');
    const x = new Float32Array(1 << 20);
    const opts = { nFft: 128, hopSamples: 1, nMels: 4096 };
    try { computeMel(x, opts); console.log('computed'); } catch (e) { console.log(e.code, e.message); }
    const cfg = { ...${JSON.stringify(CFG)}, ...opts };
    try { nativeAddon().melBatchAsync(x, cfg).then(() => console.log('async computed')); } catch (e) { console.log(e.constructor.name); }
  `, [], 15_000);
  assert.equal(r.signal, null, `child killed (${r.signal}): not refused up front`);
  assert.match(r.stdout, /ERR_INVALID_ARGUMENT the spectrogram would hold 1048577 frames x 4096 bands.*Float32Array/);
  assert.match(r.stdout, /^RangeError$/m);
});

test('a batch result above 2^28 values (1 GiB) is refused before any work, below the V8 limit', () => {
  // 1 + 2^19 frames x 1024 bands = 5.4e8 values: fits a Float32Array, but not safely in memory twice.
  throwsCode(() => computeMel(new Float32Array(1 << 20), { nFft: 1024, hopSamples: 2, nMels: 1024 }), 'ERR_INVALID_ARGUMENT', /2\^28 values, 1 GiB.*MelStream/);
  // The same audio at the defaults is far below the cap and computes.
  assert.equal(computeMel(new Float32Array(1 << 20)).frames, 1 + (1 << 20) / 512);
});

// ---------------------------------------------------------------------------------------------
// Parameters that are each legal but extreme together.

test('hop 1 with nFft 65536 on a short input finishes quickly and streaming equals batch', () => {
  // Cost is frames x nFft log nFft: 1 + n frames for hop 1. 600 samples: 601 frames of a 64k FFT.
  const x = signal(600);
  const opts = { nFft: 65536, hopSamples: 1, nMels: 16 };
  const t0 = Date.now();
  const batch = computeMel(x, opts);
  assert.equal(batch.frames, 601);
  const s = new MelStream({ ...opts, historyFrames: 4 });
  const all = concat([s.push(x.subarray(0, 1)), s.push(x.subarray(1, 333)), s.push(x.subarray(333)), s.flush()]);
  assert.deepEqual(all, batch.data);
  assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
});

test('4096 mel bands over 65 FFT bins: empty bands are the dB floor, everything finite', () => {
  const spec = computeMel(signal(4096), { nFft: 128, hopSamples: 64, nMels: 4096 });
  assert.equal(spec.bands, 4096);
  let floor = 0;
  for (const v of spec.data) {
    assert.ok(Number.isFinite(v));
    if (v === spec.data[0] && Math.abs(v + 100) < 1e-3) floor++;
  }
  assert.ok(floor > 0, 'bands narrower than a bin are 10 log10(amin) = -100 dB');
  // A filterbank squeezed into a micro-hertz range stays finite too.
  const narrow = computeMel(signal(8192), { nMels: 64, fminHz: 1000, fmaxHz: 1000.000001 });
  assert.ok(narrow.data.every(Number.isFinite));
});

test('the shared filterbank cache does not pin dense matrices (4 configs of 1024 x 32769 doubles)', () => {
  // Each bank's dense matrix is 268 MB; the cache used to keep it for up to 64 configurations.
  const r = runChild(`
    const { computeMel } = require(DIST_SRC + '/dsp/mel.js');
    const x = new Float32Array(70000);
    for (let i = 0; i < 4; i++) computeMel(x, { nFft: 65536, hopSamples: 65536, nMels: 1024, fminHz: i });
    gc();
    console.log(JSON.stringify({ rssMb: process.memoryUsage().rss / 2 ** 20 }));
  `, ['--expose-gc']);
  assert.equal(r.status, 0, r.stderr);
  const { rssMb } = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.ok(rssMb < 600, `resident memory ${rssMb.toFixed(0)} MB after building 4 large filterbanks`);
});

test('MelStream history is capped in values, not only frames: 65,536 x 4,096 is refused, 65,536 x 128 allowed', () => {
  throwsCode(() => new MelStream({ nMels: 4096, historyFrames: 65536 }), 'ERR_INVALID_ARGUMENT', /ringFrames x nMels must be at most 8388608.*65536 x 4096/);
  throwsCode(() => new MelStream({ nMels: 256, historyFrames: 40000 }), 'ERR_INVALID_ARGUMENT', /40000 x 256/);
  assert.throws(() => new (nativeAddon().MelStream)({ ...CFG, nMels: 4096 }, 65536), RangeError);
  const s = new MelStream({ historyFrames: 65536 });
  assert.equal(s.push(signal(2048)).length, 4 * 128); // 512 padding + 2048 samples: frames at 0, 512, 1024, 1536
  const wide = new MelStream({ nMels: 4096, historyFrames: 2048 });
  assert.equal(wide.historyFrames, 2048);
});

test('resampler at the rate limits: 1 Hz -> 768 kHz works, 768 kHz -> 1 Hz is refused with a reason', () => {
  const up = resample(new Float32Array([0, 0.5, -0.5, 0.25]), 1, 768000);
  assert.equal(up.length, 4 * 768000);
  assert.ok(up.every(Number.isFinite));
  throwsCode(() => new StreamResampler(768000, 1), 'ERR_INVALID_ARGUMENT', /768000 Hz -> 1 Hz needs a \d+-tap filter.*ratio too extreme/);
  throwsCode(() => new StreamResampler(768001, 22050), 'ERR_INVALID_ARGUMENT', /inRateHz/);
  const r = new StreamResampler(768000, 22050);
  assert.equal(r.process(new Float32Array(0)).length, 0);
  const out = concat([r.process(signal(768000 / 10)), r.flush()]);
  assert.equal(out.length, 2205);
});

test('delta: frames < width, even width, and absurd orders are clear errors (not a multi-hour hang)', () => {
  const c = new Float32Array(13 * 5);
  throwsCode(() => delta(c, 13), 'ERR_INVALID_ARGUMENT', /at least width=9 frames.*got 5/);
  throwsCode(() => delta(new Float32Array(13 * 20), 13, 1, 8), 'ERR_INVALID_ARGUMENT', /odd integer/);
  // Order 100 on width 201 took ~11 s and returned NaN; order 1000 on width 1001 would take hours
  // (so these run in a child with a time limit).
  const r = runChild(`
    const { delta } = require(DIST_SRC + '/dsp/mfcc.js');
    const { nativeAddon } = require(DIST_SRC + '/native/addon.js');
    try { delta(new Float32Array(1001), 1, 1000, 1001); console.log('computed'); } catch (e) { console.log(e.code, e.message); }
    try { nativeAddon().delta(new Float32Array(201), 1, 201, 100); console.log('computed'); } catch (e) { console.log(e.constructor.name); }
  `, [], 10_000);
  assert.equal(r.signal, null, `child killed (${r.signal}): absurd delta order not refused`);
  assert.match(r.stdout, /ERR_INVALID_ARGUMENT delta order must be in 1\.\.min\(width-1, 8\), got 1000/);
  assert.match(r.stdout, /^RangeError$/m);
  // The largest accepted order on the widest window is still accurate: d^8/dx^8 of x^8/8! is 1.
  const w = 1001;
  const y = new Float32Array(w);
  for (let i = 0; i < w; i++) y[i] = ((i - 500) / 100) ** 8 / 40320;
  const d8 = delta(y, 1, 8 as 1, w);
  assert.ok(Math.abs(d8[500] * 1e16 - 1) < 1e-3, `8th derivative ${d8[500] * 1e16}`);
});

test('mfcc: nMfcc above nMels is a clear error from both layers', () => {
  const spec = computeMel(signal(8192), { nMels: 10 });
  throwsCode(() => mfcc(spec, 11), 'ERR_INVALID_ARGUMENT', /nMfcc must be an integer in 1\.\.10/);
  assert.throws(() => nativeAddon().mfcc(spec.data, 10, 11), (e: unknown) => e instanceof RangeError && /nMfcc must be in 1\.\.nMels \(10\)/.test(e.message));
  assert.equal(mfcc(spec, 10).length, spec.frames * 10);
});

test('aminPower outside float32 normal range is refused (it used to give -382 dB instead of -400)', () => {
  throwsCode(() => computeMel(signal(2048), { log: { kind: 'db', aminPower: 1e-40 } }), 'ERR_INVALID_ARGUMENT', /log\.aminPower/);
  throwsCode(() => computeMel(signal(2048), { log: { kind: 'db', aminPower: 1e300 } }), 'ERR_INVALID_ARGUMENT', /log\.aminPower/);
  const z = computeMel(new Float32Array(2048), { log: { kind: 'db', aminPower: 1e-30 } });
  assert.ok(Math.abs(z.data[0] + 300) < 1e-3, `silence at amin 1e-30 is ${z.data[0]} dB`);
});
