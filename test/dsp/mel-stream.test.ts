// MelStream against the batch result, as documented in src/dsp/mel.ts: identical frames, any chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatFloat32 as concat } from '../../src/audio/concat';
import { computeMel, MelStream } from '../../src/dsp/mel';
import { EarshotError } from '../../src/errors';
import { loadInput } from '../helpers/librosa-fixtures';

function chunked(stream: MelStream, x: Float32Array, sizes: () => number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < x.length; ) {
    const n = Math.min(sizes(), x.length - i);
    out.push(stream.push(x.subarray(i, i + n)));
    i += n;
  }
  return out;
}


test('push...push + flush equals computeMel bit for bit, for any chunk sizes', () => {
  const x = loadInput('elvish');
  const batch = computeMel(x);
  let seed = 1;
  const sizeGens: Array<[string, () => number]> = [
    ['1 sample', () => 1],
    ['512 samples', () => 512],
    ['random 1..5000', () => 1 + ((seed = (seed * 48271) % 2147483647) % 5000)],
    ['whole signal', () => x.length],
  ];
  for (const [label, gen] of sizeGens) {
    const s = new MelStream();
    const parts = chunked(s, x, gen);
    const before = concat(parts);
    // Every frame whose window has arrived is out before flush: t*hop + nFft/2 <= samples.
    assert.equal(before.length / 128, Math.floor((x.length - 512) / 512) + 1, label);
    const all = concat([before, s.flush()]);
    assert.equal(all.length, batch.data.length, label);
    assert.deepEqual(all, batch.data, `${label}: stream != batch`);
    assert.equal(s.framesEmitted, batch.frames);
  }
});

test('pushInto writes push()\'s frames in place: equals computeMel for any chunking, at any offset; refuses whole when they do not fit', () => {
  const x = loadInput('elvish');
  const batch = computeMel(x);
  let seed = 3;
  for (const [label, gen] of [
    ['1 sample', () => 1],
    ['441 samples', () => 441],
    ['random 1..5000', () => 1 + ((seed = (seed * 48271) % 2147483647) % 5000)],
  ] as Array<[string, () => number]>) {
    const s = new MelStream({ historyFrames: 1 });
    const out = new Float32Array(batch.data.length + 7 * 128).fill(-99);
    let at = 7; // an odd element offset: frames need not start on a frame boundary of out
    for (let i = 0; i < x.length; ) {
      const n = Math.min(gen(), x.length - i);
      const room = s.maxFramesFor(n);
      const got = s.pushInto(x.subarray(i, i + n), out, at);
      assert.ok(got <= room, `${label}: ${got} frames > maxFramesFor(${n}) = ${room}`);
      at += got * 128;
      i += n;
    }
    const tail = s.flush();
    out.set(tail, at);
    assert.equal(at + tail.length, 7 + batch.data.length, label);
    assert.deepEqual(out.subarray(7, 7 + batch.data.length), batch.data, `${label}: pushInto != batch`);
    assert.ok(out.subarray(0, 7).every((v) => v === -99), `${label}: nothing written before the offset`);
  }
  // Too little room: ERR_INVALID_ARGUMENT, and the samples were not taken (the next push gives the same frames).
  const s = new MelStream();
  const ref = new MelStream();
  const chunk = x.subarray(0, 4096);
  assert.throws(() => s.pushInto(chunk, new Float32Array(128), 0), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && /do not fit/.test(e.message));
  assert.throws(() => s.pushInto(chunk, new Float32Array(10 * 128), 10 * 128 - 1), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT');
  assert.equal(s.samplesPushed, 0);
  const shared = new Float32Array(8192);
  assert.throws(() => s.pushInto(shared.subarray(0, 4096), shared, 2048), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && /overlaps/.test(e.message));
  assert.deepEqual(s.push(chunk), ref.push(chunk));
});

test('non-centred streaming equals non-centred batch (flush adds nothing)', () => {
  const x = loadInput('chirp');
  const batch = computeMel(x, { center: false, hopSamples: 300 });
  const s = new MelStream({ center: false, hopSamples: 300 });
  const all = concat([...chunked(s, x, () => 777), s.flush()]);
  assert.deepEqual(all, batch.data);
});

test('lastFrames(130) is a zero-copy view of the newest frames', () => {
  const x = loadInput('beast');
  const batch = computeMel(x);
  const s = new MelStream({ historyFrames: 130 });
  chunked(s, x.subarray(0, 200 * 512), () => 4096);
  const n = s.framesEmitted;
  const v1 = s.lastFrames(130);
  assert.equal(v1.length, 130 * 128);
  assert.deepEqual(v1, batch.data.subarray((n - 130) * 128, n * 128));
  s.push(x.subarray(200 * 512, 210 * 512));
  const v2 = s.lastFrames(130);
  assert.equal(v2.buffer, v1.buffer, 'views share the stream ring (no copy)');
  const m = s.framesEmitted;
  assert.deepEqual(v2, batch.data.subarray((m - 130) * 128, m * 128));
  assert.deepEqual(s.lastFrames(5), batch.data.subarray((m - 5) * 128, m * 128));
});

test('reset starts a new track: frames equal a fresh batch of the new audio', () => {
  const a = loadInput('noise');
  const b = loadInput('sine440');
  const s = new MelStream();
  s.push(a);
  s.reset();
  assert.equal(s.framesEmitted, 0);
  const all = concat([s.push(b), s.flush()]);
  assert.deepEqual(all, computeMel(b).data);
});

test('stream misuse and bad audio give clear errors', () => {
  const s = new MelStream({ historyFrames: 10 });
  assert.throws(() => s.lastFrames(1), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && /framesEmitted=0/.test(e.message));
  const bad = new Float32Array(4096);
  bad[3000] = NaN;
  assert.throws(() => s.push(bad), (e: EarshotError) => e.code === 'ERR_NOT_FINITE' && /sample 3000/.test(e.message));
  bad[3000] = Infinity;
  assert.throws(() => s.push(bad), (e: EarshotError) => e.code === 'ERR_NOT_FINITE' && /infinite/.test(e.message));
  s.push(new Float32Array(2048));
  s.flush();
  assert.throws(() => s.push(new Float32Array(10)), /flushed/);
  assert.throws(() => new MelStream({ log: { kind: 'db', topDb: 80 } }), /topDb/);
  assert.throws(() => new MelStream({ historyFrames: 0 }), /historyFrames/);
  assert.throws(() => s.push([1, 2, 3] as unknown as Float32Array), /Float32Array/);
});

test('batch rejects bad parameters and bad audio, naming the problem', () => {
  const x = new Float32Array(4096);
  const cases: Array<[object, RegExp]> = [
    [{ nFft: 1000 }, /nFft must be a power of two/],
    [{ nFft: 64 }, /nFft must be an integer in 128\.\.65536/],
    [{ hopSamples: 0 }, /hopSamples/],
    [{ nMels: 0 }, /nMels/],
    [{ sampleRateHz: 0 }, /sampleRateHz/],
    [{ sampleRateHz: 1e9 }, /sampleRateHz/],
    [{ fmaxHz: 20000 }, /fmaxHz/],
    [{ fminHz: -1 }, /fminHz/],
    [{ log: { kind: 'db', aminPower: 0 } }, /aminPower/],
    [{ log: { kind: 'cube' } }, /log\.kind/],
  ];
  for (const [opts, re] of cases) {
    assert.throws(() => computeMel(x, opts), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT' && re.test(e.message), JSON.stringify(opts));
  }
  assert.throws(() => computeMel(new Float32Array(0)), (e: EarshotError) => e.code === 'ERR_AUDIO_EMPTY');
  const nan = new Float32Array(100);
  nan[42] = NaN;
  assert.throws(() => computeMel(nan), (e: EarshotError) => e.code === 'ERR_NOT_FINITE' && /sample 42/.test(e.message));
});
