// What a reconnect replays (src/client/replay-buffer.ts, src/client/client.ts): the ring against a
// brute-force "last N bytes of everything pushed, from the first whole sample frame", and, against the
// fake Protocol v1 server, the new connection's bytes and a finalize pending at the drop answered by the
// new stream instead of being lost. The real engine behind HAProxy: test/cluster/cluster-failover.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectStream, EarshotClient, EarshotClientError } from '../../src/client/node';
import { ReplayBuffer } from '../../src/client/replay-buffer';
import { startFakeServer } from '../helpers/fake-stream-server';

const FAST_RECONNECT = { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0.5 };
const RATE = 22050;

function until<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Seeded LCG (Numerical Recipes constants): the same chunk sizes on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('ReplayBuffer holds the last capacity bytes of the stream, starting on a sample frame (brute force over random chunks)', () => {
  const rand = lcg(7);
  for (const [capacity, frameBytes] of [[40, 4], [41, 4], [96, 8], [6, 2], [1000, 12]]) {
    const ring = new ReplayBuffer(capacity, frameBytes);
    assert.equal(ring.capacityBytes, Math.floor(capacity / frameBytes) * frameBytes);
    const all: number[] = [];
    for (let step = 0; step < 300; step++) {
      if (step === 150) {
        ring.clear();
        all.length = 0;
      }
      // Chunks of 0..2.5x the capacity, often not whole frames (a raw byte source splits samples).
      const n = Math.floor(rand() * capacity * 2.5);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = Math.floor(rand() * 256);
      ring.push(chunk);
      all.push(...chunk);
      const cap = ring.capacityBytes;
      const from = Math.max(0, all.length - cap);
      const aligned = Math.ceil(from / frameBytes) * frameBytes; // the first whole frame in the window
      assert.deepEqual(Array.from(ring.contents()), all.slice(Math.min(aligned, all.length)), `capacity ${capacity}, frame ${frameBytes}, step ${step}`);
    }
  }
  assert.throws(() => new ReplayBuffer(10, 0), RangeError);
  for (const replayS of [-1, 61, Number.NaN]) assert.throws(() => new EarshotClient('ws://127.0.0.1:1', { sampleRateHz: RATE, replayS }), /replayS must be a number of seconds in 0\.\.60/);
});

test('after a drop the new connection gets configure, reset, the latest window of audio and the pending finalize, whose final resolves the call', async (t) => {
  const server = await startFakeServer({ windows: false });
  t.after(() => server.close());
  // The fake server's begin says window_s 3: the client keeps 3 + 0.5 s.
  const client = await connectStream(server.url, { sampleRateHz: RATE, keepaliveMs: 0, reconnect: FAST_RECONNECT });
  t.after(() => client.close());
  const first = await server.connection(0);
  client.configure({ k: 4 });
  const audio = new Float32Array(5 * RATE).fill(0.25);
  client.sendPcm(audio.subarray(0, 2 * RATE));
  client.sendPcm(audio.subarray(2 * RATE)); // 5 s in two sends: the ring wraps
  await until(client.drain(0), 2000, 'drain');
  while (first.binaryBytes < audio.byteLength) await new Promise((r) => setTimeout(r, 5));

  // Dropped before the server can answer: the finalize is sent on the new stream after the replay.
  first.ws.terminate();
  const final = until(client.finalize(), 3000, 'the final after the reconnect');
  const second = await until(server.connection(1), 3000, 'the reconnect');
  const ev = await final;
  assert.equal(ev.type, 'final');
  const kept = Math.ceil(3.5 * RATE);
  assert.equal(second.binaryBytes, kept * 4, 'exactly the last 3.5 s were replayed');
  assert.equal(client.stats.bytesReplayed, kept * 4);
  assert.ok(Math.abs(ev.t_end - kept / RATE) < 1e-9, `the new stream's final covers the replayed audio: t_end ${ev.t_end}`);
  assert.deepEqual(second.messages.map((m) => m.type), ['configure', 'finalize']);

  // A finalize already answered is not replayed: the track has ended, so neither audio nor finalize
  // goes to the third connection until a reset starts a new track.
  second.ws.terminate();
  const third = await until(server.connection(2), 3000, 'the second reconnect');
  await until(client.drain(0), 2000, 'open again');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(third.binaryBytes, 0);
  assert.deepEqual(third.messages.map((m) => m.type), ['configure']);
});

test('the replayed bytes are the newest audio in order, starting on a stereo frame; reconnect: false still rejects a pending finalize', async (t) => {
  const server = await startFakeServer({ windows: false });
  t.after(() => server.close());
  const frames: Buffer[] = [];
  const client = await connectStream(server.url, { sampleRateHz: 8000, channels: 2, encoding: 'pcm_s16le', replayS: 0.25, keepaliveMs: 0, reconnect: FAST_RECONNECT });
  t.after(() => client.close());
  const first = await server.connection(0);
  const pcm = new Int16Array(2 * 8000); // 1 s of stereo: left = n, right = -n
  for (let n = 0; n < 8000; n++) [pcm[2 * n], pcm[2 * n + 1]] = [n, -n];
  client.sendPcm(new Uint8Array(pcm.buffer).subarray(0, 10_001)); // a cut inside a sample: the rest follows
  client.sendPcm(new Uint8Array(pcm.buffer).subarray(10_001));
  await until(client.drain(0), 2000, 'drain');
  first.ws.terminate();
  const second = await until(server.connection(1), 3000, 'the reconnect');
  second.ws.on('message', (d, binary) => binary && frames.push(d as Buffer));
  await until(client.drain(0), 2000, 'open again'); // the replay went out with the new begin
  client.reset('next-track'); // a new track: what a later drop would replay starts over
  await until(second.next('reset'), 2000, 'reset');
  const got = new Int16Array(new Uint8Array(Buffer.concat(frames)).slice().buffer);
  // 0.25 s at 8 kHz = 2,000 frames: n = 6000..7999, channels in place.
  assert.equal(got.length, 2 * 2000);
  for (let i = 0; i < 2000; i++) assert.deepEqual([got[2 * i], got[2 * i + 1]], [6000 + i, -(6000 + i)], `frame ${i}`);

  const once = await connectStream(server.url, { sampleRateHz: RATE, keepaliveMs: 0, reconnect: false });
  t.after(() => once.close());
  const conn = await server.connection(2);
  once.sendPcm(new Float32Array(RATE));
  conn.ws.terminate();
  const err = await until(once.finalize().catch((e: unknown) => e), 2000, 'the rejection');
  assert.ok(err instanceof EarshotClientError && (err.code === 'connection_lost' || err.code === 'not_open'), String(err));
});
