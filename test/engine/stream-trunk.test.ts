// The streaming CNN path (src/engine/stream-trunk.ts) on real clips (../shared/data/audio) with the
// default bundle's streaming pair: every window's factors equal model.onnx on the whole window (the
// independent reference: another graph, run on the 130 frames) within 1e-5, through interleaved
// streams, batches of mixed states, two windows of one stream in a batch, hop changes (shorter and
// longer than the trunk's feed), a dropped window, a reset, off-grid and tail windows; and the trunk
// really does the streaming work (40-frame chunks, streams batched together) and frees what it holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import { computeMel } from '../../src/dsp/mel';
import type { WindowKey } from '../../src/engine/micro-batcher';
import { StreamTrunk } from '../../src/engine/stream-trunk';
import { loadBundle, type Bundle } from '../../src/model/bundle';
import type { StreamModel } from '../../src/model/stream-model';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { sharedOrSkip } from '../helpers/shared';

const W = 130;
const BANDS = 128;
let bundle: Bundle;
before(async () => {
  bundle = await loadBundle(DEFAULT_BUNDLE, {}, 'load');
});
after(async () => {
  await bundle.close();
});

interface Win {
  key: WindowKey;
  mel: Float32Array;
}

/** Records every trunk call's batch, chunk frames and state lengths. */
function spied(model: StreamModel): { model: StreamModel; calls: { batch: number; frames: number; stateFrames: number[] }[] } {
  const calls: { batch: number; frames: number; stateFrames: number[] }[] = [];
  return {
    calls,
    model: { ...model, entry: model.entry, bands: model.bands, outputs: model.outputs, runTrunk: (mel, batch, frames, states, stateFrames) => {
      calls.push({ batch, frames, stateFrames: [...stateFrames] });
      return model.runTrunk(mel, batch, frames, states, stateFrames);
    } },
  };
}

/** Windows of one stream: starts from `hops` (frames; the last repeats), optionally skipping some (dropped). */
function windows(mel: Float32Array, stream: number, ticket: number, hops: number[], skip = new Set<number>()): Win[] {
  const frames = mel.length / BANDS;
  const out: Win[] = [];
  let start = 0;
  for (let k = 0; start + W <= frames; k++) {
    if (!skip.has(k)) out.push({ key: { stream, ticket, start, final: false }, mel: mel.slice(start * BANDS, (start + W) * BANDS) });
    start += hops[Math.min(k, hops.length - 1)];
  }
  return out;
}

async function runBatches(trunk: StreamTrunk, batches: Win[][]): Promise<{ win: Win; factors: Float32Array }[]> {
  const out: { win: Win; factors: Float32Array }[] = [];
  for (const b of batches) {
    const mel = new Float32Array(b.length * W * BANDS);
    b.forEach((w, i) => mel.set(w.mel, i * W * BANDS));
    const f = await trunk.run(mel, b.length, W, b.map((w) => w.key));
    b.forEach((w, i) => out.push({ win: w, factors: f.slice(i * 50, (i + 1) * 50) }));
  }
  return out;
}

async function assertWholeWindow(results: { win: Win; factors: Float32Array }[]): Promise<number> {
  let worst = 0;
  for (const { win, factors } of results) {
    const ref = await bundle.model.predictWindows(win.mel, 1, W);
    ref.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - factors[j]))));
  }
  assert.ok(worst <= 1e-5, `max |streamed - whole window| = ${worst}`);
  return worst;
}

async function clipMel(dir: string, name: string): Promise<Float32Array> {
  return computeMel((await loadAudio(path.join(dir, name), { sampleRateHz: 22050 })).samples).data;
}

test('four real clips as interleaved streams: every window equals model.onnx on it (1e-5); hop changes, a drop, a reset, tail and off-grid windows', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  assert.ok(bundle.stream, 'the default bundle has a streaming pair');
  const clips = await Promise.all(['wesnoth-battle.ogg', 'nexuiz-brokenlight.ogg', 'fretsonfire-armygeddon.ogg', 'singularity-awakening.ogg'].map((c) => clipMel(dir, c)));
  const spy = spied(bundle.stream);
  const trunk = new StreamTrunk(spy.model, bundle.model.predictWindows, W);
  const A = windows(clips[0], 1, 0, [40]);
  // B: 40, then 88 (a hop inside the feed), 200 (beyond it: the trunk restarts), 24, then 40.
  const B = windows(clips[1], 2, 0, [40, 40, 88, 88, 200, 24, 24, 40]);
  const C = windows(clips[2], 3, 0, [40], new Set([5, 9, 10])); // dropped windows: the trunk bridges 80 and 120 frames
  // D: a reset halfway (new ticket, frames from 0 again, another clip).
  const D = [...windows(clips[3], 4, 0, [40]).slice(0, 12), ...windows(clips[0], 4, 1, [40])];
  // Off the grid and tail windows: whole-window path, mixed into the batches.
  const extra: Win[] = [4, 1100, 1162].map((start, i) => ({ key: { stream: 1, ticket: 0, start, final: i === 2 }, mel: clips[0].slice(start * BANDS, (start + W) * BANDS) }));
  const queues = [A, B, C, D];
  const batches: Win[][] = [];
  let size = 1;
  while (queues.some((q) => q.length > 0)) {
    const b: Win[] = [];
    for (const q of queues) for (let k = 0; k < size && q.length > 0; k++) b.push(q.shift()!);
    if (batches.length % 7 === 3 && extra.length > 0) b.push(extra.shift()!);
    batches.push(b);
    size = (size % 3) + 1; // 1, 2, 3 windows per stream per batch
  }
  const results = await runBatches(trunk, batches);
  assert.ok(results.length > 120, `${results.length} windows`);
  const worst = await assertWholeWindow(results);
  t.diagnostic(`${results.length} windows, max |streamed - whole| = ${worst.toExponential(2)}`);
  // The streaming work: steady chunks of one hop with the steady state, several streams in one run.
  const steady = spy.calls.filter((c) => c.frames === 40 && c.stateFrames.join() === '4,3,3');
  assert.ok(steady.some((c) => c.batch >= 3), 'streams at different points share a 40-frame trunk run');
  for (const n of [88, 80, 120]) assert.ok(spy.calls.some((c) => c.frames === n && c.stateFrames.join() === '4,3,3'), `a chunk of ${n} frames continues the trunk`);
  const fresh = spy.calls.filter((c) => c.frames === 128).reduce((n, c) => n + c.batch, 0);
  // Restarts (empty state, 128 frames): the 4 streams' first windows, B's hop of 200 frames, D's reset.
  assert.ok(spy.calls.filter((c) => c.frames === 128).every((c) => c.stateFrames.join() === '0,0,0'));
  assert.equal(fresh, 6, `trunk restarts: ${fresh}`);
  assert.equal(trunk.streamCount, 4);
  for (const id of [1, 2, 3, 4]) trunk.release(id);
  assert.equal(trunk.streamCount, 0, 'release frees every stream');
});

test('a released stream restarts its trunk; a stream released while its batch runs keeps no state', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  const mel = await clipMel(dir, 'megaglest-indian.ogg');
  const spy = spied(bundle.stream!);
  const trunk = new StreamTrunk(spy.model, bundle.model.predictWindows, W);
  const ws = windows(mel, 7, 0, [40]).slice(0, 6);
  const first = await runBatches(trunk, [[ws[0]], [ws[1]]]);
  trunk.release(7);
  const pending = runBatches(trunk, [[ws[2]]]); // restarts (128 frames), released while running
  trunk.release(7);
  const rest = [...(await pending), ...(await runBatches(trunk, [[ws[3]], [ws[4]]]))];
  assert.deepEqual(spy.calls.map((c) => c.frames), [128, 40, 128, 128, 40]);
  assert.equal(trunk.streamCount, 1);
  await assertWholeWindow([...first, ...rest]);
});

test('without keys (an old caller) every window runs on the whole-window model', async () => {
  const spy = spied(bundle.stream!);
  const trunk = new StreamTrunk(spy.model, bundle.model.predictWindows, W);
  const mel = Float32Array.from({ length: 2 * W * BANDS }, (_, i) => Math.sin(i * 0.01) * 30 - 40);
  const out = await trunk.run(mel, 2, W);
  assert.equal(spy.calls.length, 0);
  assert.deepEqual(Array.from(out), Array.from(await bundle.model.predictWindows(mel, 2, W)));
});
