// Streams of the real clips (../shared/data/audio, never used to tune the detector) through EngineStream:
// segment=auto finds the changes of shuffled concatenations within ±3 s (the held-out target: ≥ 90 %
// found, ≤ 1 false change per 5 minutes) and none inside a clip; the average restarts at each change
// (= the mean of the directly computed predictions of the windows from there on); sliding and decay
// means equal their brute-force definitions; mean=track is the unchanged running mean.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import { computeMel } from '../../src/dsp/mel';
import { melOptionsFromConfig } from '../../src/dsp/mel-options';
import { Engine } from '../../src/engine/engine';
import type { StreamSettings } from '../../src/engine/engine-stream';
import type { WindowEvent } from '../../src/protocol';
import { mulberry32 } from '../../trainer/eval/prng';
import { joinWithCrossfades, shuffled } from '../../bench/track-change-audio';
import { addScores, falsePer5Min, recall, scoreChanges } from '../../bench/track-change-score';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { sharedOrSkip } from '../helpers/shared';

const RATE = 22050;
let engine: Engine;
let clips: { name: string; samples: Float32Array }[] | null = null;

before(async () => {
  engine = await Engine.open({ bundleDir: DEFAULT_BUNDLE });
});
after(async () => {
  await engine.close();
});

async function sharedClips(t: TestContext): Promise<{ name: string; samples: Float32Array }[] | null> {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return null;
  if (!clips) {
    const files = fs.readdirSync(dir).filter((f) => !f.endsWith('.md')).sort();
    clips = [];
    for (const f of files) clips.push({ name: f, samples: (await loadAudio(path.join(dir, f), { sampleRateHz: RATE })).samples });
  }
  return clips;
}

interface Streamed {
  windows: WindowEvent[];
  changes: number[];
  /** The index in `windows` of the first window event after each change. */
  after: number[];
  final: WindowEvent;
}

async function stream(samples: Float32Array, settings: Partial<StreamSettings>): Promise<Streamed> {
  const out: Streamed = { windows: [], changes: [], after: [], final: undefined as unknown as WindowEvent };
  let unblock: (() => void) | null = null;
  let blocked = false;
  const s = engine.createStream(
    { inputRateHz: RATE, hopS: 1, k: 3, tags: 2, factors: true, overflow: 'block', ...settings },
    {
      event: (e) => out.windows.push(e),
      trackChange: (e) => {
        out.changes.push(e.t);
        out.after.push(out.windows.length);
      },
      error: (e) => assert.fail(e),
      blocked: (b) => {
        blocked = b;
        if (!b) unblock?.();
      },
    },
  );
  for (let at = 0; at < samples.length; at += RATE) {
    s.push(samples.subarray(at, Math.min(samples.length, at + RATE)));
    if (blocked) await new Promise<void>((r) => (unblock = r));
  }
  out.final = await s.finalize();
  engine.closeStream(s);
  return out;
}

/**
 * The predictions of the windows a stream with a 1-s hop cuts (40 frames apart: the default bundle's
 * hops are whole trunk strides of 8 frames; 130 long), computed directly from the batch mel by model.onnx.
 */
async function directWindows(samples: Float32Array): Promise<{ tStartS: number; tEndS: number; f: Float32Array }[]> {
  const m = engine.bundle.manifest;
  const mel = computeMel(samples, melOptionsFromConfig(m.mel));
  const frameS = m.mel.hopSamples / m.mel.sampleRateHz;
  const out: { tStartS: number; tEndS: number; f: Float32Array }[] = [];
  for (let st = 0; st + 130 <= mel.frames; st += 40) {
    const f = await engine.bundle.model.predictWindows(mel.data.slice(st * 128, (st + 130) * 128), 1, 130);
    out.push({ tStartS: st * frameS, tEndS: (st + 130) * frameS, f });
  }
  return out;
}

function mean(ws: { f: Float32Array }[], weight: (i: number) => number = () => 1): number[] {
  const s = new Array<number>(ws[0].f.length).fill(0);
  let total = 0;
  ws.forEach((w, i) => {
    total += weight(i);
    w.f.forEach((v, j) => (s[j] += weight(i) * v));
  });
  return s.map((v) => v / total);
}

function assertClose(actual: number[] | undefined, expected: number[], what: string): void {
  assert.ok(actual, `${what}: no factors`);
  for (let j = 0; j < expected.length; j++) assert.ok(Math.abs(actual[j] - expected[j]) < 2e-5, `${what}: factor ${j}: ${actual[j]} vs ${expected[j]}`);
}

test('segment=auto on shuffled concatenations of the real clips: ≥ 90 % of the changes within ±3 s, ≤ 1 false change per 5 min; the average restarts at each', async (t) => {
  const cs = await sharedClips(t);
  if (!cs) return;
  const rand = mulberry32(7);
  const scores = [];
  for (let order = 0; order < 2; order++) {
    const o = shuffled(cs, rand);
    const mix = joinWithCrossfades(o.map((c) => c.samples), rand, 2);
    const r = await stream(mix.samples, { segment: 'auto' });
    scores.push(scoreChanges(r.changes, mix.changes, mix.samples.length / RATE));
    // After each change at t, the next window event averages exactly the windows that start at or after t.
    const direct = await directWindows(mix.samples);
    r.changes.forEach((tc, i) => {
      const w = r.windows[r.after[i]];
      if (!w) return;
      const inAverage = direct.filter((d) => d.tStartS >= tc - 1e-6 && d.tEndS <= w.t_end + 1e-6);
      assert.equal(w.windows, inAverage.length, `order ${order}, change ${tc}: windows in the restarted average`);
      assertClose(w.factors, mean(inAverage), `order ${order}, window after the change at ${tc} s`);
    });
  }
  const all = addScores(scores);
  t.diagnostic(`found ${all.hits}/${all.truths} (${(100 * recall(all)).toFixed(1)} %), ${all.falses} false in ${(all.durationS / 60).toFixed(1)} min (${falsePer5Min(all).toFixed(2)} per 5 min)`);
  assert.ok(recall(all) >= 0.9, `recall ${recall(all)}: missed ${all.missed.map((x) => x.toFixed(1)).join(', ')}`);
  assert.ok(falsePer5Min(all) <= 1, `${all.falses} false changes at ${all.falseAt.map((x) => x.toFixed(1)).join(', ')}`);
});

test('segment=auto finds no change inside any single clip, and changes nothing else of its events', async (t) => {
  const cs = await sharedClips(t);
  if (!cs) return;
  for (const c of cs) {
    const auto = await stream(c.samples, { segment: 'auto' });
    assert.deepEqual(auto.changes, [], `${c.name}: changes at ${auto.changes.join(', ')}`);
    if (c === cs[0]) assert.deepEqual(auto.windows, (await stream(c.samples, {})).windows, 'no change: the same window events as without segment');
  }
});

/** Clip `i` streamed with `settings`, and the direct predictions of its windows; null when the clips are absent (skipped). */
async function clipAndDirect(t: TestContext, i: number, settings: Partial<StreamSettings>) {
  const cs = await sharedClips(t);
  if (!cs) return null;
  const x = cs[i].samples;
  return { direct: await directWindows(x), r: await stream(x, settings) };
}

test('mean=sliding: each event averages the windows that ended within the last mean_s seconds (brute force)', async (t) => {
  const run = await clipAndDirect(t, 1, { mean: 'sliding', meanS: 5 });
  if (!run) return;
  const { direct, r } = run;
  assert.equal(r.windows.length, direct.length);
  r.windows.forEach((w, i) => {
    const newest = direct[i].tEndS;
    const inWindow = direct.slice(0, i + 1).filter((d) => d.tEndS > newest - 5);
    assert.equal(w.windows, inWindow.length, `event ${i}`);
    assertClose(w.factors, mean(inWindow), `event ${i}`);
  });
});

test('mean=decay: each event weights window i by 2^(-(t_end newest - t_end i) / mean_s) (closed form)', async (t) => {
  const run = await clipAndDirect(t, 2, { mean: 'decay', meanS: 4 });
  if (!run) return;
  const { direct, r } = run;
  r.windows.forEach((w, i) => {
    const seen = direct.slice(0, i + 1);
    assert.equal(w.windows, seen.length);
    assertClose(w.factors, mean(seen, (k) => Math.pow(2, -(direct[i].tEndS - seen[k].tEndS) / 4)), `event ${i}`);
  });
});

test('mean=track is the running mean of every window since the start, as without the option', async (t) => {
  const cs = await sharedClips(t);
  if (!cs) return;
  const x = cs[3].samples;
  const direct = await directWindows(x);
  const explicit = await stream(x, { mean: 'track' });
  const implicit = await stream(x, {});
  assert.deepEqual(explicit.windows, implicit.windows);
  explicit.windows.forEach((w, i) => assertClose(w.factors, mean(direct.slice(0, i + 1)), `event ${i}`));
});

test('a model reload mid-stream (same front end): the detector keeps the stream clock and still finds the change', async (t) => {
  const cs = await sharedClips(t);
  if (!cs) return;
  const [a, b] = [cs[4].samples, cs[9].samples];
  const changes: number[] = [];
  let unblock: (() => void) | null = null;
  let blocked = false;
  const s = engine.createStream(
    { inputRateHz: RATE, hopS: 1, k: 1, tags: 0, factors: false, overflow: 'block', segment: 'auto' },
    { event: () => undefined, trackChange: (e) => changes.push(e.t), error: (e) => assert.fail(e), blocked: (x) => {
        blocked = x;
        if (!x) unblock?.();
      },
    },
  );
  const push = async (x: Float32Array): Promise<void> => {
    for (let at = 0; at < x.length; at += RATE) {
      s.push(x.subarray(at, Math.min(x.length, at + RATE)));
      if (blocked) await new Promise<void>((r) => (unblock = r));
    }
  };
  await push(a.subarray(0, 20 * RATE));
  await engine.reload(); // the same bundle again: predictions restart, the audio (and its clock) goes on
  await push(a.subarray(20 * RATE));
  await push(b);
  await s.finalize();
  engine.closeStream(s);
  assert.equal(changes.length, 1, `changes at ${changes.join(', ')}`);
  assert.ok(Math.abs(changes[0] - a.length / RATE) <= 3, `change at ${changes[0]} s, the clips join at ${(a.length / RATE).toFixed(2)} s`);
});

test('segment switched on by configure mid-stream watches from then on, on the stream clock', async (t) => {
  const cs = await sharedClips(t);
  if (!cs) return;
  const [a, b] = [cs[5].samples, cs[10].samples];
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  const changes: number[] = [];
  const s = engine.createStream(
    { inputRateHz: RATE, hopS: 1, k: 1, tags: 0, factors: false, overflow: 'block' },
    { event: () => undefined, trackChange: (e) => changes.push(e.t), error: (e) => assert.fail(e), blocked: () => undefined },
  );
  s.push(x.subarray(0, 5 * RATE));
  const c = await s.configure({ segment: 'auto' });
  assert.equal(c.event.segment, 'auto');
  s.push(x.subarray(5 * RATE));
  await s.finalize();
  engine.closeStream(s);
  assert.equal(changes.length, 1, `changes at ${changes.join(', ')}`);
  assert.ok(Math.abs(changes[0] - a.length / RATE) <= 3, `change at ${changes[0]} s, the clips join at ${(a.length / RATE).toFixed(2)} s`);
});
