// Protocol v1 end to end with a real `ws` client against the real server and the default bundle:
// begin/window/final, streaming = offline analysis, configure/reset/listener, hot reload, shutdown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { loadBundle } from '../../src/model/bundle';
import { startServer, type EarshotServer } from '../../src/server/server';
import { filteredTopK } from '../helpers/cosine-reference';
import { bundleCopy, bundleItems, DEFAULT_BUNDLE, TestStream, testAudio } from '../helpers/engine-client';
import { repoRoot } from '../helpers/shared';
import { makeWav } from '../helpers/wav-writer';

let server: EarshotServer;
/** How many songs models/default ships (read by the loader): the catalogue size before any add. */
let shipped: number;
before(async () => {
  shipped = (await bundleItems(DEFAULT_BUNDLE)).length;
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
});
after(async () => {
  await server.close();
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('begin, then a window event per hop with increasing times, then final on finalize', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&channels=1&hop=1&k=3&tags=2');
  const begin = await s.next('begin');
  assert.equal(begin.protocol, 1);
  assert.equal(begin.factors, 50);
  assert.equal(begin.items, shipped);
  assert.ok(Math.abs(begin.window_s - (130 * 512) / 22050) < 1e-6);
  // hop=1 s is 43.07 frames, made a whole number of the bundle's trunk strides (8 frames): 40 frames.
  assert.ok(Math.abs(begin.hop_s - (40 * 512) / 22050) < 1e-6);
  s.sendF32(testAudio(8));
  const windows = [];
  // 8 s = 176,400 samples: 344 frames arrive while streaming (frame t needs samples up to t·512 + 512), so
  // regular windows start at 0, 40, …, 200 (6); the flush adds frame 344 and the tail window at 215.
  for (let i = 0; i < 6; i++) windows.push(await s.next('window'));
  windows.forEach((w, i) => {
    assert.equal(w.seq, i);
    assert.equal(w.windows, i + 1);
    assert.ok(Math.abs(w.t_end - ((i * 40 + 130) * 512) / 22050) < 1e-5);
    assert.equal(w.suggestions.length, 3);
    assert.equal(w.tags.length, 2);
    assert.ok(w.tags[0].p >= w.tags[1].p);
    assert.ok(w.suggestions[0].score >= w.suggestions[2].score);
    assert.equal(w.factors, undefined);
  });
  s.send({ type: 'finalize' });
  const fin = await s.next('final');
  assert.equal(fin.windows, 7, 'the regular windows end at frame 330: the tail window 215..345 covers the rest');
  assert.ok(Math.abs(fin.t_end - (345 * 512) / 22050) < 1e-5, 'the last window (frames 215..345) ends there');
  s.send({ type: 'close' });
  assert.equal((await s.closed).code, 1000);
});

test('streaming with random chunking ends with the factors offline analysis gives (f32 mono 22.05 kHz and s16 stereo 44.1 kHz)', async () => {
  const x = testAudio(10, 7);
  const offline = await server.engine.analyze(x, 22050, { hopS: 1, k: 5 });
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1&k=5&factors=1&overflow=block');
  let seed = 3;
  for (let i = 0; i < x.length * 4; ) {
    const n = 1 + ((seed = (seed * 48271) % 2147483647) % 20000); // bytes, splitting samples
    s.ws.send(Buffer.from(new Uint8Array(x.buffer).subarray(i, Math.min(i + n, x.length * 4))));
    i += n;
  }
  s.send({ type: 'finalize' });
  const fin = await s.next('final');
  assert.equal(fin.windows, offline.windows);
  assert.ok(maxDiff(fin.factors!, offline.factors) < 1e-5, `max |stream - offline| = ${maxDiff(fin.factors!, offline.factors)}`);
  assert.deepEqual(fin.suggestions.map((v) => v.id), offline.suggestions.map((v) => v.id));
  s.close();

  // 44.1 kHz stereo s16: the server decodes, averages channels and resamples; offline gets the same mono at 44.1 kHz.
  const up = testAudio(6, 11, 44100);
  const pcm = new Int16Array(up.length * 2);
  const mono = new Float32Array(up.length);
  for (let i = 0; i < up.length; i++) {
    const l = Math.round(up[i] * 30000);
    const r = Math.round(up[i] * 20000);
    pcm[2 * i] = l;
    pcm[2 * i + 1] = r;
    mono[i] = (l + r) / 2 / 32768;
  }
  const off2 = await server.engine.analyze(mono, 44100, { hopS: 1 });
  const t = await TestStream.open(server.url, 'encoding=pcm_s16le&sample_rate=44100&channels=2&factors=1&overflow=block');
  const bytes = new Uint8Array(pcm.buffer);
  for (let i = 0; i < bytes.length; i += 17641) t.ws.send(Buffer.from(bytes.subarray(i, i + 17641)));
  t.send({ type: 'finalize' });
  const fin2 = await t.next('final');
  assert.equal(fin2.windows, off2.windows);
  assert.ok(maxDiff(fin2.factors!, off2.factors) < 1e-5);
  t.close();
});

test('`earshot analyze --json --hop 1` on a WAV equals the stream of the same audio', async () => {
  const x = testAudio(7, 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-analyze-'));
  const file = path.join(dir, 'clip.wav');
  fs.writeFileSync(file, makeWav({ encoding: 'f32', channels: 1, sampleRateHz: 22050, values: x }));
  const cli = path.join(repoRoot(), 'dist', 'src', 'cli', 'earshot.js');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'analyze', file, '--hop', '1', '--json', '--k', '4'], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  const offline = JSON.parse(stdout) as { windows: number; factors: number[]; suggestions: { id: string }[] };
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&factors=1&k=4&overflow=block');
  s.sendF32(x, 3000);
  s.send({ type: 'finalize' });
  const fin = await s.next('final');
  assert.equal(fin.windows, offline.windows);
  assert.ok(maxDiff(fin.factors!, offline.factors) < 1e-5);
  assert.deepEqual(fin.suggestions.map((v) => v.id), offline.suggestions.map((v) => v.id));
  s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('configure changes k/tags/factors; reset starts over and excludes the named track; history re-ranks by x_u·y_i', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=3');
  await s.next('begin');
  s.send({ type: 'configure', k: 2, tags: 1, factors: true });
  const c = await s.next('configured');
  assert.deepEqual([c.k, c.tags, c.factors, c.history], [2, 1, true, 0]);
  const x = testAudio(4, 2);
  s.sendF32(x);
  const w = await s.next('window');
  assert.equal(w.suggestions.length, 2);
  assert.equal(w.tags.length, 1);
  assert.equal(w.factors!.length, 50);
  const top = w.suggestions[0].id;

  s.send({ type: 'reset', track: top });
  assert.deepEqual(await s.next('reset'), { type: 'reset', track: top });
  s.sendF32(x);
  const w2 = await s.next('window');
  assert.equal(w2.seq, 0);
  assert.equal(w2.windows, 1);
  assert.ok(!w2.suggestions.some((v) => v.id === top), 'the current track is not suggested');
  assert.ok(maxDiff(w2.factors!, w.factors!) < 1e-6, 'same audio after reset, same prediction');

  // A listener: suggestions are re-ranked by the folded-in vector and skip the history.
  const cat = server.engine.recommender.catalog;
  const history = [0, 1, 2, 3, 4].map((i) => ({ id: cat.item(i).id, plays: 1 + i }));
  s.send({ type: 'configure', k: 5, history: [...history, { id: 'no-such-song', plays: 1 }] });
  const err = await s.next('error');
  assert.equal(err.code, 'unknown_track');
  assert.equal((await s.next('configured')).history, 5);
  s.send({ type: 'reset' });
  await s.next('reset');
  s.sendF32(x);
  const w3 = await s.next('window');
  const { listener } = await server.engine.recommender.listener(history);
  const xu = listener!.vector;
  const scoreOf = (id: string): number => {
    const i = cat.indexOf(id);
    let d = 0;
    for (let j = 0; j < 50; j++) d += xu[j] * cat.factors[i * 50 + j];
    return d;
  };
  assert.ok(!w3.suggestions.some((v) => history.some((h) => h.id === v.id)));
  for (const v of w3.suggestions) assert.ok(Math.abs(v.score - scoreOf(v.id)) < 1e-4, 'score is x_u·y_i');
  for (let i = 1; i < w3.suggestions.length; i++) assert.ok(w3.suggestions[i - 1].score >= w3.suggestions[i].score);
  s.close();
});

test('hot reload keeps the stream open: reload event, the running mean restarts, windows keep coming; a broken bundle changes nothing', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1');
  await s.next('begin');
  s.sendF32(testAudio(4, 3));
  await s.next('window');
  const res = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { generation: number }).generation, server.engine.generation);
  await s.next('reload');
  s.sendF32(testAudio(4, 4));
  const w = await s.next('window');
  assert.ok(w.windows >= 1);
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-broken-'));
  fs.writeFileSync(path.join(broken, 'manifest.json'), '{"format":"earshot-bundle","version":99}');
  await assert.rejects(server.reload(broken), /version 99/);
  s.sendF32(testAudio(2, 5));
  await s.next('window');
  assert.equal(server.engine.bundle.dir, DEFAULT_BUNDLE);
  s.close();
});

test('reconnection: a client that vanishes frees its slot; a new connection streams normally', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  const begin = await s.next('begin');
  const mine = (): boolean => [...server.connections].some((c) => c.id === begin.id);
  assert.ok(mine());
  s.sendF32(testAudio(2, 1));
  s.ws.terminate(); // no close handshake: the TCP connection just drops
  const deadline = Date.now() + 5000;
  while (mine() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(!mine(), 'the server let go of the vanished stream');
  const again = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050');
  again.sendF32(testAudio(4, 1));
  assert.equal((await again.next('window')).seq, 0);
  again.close();
});

test('graceful shutdown: open streams get their final event, then close 1001', async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0 });
  const s = await TestStream.open(own.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1');
  s.sendF32(testAudio(5, 9));
  await s.next('window');
  await own.close();
  const fin = await s.next('final');
  assert.ok(fin.windows >= 2);
  assert.equal((await s.closed).code, 1001);
});

test('POST /v1/catalog adds a song that is recommendable at once and persisted atomically; /v1/next follows similarity', async () => {
  const dir = bundleCopy();
  const own = await startServer({ bundleDir: dir, port: 0 });
  try {
    const wav = new Uint8Array(encodeWavPcm16(testAudio(6, 21), 22050));
    const res = await fetch(`${own.url}/v1/catalog?id=new-song&artist=Tester&title=Fresh&uri=/music/fresh.ogg`, { method: 'POST', body: wav });
    assert.equal(res.status, 201);
    const added = (await res.json()) as { factors: number[]; items: number };
    assert.equal(added.items, shipped + 1);
    const dup = await fetch(`${own.url}/v1/catalog?id=new-song`, { method: 'POST', body: wav });
    assert.equal(dup.status, 409);
    // The same audio analysed: the song just added is taken for the clip itself (cosine 1): it is named
    // as same_track and is not among the suggestions (a song is never suggested after itself).
    const an = await fetch(`${own.url}/v1/analyze?k=5`, { method: 'POST', body: wav });
    const a = (await an.json()) as { suggestions: { id: string; score: number }[]; same_track: { id: string; score: number; uri?: string } | null };
    assert.equal(a.same_track?.id, 'new-song');
    assert.ok(a.same_track.score > 0.9999);
    assert.equal(a.same_track.uri, '/music/fresh.ogg');
    assert.equal(a.suggestions.length, 5);
    assert.ok(!a.suggestions.some((s) => s.id === 'new-song'));
    // Persisted: a fresh load of the directory has it, with its uri.
    const b = await loadBundle(dir);
    assert.equal(b.items.length, shipped + 1);
    assert.deepEqual(b.items[shipped], { id: 'new-song', artist: 'Tester', title: 'Fresh', uri: '/music/fresh.ogg' });
    assert.ok(maxDiff(b.itemFactors.subarray(shipped * 50), added.factors) < 1e-6);
    await b.close();
    // Radio automation: next after the new song is its nearest neighbour that is not the same recording
    // (cosine < SAME_TRACK_COSINE), as text (uri or id) and JSON; the reference ranks every song.
    const next = await (await fetch(`${own.url}/v1/next?after=new-song&format=json`)).json() as { id: string };
    const cat = own.engine.recommender.catalog;
    const seed = cat.indexOf('new-song');
    const nn = filteredTopK(cat.factors, cat.dims, cat.vector(seed), 1, { exclude: new Set([seed]) })[0];
    assert.equal(next.id, cat.item(nn.index).id);
    const text = await (await fetch(`${own.url}/v1/next?after=${next.id}`)).text();
    assert.match(text, /^\S+\n$/);
    assert.notEqual(text.trim(), next.id, 'not the seed track itself');
    assert.equal((await fetch(`${own.url}/v1/next?after=nope`)).status, 404);
    // playable=1: only songs with a uri (here the one added), whatever the seed.
    for (const seed of [cat.item(0).id, cat.item(shipped - 1).id, '']) {
      const p = (await (await fetch(`${own.url}/v1/next?playable=1&format=json${seed ? `&after=${seed}` : ''}`)).json()) as { id: string };
      assert.equal(p.id, 'new-song');
    }
    const m = await (await fetch(`${own.url}/metrics`)).text();
    assert.match(m, /^earshot_http_requests_total\{route="\/v1\/catalog",status="201"\} 1$/m);
    assert.match(m, /^earshot_http_requests_total\{route="\/v1\/next",status="404"\} 1$/m);
  } finally {
    await own.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GET /healthz and /metrics report the engine state', async () => {
  const h = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; items: number };
  assert.equal(h.status, 'ok');
  assert.equal(h.items, shipped);
  const m = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1]);
  assert.ok(value('earshot_windows_total') >= 20, 'the earlier tests predicted windows');
  assert.equal(value('earshot_inference_seconds_count'), value('earshot_batch_windows_count'));
  assert.equal(value('earshot_batch_windows_sum'), value('earshot_windows_total'));
  assert.match(m, /# TYPE earshot_inference_seconds histogram/);
  assert.match(m, /earshot_inference_seconds_bucket\{le="\+Inf"\} \d+/);
});

test('if the inference thread dies, streams go on with inference on the main thread', { timeout: 20_000 }, async () => {
  const own = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  try {
    const s = await TestStream.open(own.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1&factors=1');
    s.sendF32(testAudio(3.5, 4));
    const before = await s.next('window');
    const thread = (own.engine as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread;
    await thread.worker.terminate();
    s.send({ type: 'reset' });
    await s.next('reset');
    s.sendF32(testAudio(3.5, 4));
    const after = await s.next('window');
    assert.ok(maxDiff(after.factors!, before.factors!) < 1e-5, 'the main thread predicts what the worker did');
    s.close();
  } finally {
    await own.close();
  }
});
