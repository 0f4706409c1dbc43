// The engine's audio path without sockets: wire PCM decoding, window scheduling and the window
// pipeline, each against an independent reference (brute-force enumeration, computeMel, a formula).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample } from '../../src/audio/resample';
import { computeMel } from '../../src/dsp/mel';
import { PcmDecoder } from '../../src/engine/pcm-decoder';
import { recycleWindow, WindowPipeline, type MelWindow } from '../../src/engine/window-pipeline';
import { FrameBuffer, WindowScheduler } from '../../src/engine/window-scheduler';
import { EarshotError } from '../../src/errors';
import { loadInput } from '../helpers/librosa-fixtures';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

test('WindowScheduler: regular windows every hop while a whole window fits, then one end-aligned tail', () => {
  const W = 130;
  for (const H of [1, 43, 130, 200]) {
    for (const T of [0, 5, 129, 130, 131, 172, 173, 1000, 1001]) {
      const s = new WindowScheduler(W, H, 5);
      const got = [];
      // Frames arrive in uneven steps, as pushes complete them.
      for (let t = 0; t <= T; t += 7) got.push(...s.ready(t));
      got.push(...s.ready(T));
      const expected = [];
      for (let k = 0; k * H + W <= T; k++) expected.push({ start: k * H, frames: W });
      assert.deepEqual(got, expected, `H=${H} T=${T}`);
      const tail = s.finish(T);
      const lastEnd = expected.length ? expected[expected.length - 1].start + W : -1;
      const want = expected.length === 0 ? (T >= 5 ? { start: 0, frames: Math.min(T, W) } : null) : lastEnd < T ? { start: T - W, frames: W } : null;
      assert.deepEqual(tail, want, `tail H=${H} T=${T}`);
    }
  }
});

test('FrameBuffer: append, reserve/commit and trimBefore keep copy() equal to the frames appended (a plain array as reference)', () => {
  const r = lcg(21);
  const bands = 3;
  const fb = new FrameBuffer(bands, 4);
  const all: number[] = []; // every frame ever appended, row-major
  let kept = 0; // frames before this were trimmed
  let value = 0;
  for (let step = 0; step < 3000; step++) {
    const n = Math.floor(r() * 9);
    const frames = Float32Array.from({ length: n * bands }, () => value++);
    if (r() < 0.5) fb.append(frames);
    else {
      // Room for more than is written, as a mel push that completes fewer frames than it could.
      const at = fb.reserve(n + Math.floor(r() * 3));
      fb.storage.set(frames, at);
      fb.commit(n);
    }
    all.push(...frames);
    assert.equal(fb.totalFrames, all.length / bands);
    if (r() < 0.3) {
      kept = Math.max(kept, fb.totalFrames - Math.floor(r() * 40));
      fb.trimBefore(kept);
    }
    const live = fb.totalFrames - kept;
    if (live > 0) {
      const from = kept + Math.floor(r() * live);
      const len = 1 + Math.floor(r() * (fb.totalFrames - from));
      assert.deepEqual(Array.from(fb.copy(from, len)), all.slice(from * bands, (from + len) * bands), `step ${step}: frames ${from}+${len}`);
    }
  }
  assert.throws(() => fb.copy(kept - 1, 1), RangeError);
  fb.reserve(2);
  assert.throws(() => fb.commit(3), RangeError);
});

test('WindowScheduler: a new hop applies from the window after the last issued', () => {
  const s = new WindowScheduler(130, 43, 1);
  assert.deepEqual(s.ready(216).map((w) => w.start), [0, 43, 86]);
  s.setHopFrames(100);
  assert.deepEqual(s.ready(500).map((w) => w.start), [186, 286]);
});

function runPipeline(p: WindowPipeline, x: Float32Array, sizes: () => number): MelWindow[] {
  const out: MelWindow[] = [];
  for (let i = 0; i < x.length; ) {
    const n = Math.min(sizes(), x.length - i);
    out.push(...p.push(x.subarray(i, i + n)));
    i += n;
  }
  out.push(...p.finalize());
  return out;
}

const MEL = { sampleRateHz: 22050, hopSamples: 512, nMels: 128 };

test('WindowPipeline: windows are exact slices of computeMel of the whole signal, for any chunking', () => {
  const x = loadInput('elvish');
  const whole = computeMel(x);
  const T = whole.frames;
  for (const [label, sizes] of [['441 samples', () => 441], ['random 1..9000', ((r) => () => 1 + Math.floor(r() * 9000))(lcg(3))], ['whole', () => x.length]] as const) {
    const p = new WindowPipeline({ mel: MEL, inputRateHz: 22050, windowFrames: 130, hopFrames: 43, minFrames: 10 });
    const ws = runPipeline(p, x, sizes);
    const regular = Math.floor((T - 130) / 43) + 1;
    const hasTail = (regular - 1) * 43 + 130 < T;
    assert.equal(ws.length, regular + (hasTail ? 1 : 0), label);
    ws.forEach((w, i) => {
      assert.equal(w.seq, i);
      assert.equal(w.final, hasTail && i === ws.length - 1);
      assert.equal(w.start, w.final ? T - 130 : i * 43);
      assert.deepEqual(w.mel, whole.data.subarray(w.start * 128, (w.start + 130) * 128), `${label} window ${i}`);
      assert.ok(Math.abs(w.tEndS - ((w.start + 130) * 512) / 22050) < 1e-12);
    });
  }
});

test('WindowPipeline: recycled window arrays are reused, still exact slices of computeMel, never shared by two live windows', () => {
  const x = loadInput('elvish');
  const whole = computeMel(x);
  const p = new WindowPipeline({ mel: MEL, inputRateHz: 22050, windowFrames: 130, hopFrames: 20, minFrames: 10 });
  const live: MelWindow[] = [];
  const handedBack = new Set<Float32Array>();
  let reused = 0;
  for (let i = 0; i < x.length; i += 441) {
    for (const w of p.push(x.subarray(i, i + 441))) {
      if (handedBack.has(w.mel)) reused++;
      for (const o of live) assert.notEqual(o.mel, w.mel, `window ${w.seq} got the array of live window ${o.seq}`);
      assert.deepEqual(w.mel, whole.data.subarray(w.start * 128, (w.start + 130) * 128), `window ${w.seq}`);
      live.push(w);
    }
    // A consumer done with its oldest windows hands them back (twice for one: a no-op), keeping two live.
    while (live.length > 2) {
      const done = live.shift()!;
      const mel = done.mel;
      recycleWindow(done);
      recycleWindow(done);
      assert.equal(done.mel.length, 0, 'a recycled window no longer holds the array');
      handedBack.add(mel);
    }
  }
  assert.ok(reused > 10, `windows reused handed-back arrays (${reused})`);
});

test('WindowPipeline: 44.1 kHz input equals computeMel of the resampled signal; reset starts over', () => {
  const x = loadInput('beast');
  const up = resample(x, 22050, 44100);
  const whole = computeMel(resample(up, 44100, 22050));
  const p = new WindowPipeline({ mel: MEL, inputRateHz: 44100, windowFrames: 130, hopFrames: 130, minFrames: 10 });
  const r = lcg(9);
  const first = runPipeline(p, up, () => 1 + Math.floor(r() * 3000));
  assert.ok(first.length >= 1);
  for (const w of first) assert.deepEqual(w.mel, whole.data.subarray(w.start * 128, (w.start + w.frames) * 128));
  assert.throws(() => p.push(up.subarray(0, 10)), /finalize/);
  p.reset();
  const again = runPipeline(p, up, () => 4096);
  assert.deepEqual(again.map((w) => [w.start, w.frames]), first.map((w) => [w.start, w.frames]));
  for (let i = 0; i < again.length; i++) assert.deepEqual(again[i].mel, first[i].mel);
});

test('WindowPipeline: audio shorter than a window is one window of all its frames; shorter than minFrames none', () => {
  const x = loadInput('sine440').subarray(0, 22050); // 1 s → 44 frames
  const whole = computeMel(x);
  const p = new WindowPipeline({ mel: MEL, inputRateHz: 22050, windowFrames: 130, hopFrames: 43, minFrames: 10 });
  const ws = runPipeline(p, x, () => 1000);
  assert.equal(ws.length, 1);
  assert.equal(ws[0].frames, whole.frames);
  assert.deepEqual(ws[0].mel, whole.data);
  const q = new WindowPipeline({ mel: MEL, inputRateHz: 22050, windowFrames: 130, hopFrames: 43, minFrames: 60 });
  assert.deepEqual(runPipeline(q, x, () => 1000), []);
});

function interleave(channels: Float32Array[]): Float32Array {
  const n = channels[0].length;
  const out = new Float32Array(n * channels.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels.length; c++) out[i * channels.length + c] = channels[c][i];
  return out;
}

test('PcmDecoder: s16le and f32le, 1–3 channels, split at arbitrary byte boundaries = the channel mean', () => {
  const r = lcg(5);
  for (const channels of [1, 2, 3]) {
    const chans = Array.from({ length: channels }, () => Float32Array.from({ length: 2000 }, () => r() * 1.8 - 0.9));
    const inter = interleave(chans);
    // f32: the reference is the mean of the float samples.
    const f32 = new Uint8Array(inter.buffer.slice(0));
    const s16 = new Int16Array(inter.length);
    for (let i = 0; i < inter.length; i++) s16[i] = Math.round(inter[i] * 32767);
    for (const [enc, bytes, ref] of [
      ['pcm_f32le', f32, (i: number) => chans.reduce((s, c) => s + c[i], 0) / channels],
      ['pcm_s16le', new Uint8Array(s16.buffer), (i: number) => { let s = 0; for (let c = 0; c < channels; c++) s += s16[i * channels + c]; return s / channels / 32768; }],
    ] as const) {
      const d = new PcmDecoder(enc, channels);
      const parts: Float32Array[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = Math.min(1 + Math.floor(r() * 97), bytes.length - i); // odd sizes: samples split across frames
        parts.push(d.decode(bytes.subarray(i, i + n)));
        i += n;
      }
      const got = Float32Array.from(parts.flatMap((p) => Array.from(p)));
      assert.equal(got.length, 2000, `${enc} ${channels}ch`);
      for (let i = 0; i < 2000; i++) assert.ok(Math.abs(got[i] - ref(i)) < 1e-6, `${enc} ${channels}ch sample ${i}`);
      assert.equal(d.pendingBytes, 0);
    }
  }
});

test('PcmDecoder: NaN, Inf and absurd float samples are refused (ERR_AUDIO_SAMPLE) and leave no partial state', () => {
  const d = new PcmDecoder('pcm_f32le', 2);
  assert.equal(d.decode(new Uint8Array(Float32Array.of(0.5).buffer)).length, 0); // half a frame carried
  assert.equal(d.pendingBytes, 4);
  for (const bad of [NaN, Infinity, -Infinity, 1e9]) {
    assert.throws(() => d.decode(new Uint8Array(Float32Array.of(bad, 0.1, 0.2).buffer)), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_AUDIO_SAMPLE');
    assert.equal(d.pendingBytes, 4, 'the carried half frame is kept, the bad message dropped whole');
  }
  const ok = d.decode(new Uint8Array(Float32Array.of(0.25, 0.1, 0.3).buffer));
  assert.deepEqual(Array.from(ok), [Math.fround((0.5 + 0.25) / 2), Math.fround((Math.fround(0.1) + Math.fround(0.3)) / 2)]);
});

test('PcmDecoder.decodeView: the channel mean for messages at odd byte offsets and any split; a view reused by the next call', () => {
  const r = lcg(11);
  for (const channels of [1, 2, 3]) {
    const n = 3000;
    const s16 = Int16Array.from({ length: n * channels }, () => Math.round((r() * 2 - 1) * 32767));
    const f32 = Float32Array.from({ length: n * channels }, () => r() * 3.6 - 1.8);
    for (const [enc, bytes, ref] of [
      ['pcm_s16le', new Uint8Array(s16.buffer), (i: number) => { let s = 0; for (let c = 0; c < channels; c++) s += s16[i * channels + c]; return s / channels / 32768; }],
      ['pcm_f32le', new Uint8Array(f32.buffer), (i: number) => { let s = 0; for (let c = 0; c < channels; c++) s += f32[i * channels + c]; return s / channels; }],
    ] as const) {
      const d = new PcmDecoder(enc, channels);
      const got: number[] = [];
      for (let i = 0; i < bytes.length; ) {
        const len = Math.min(1 + Math.floor(r() * 1500), bytes.length - i);
        // Each message sits at a random offset of its own buffer, as ws slices messages out of socket reads.
        const at = Math.floor(r() * 8);
        const holder = new Uint8Array(at + len + 3);
        holder.set(bytes.subarray(i, i + len), at);
        const view = d.decodeView(holder.subarray(at, at + len));
        got.push(...view);
        i += len;
      }
      assert.equal(got.length, n, `${enc} ${channels}ch`);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - ref(i)) < 1e-6, `${enc} ${channels}ch sample ${i}: ${got[i]} vs ${ref(i)}`);
      assert.equal(d.pendingBytes, 0);
    }
  }
  // decodeView reuses its storage (valid until the next call); decode() hands out arrays of its own.
  const d = new PcmDecoder('pcm_s16le', 1);
  const v = d.decodeView(new Uint8Array(Int16Array.of(16384, -16384).buffer));
  assert.deepEqual(Array.from(v), [0.5, -0.5]);
  d.decodeView(new Uint8Array(Int16Array.of(-8192, 8192).buffer));
  assert.deepEqual(Array.from(v), [-0.25, 0.25], 'the earlier view now shows the later message');
  const a = d.decode(new Uint8Array(Int16Array.of(16384, -16384).buffer));
  d.decode(new Uint8Array(Int16Array.of(0, 0).buffer));
  assert.deepEqual(Array.from(a), [0.5, -0.5]);
});

test('PcmDecoder.decodeView: a refused float message keeps the carried bytes, and a message of less than a frame is carried whole', () => {
  const d = new PcmDecoder('pcm_f32le', 2);
  const bytes = new Uint8Array(Float32Array.of(0.5, 0.25, 0.1, 0.3).buffer);
  assert.equal(d.decodeView(bytes.subarray(0, 3)).length, 0);
  assert.equal(d.decodeView(bytes.subarray(3, 6)).length, 0);
  assert.equal(d.pendingBytes, 6);
  const bad = new Uint8Array(12);
  bad.set(bytes.subarray(6, 8), 0);
  new DataView(bad.buffer).setFloat32(2, NaN, true);
  assert.throws(() => d.decodeView(bad), (e: unknown) => e instanceof EarshotError && e.code === 'ERR_AUDIO_SAMPLE');
  assert.equal(d.pendingBytes, 6, 'the refused message left nothing behind');
  const ok = d.decodeView(bytes.subarray(6));
  assert.deepEqual(Array.from(ok), [Math.fround((0.5 + 0.25) / 2), Math.fround((Math.fround(0.1) + Math.fround(0.3)) / 2)]);
  assert.equal(d.pendingBytes, 0);
});
