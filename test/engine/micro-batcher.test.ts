// MicroBatcher with a fake runner (a closed-form "model": each window's output is its mel sum), so
// batching, ordering, dropping and blocking are checked without ONNX Runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MicroBatcher, type BatchClient, type BatcherOptions, type WindowKey, type WindowRunner } from '../../src/engine/micro-batcher';
import type { MelWindow } from '../../src/engine/window-pipeline';

const BANDS = 2;
const FRAMES = 3;

function win(seq: number, value: number, frames = FRAMES): MelWindow {
  return { seq, start: seq, frames, mel: new Float32Array(frames * BANDS).fill(value), tStartS: 0, tEndS: 0, final: false };
}

class Client implements BatchClient {
  results: [number, number][] = [];
  dropped: number[] = [];
  blocks: boolean[] = [];
  constructor(readonly overflow: 'drop' | 'block') {}
  onResult(w: MelWindow, f: Float32Array): void {
    this.results.push([w.seq, f[0]]);
  }
  onError(): void {
    throw new Error('unexpected');
  }
  onDropped(w: MelWindow): void {
    this.dropped.push(w.seq);
  }
  setBlocked(b: boolean): void {
    this.blocks.push(b);
  }
}

function fakeModel(batches: number[]) {
  return async (mel: Float32Array, batch: number, frames: number): Promise<Float32Array> => {
    batches.push(batch);
    await new Promise((r) => setTimeout(r, 5));
    const out = new Float32Array(batch);
    for (let b = 0; b < batch; b++) for (let i = 0; i < frames * BANDS; i++) out[b] += mel[b * frames * BANDS + i];
    return out;
  };
}

const opts = (o: Partial<BatcherOptions>): BatcherOptions => ({ maxBatch: 4, maxWaitMs: 2, maxPendingPerStream: 100, maxPending: 1000, maxQueueAgeMs: 60_000, ...o });

test('windows of many streams share runs of at most maxBatch; each stream gets its results in order', async () => {
  const batches: number[] = [];
  const b = new MicroBatcher(fakeModel(batches), 1, opts({}));
  const clients = [new Client('drop'), new Client('drop'), new Client('drop')];
  for (let seq = 0; seq < 5; seq++) clients.forEach((c, i) => b.submit(c, win(seq, seq + 10 * i), 0));
  await b.idle();
  assert.ok(batches.every((n) => n <= 4));
  assert.equal(batches.reduce((a, n) => a + n, 0), 15);
  assert.ok(batches.length <= 5, `15 windows in ${batches.length} runs`);
  clients.forEach((c, i) => assert.deepEqual(c.results, [0, 1, 2, 3, 4].map((s) => [s, (s + 10 * i) * FRAMES * BANDS])));
});

test('a lone window runs after maxWaitMs, not never', async () => {
  const batches: number[] = [];
  const b = new MicroBatcher(fakeModel(batches), 1, opts({ maxBatch: 64, maxWaitMs: 3 }));
  const c = new Client('drop');
  const t0 = performance.now();
  b.submit(c, win(0, 1), 0);
  await b.idle();
  assert.deepEqual(batches, [1]);
  assert.ok(performance.now() - t0 >= 3);
});

test('drop mode: a stream over its pending limit loses its oldest queued windows, counted; others are untouched', async () => {
  const batches: number[] = [];
  const b = new MicroBatcher(fakeModel(batches), 1, opts({ maxPendingPerStream: 3, maxBatch: 64, maxWaitMs: 50 }));
  const fast = new Client('drop');
  const calm = new Client('drop');
  for (let seq = 0; seq < 10; seq++) b.submit(fast, win(seq, 1), 0);
  b.submit(calm, win(0, 2), 0);
  await b.idle();
  assert.deepEqual(fast.dropped, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(fast.results.map((r) => r[0]), [7, 8, 9]);
  assert.deepEqual(calm.results.map((r) => r[0]), [0]);
});

test('the global limit drops the oldest window of any stream', async () => {
  const b = new MicroBatcher(fakeModel([]), 1, opts({ maxPending: 4, maxBatch: 64, maxWaitMs: 50 }));
  const c = [new Client('drop'), new Client('drop')];
  for (let seq = 0; seq < 3; seq++) c.forEach((x) => b.submit(x, win(seq, 1), 0));
  await b.idle();
  // Queue order c0:0 c1:0 c0:1 c1:1 is full; c0:2 pushes out c0:0, then c1:2 pushes out the oldest left, c1:0.
  assert.deepEqual(c[0].dropped, [0]);
  assert.deepEqual(c[1].dropped, [0]);
  assert.deepEqual(c[0].results.map((r) => r[0]), [1, 2]);
  assert.deepEqual(c[1].results.map((r) => r[0]), [1, 2]);
});

test('block mode: never drops; asks the stream to pause at the limit and resume once drained', async () => {
  const b = new MicroBatcher(fakeModel([]), 1, opts({ maxPendingPerStream: 4, maxBatch: 2, maxWaitMs: 1 }));
  const c = new Client('block');
  for (let seq = 0; seq < 12; seq++) b.submit(c, win(seq, 1), 0);
  assert.equal(c.blocks[0], true);
  await b.idle();
  assert.deepEqual(c.dropped, []);
  assert.equal(c.results.length, 12);
  assert.equal(c.blocks[c.blocks.length - 1], false);
});

test('windows of different lengths never share a run; cancel forgets a stream without counting drops', async () => {
  const batches: number[] = [];
  const b = new MicroBatcher(fakeModel(batches), 1, opts({ maxBatch: 8, maxWaitMs: 2 }));
  const c = new Client('drop');
  b.submit(c, win(0, 1), 0);
  b.submit(c, win(1, 1, 5), 0);
  b.submit(c, win(2, 1), 0);
  await b.idle();
  assert.deepEqual(c.results.map((r) => r[0]).sort(), [0, 1, 2]);
  assert.deepEqual(batches.sort(), [1, 2]);
  const d = new Client('drop');
  b.submit(d, win(0, 1), 0);
  b.cancel(d);
  await b.idle();
  assert.deepEqual(d.results, []);
  assert.deepEqual(d.dropped, []);
});

test('windows that waited longer than maxQueueAgeMs are dropped for drop streams, kept for block streams', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let first = true;
  const runner = async (mel: Float32Array, batch: number): Promise<Float32Array> => {
    if (first) {
      first = false;
      await gate; // the first batch stalls (a starved CPU) while more windows queue up
    }
    return new Float32Array(batch);
  };
  const b = new MicroBatcher(runner, 1, opts({ maxBatch: 1, maxWaitMs: 0, maxQueueAgeMs: 30 }));
  const live = new Client('drop');
  const file = new Client('block');
  b.submit(live, win(0, 1), 0);
  await new Promise((r) => setTimeout(r, 5));
  b.submit(live, win(1, 1), 0);
  b.submit(file, win(0, 1), 0);
  await new Promise((r) => setTimeout(r, 60));
  b.submit(live, win(2, 1), 0);
  release();
  await b.idle();
  assert.deepEqual(live.dropped, [1], 'the window that waited 60 ms behind the stalled batch');
  assert.deepEqual(live.results.map((r) => r[0]), [0, 2]);
  assert.deepEqual(file.results.map((r) => r[0]), [0]);
});

test('the runner gets each window\'s stream id, ticket, start and tail flag; cancel releases the stream\'s runner state, also with nothing queued', async () => {
  const seen: WindowKey[][] = [];
  const released: number[] = [];
  const runner: WindowRunner = async (mel, batch, frames, keys) => {
    seen.push([...(keys ?? [])]);
    return new Float32Array(batch);
  };
  const b = new MicroBatcher(runner, 1, opts({ maxBatch: 8, maxWaitMs: 1 }), undefined, (id) => released.push(id));
  const x = new Client('block');
  const y = new Client('block');
  b.submit(x, win(0, 1), 3);
  b.submit(y, { ...win(5, 1), final: true }, 0);
  b.submit(x, win(1, 1), 3);
  await b.idle();
  assert.deepEqual(seen, [[
    { stream: 1, ticket: 3, start: 0, final: false },
    { stream: 2, ticket: 0, start: 5, final: true },
    { stream: 1, ticket: 3, start: 1, final: false },
  ]]);
  b.cancel(x); // nothing queued: the runner still forgets x
  b.cancel(new Client('drop')); // never submitted: nothing to release
  assert.deepEqual(released, [1]);
  b.submit(x, win(2, 1), 4);
  await b.idle();
  assert.equal(seen[1][0].stream, 1, 'a stream keeps its id');
  b.setRunner(runner, 1); // a runner without state: cancel releases nothing
  b.cancel(y);
  assert.deepEqual(released, [1]);
});
