// mean / mean_s / segment over the wire, against the real server and the default bundle: begin and
// configured say what the stream does; two real clips back to back give one track_change event near the
// join, before the window event whose average restarted there; bad values are refused by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadAudio } from '../../src/audio/load';
import { startServer, type EarshotServer } from '../../src/server/server';
import { DEFAULT_BUNDLE, TestStream } from '../helpers/engine-client';
import { sharedOrSkip } from '../helpers/shared';

let server: EarshotServer;
before(async () => {
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
});
after(async () => {
  await server.close();
});

test('segment=auto: one track_change near the join of two real clips, then windows averaged from there', async (t) => {
  const dir = sharedOrSkip(t, 'data/audio');
  if (!dir) return;
  const a = (await loadAudio(path.join(dir, 'wesnoth-battle.ogg'), { sampleRateHz: 22050 })).samples;
  const b = (await loadAudio(path.join(dir, 'nexuiz-brokenlight.ogg'), { sampleRateHz: 22050 })).samples;
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  const joinS = a.length / 22050;
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&overflow=block&segment=auto');
  const begin = await s.next('begin');
  assert.deepEqual([begin.mean, begin.mean_s, begin.segment], ['track', 20, 'auto']);
  s.sendF32(x);
  s.send({ type: 'finalize' });
  await s.next('final');
  s.close();
  const types = s.events.map((e) => e.type);
  const changes = s.events.filter((e) => e.type === 'track_change');
  assert.equal(changes.length, 1, `events: ${types.join(',')}`);
  const tc = changes[0].type === 'track_change' ? changes[0].t : NaN;
  assert.ok(Math.abs(tc - joinS) <= 3, `change at ${tc} s, the clips join at ${joinS.toFixed(2)} s`);
  // The window event right after the change averages the windows that start at or after t (40 frames apart, 130 long).
  const next = s.events[types.indexOf('track_change') + 1];
  assert.equal(next.type, 'window');
  if (next.type !== 'window') return;
  const before = s.events[types.indexOf('track_change') - 1];
  assert.ok(before.type === 'window' && before.windows > next.windows, 'the average restarted');
  const hopS = (40 * 512) / 22050; // hop=1 s in whole trunk strides of 8 frames
  const windowS = (130 * 512) / 22050;
  assert.equal(next.windows, Math.floor((next.t_end - windowS) / hopS + 1e-6) - Math.ceil(tc / hopS - 1e-6) + 1);
});

test('configure sets mean, mean_s and segment (echoed by configured); a contradiction is refused and the stream goes on', async () => {
  const s = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&mean=sliding&mean_s=8');
  const begin = await s.next('begin');
  assert.deepEqual([begin.mean, begin.mean_s, begin.segment], ['sliding', 8, 'off']);
  s.send({ type: 'configure', mean: 'decay', mean_s: 6, segment: 'auto' });
  const c = await s.next('configured');
  assert.deepEqual([c.mean, c.mean_s, c.segment], ['decay', 6, 'auto']);
  s.send({ type: 'configure', mean: 'track' });
  assert.deepEqual(((e) => [e.mean, e.mean_s])(await s.next('configured')), ['track', 6]);
  s.send({ type: 'configure', mean_s: 5 });
  const err = await s.next('error');
  assert.equal(err.code, 'bad_request');
  assert.match(err.message, /configure\.mean_s is the length of a sliding or decay mean/);
  s.send({ type: 'configure', mean: 'sliding', mean_s: 5 });
  assert.deepEqual(((e) => [e.mean, e.mean_s])(await s.next('configured')), ['sliding', 5]);
  s.send({ type: 'configure', segment: 'maybe' });
  assert.match((await s.next('error')).message, /configure\.segment must be one of "off", "auto", got "maybe"/);
  s.send({ type: 'keepalive' });
  await s.next('keepalive');
  s.close();
});

test('bad mean / mean_s / segment in the URL: error event naming it, close 4400', async () => {
  for (const [q, message] of [
    ['mean=median', /mean="median" must be one of track, sliding, decay/],
    ['mean=decay&mean_s=0', /mean_s=.*0.* must be a number in 1\.\.300/],
    ['mean_s=10', /needs mean=sliding or mean=decay/],
    ['segment=on', /segment="on" must be one of off, auto/],
  ] as const) {
    const s = await TestStream.open(server.url, `encoding=pcm_f32le&sample_rate=22050&${q}`);
    const e = await s.next('error');
    assert.equal(e.code, 'bad_request', q);
    assert.match(e.message, message, q);
    assert.equal((await s.closed).code, 4400, q);
  }
});

test('POST /v1/analyze?segment=auto: 400 bad_request naming the parameter (an upload has one answer, the whole file)', async () => {
  const res = await fetch(`${server.url}/v1/analyze?segment=auto`, { method: 'POST', body: new Uint8Array(1000) });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'bad_request');
  assert.match(body.error.message, /^segment applies to streams/);
});
