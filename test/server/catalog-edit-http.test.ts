// DELETE and PATCH /v1/catalog on a real engine (startServer, a user catalogue of generated songs, a
// token), and `earshot catalog remove|set` against it: auth as POST, the error answers, a live stream
// through the client SDK whose suggestions never name a song once its DELETE answered and show an edit
// at once (each event checked against a float64 cosine brute force over the songs that are left), a removed
// id added again, the changes saved (a restarted server holds the same catalogue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { connectStream, type WindowEvent } from '../../src/client/node';
import type { CatalogItem } from '../../src/catalog/catalog';
import { saveUserCatalog } from '../../src/model/user-catalog';
import { startServer, type EarshotServer } from '../../src/server/server';
import { encodeWavPcm16 } from '../../src/audio/wav-encode';
import { SAME_TRACK_COSINE } from '../../src/catalog/same-track';
import { mulberry32 } from '../../trainer/eval/prng';
import { earshot } from '../helpers/earshot-cli';
import { emptyUserCatalog } from '../helpers/empty-user-catalog';
import { DEFAULT_BUNDLE } from '../helpers/engine-client';
import { tempFiles } from '../helpers/temp-files';

const F = 50;
const N = 300;
const K = 8;
const TOKEN = 'edit-t0ken';
const tmp = tempFiles('catalog-edit-http');

/** A 4-s chirp at 22,050 Hz: some audio for the CNN to hear. */
function chirp(seconds: number, rate: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.3 * Math.sin(2 * Math.PI * (200 * (i / rate) + 150 * (i / rate) ** 2)));
}

/**
 * Suggestions against the cosine brute force over the songs there now: the same scores rank by rank, each
 * id scored as the reference scores it, as stored. The playing track's rule as the engine's
 * (src/catalog/same-track.ts): songs at cosine ≥ SAME_TRACK_COSINE are left out, and the best of them in
 * each window stays out (`remembered`) until the track changes.
 */
function checkEvent(e: WindowEvent, songs: Map<string, { item: CatalogItem; y: Float32Array }>, remembered: Set<string>, what: string): void {
  assert.ok(e.factors, `${what}: the event carries its factors`);
  const q = e.factors;
  const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));
  const all = [...songs.values()].map(({ item, y }) => ({ id: item.id, score: y.reduce((a, v, t) => a + v * q[t], 0) / (norm(y) * norm(q)) })).sort((a, b) => b.score - a.score);
  const ranking = all.filter((h) => h.score < SAME_TRACK_COSINE && !remembered.has(h.id));
  if (all[0].score >= SAME_TRACK_COSINE) remembered.add(all[0].id);
  const score = new Map(ranking.map((h) => [h.id, h.score]));
  assert.equal(e.suggestions.length, K, `${what}: k suggestions`);
  e.suggestions.forEach((s, t) => {
    assert.ok(score.has(s.id), `${what}: ${s.id} is not in the catalogue (removed?)`);
    assert.ok(Math.abs(s.score - ranking[t].score) < 1e-5, `${what}: rank ${t} score ${s.score} vs ${ranking[t].score}`);
    assert.ok(Math.abs(s.score - score.get(s.id)!) < 1e-5, `${what}: ${s.id} scored ${s.score}, brute force ${score.get(s.id)}`);
    const it = songs.get(s.id)!.item;
    assert.deepEqual([s.title, s.artist, s.uri], [it.title, it.artist, it.uri], `${what}: ${s.id} as stored now`);
  });
}

async function http(server: EarshotServer, method: string, query: string, token: string | null = TOKEN): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await fetch(`${server.url}/v1/catalog?${query}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as never };
}

test('DELETE / PATCH /v1/catalog and catalog remove|set: a live stream never suggests a removed song; edits saved', { timeout: 180_000 }, async (t) => {
  const r = mulberry32(18);
  const songs = new Map<string, { item: CatalogItem; y: Float32Array }>();
  for (let i = 0; i < N; i++) {
    const item: CatalogItem = { id: `song-${i}`, artist: `artist ${i % 9}`, title: `title ${i}`, ...(i % 2 === 0 ? { uri: `/music/${i}.mp3` } : {}) };
    songs.set(item.id, { item, y: Float32Array.from({ length: F }, () => 2 * r() - 1) });
  }
  const dir = path.join(tmp.dir, 'library');
  const manifest = await emptyUserCatalog(dir, DEFAULT_BUNDLE);
  await saveUserCatalog(dir, manifest, [...songs.values()].map((s) => s.item), Float32Array.from([...songs.values()].flatMap((s) => Array.from(s.y))));
  let server = await startServer({ bundleDir: DEFAULT_BUNDLE, catalogDir: dir, port: 0, tokens: [TOKEN] });
  t.after(() => server.close());

  // Auth as POST; the error answers.
  assert.equal((await http(server, 'DELETE', 'id=song-1', null)).status, 401);
  assert.equal((await http(server, 'PATCH', 'id=song-1&title=x', null)).status, 401);
  const refusals: [string, string, number, string, RegExp][] = [
    ['DELETE', '', 400, 'bad_request', /id is required/],
    ['DELETE', 'id=nope', 404, 'unknown_track', /id "?nope"? is not in the catalogue/],
    ['PATCH', 'id=nope&title=x', 404, 'unknown_track', /not in the catalogue/],
    ['PATCH', 'id=song-1', 400, 'bad_request', /nothing to change/],
    ['PATCH', 'id=song-1&title=a%07b', 400, 'bad_request', /title contains a control character \(U\+0007/],
    ['PATCH', 'id=song-1&uri=javascript%3Aalert(1)', 400, 'bad_request', /uri scheme "javascript:" is not allowed/],
  ];
  for (const [method, query, status, code, message] of refusals) {
    const a = await http(server, method, query);
    assert.equal(a.status, status, `${method} ${query}`);
    assert.equal(a.body.error?.code, code, `${method} ${query}`);
    assert.match(a.body.error!.message, message);
  }
  assert.equal(server.engine.recommender.catalog.size, N, 'nothing changed by a refusal');

  // A live stream: its final event's top songs are removed (together: one group commit) and one edited.
  const client = await connectStream(server.url, { sampleRateHz: 22050, hopS: 1, k: K, factors: true, token: TOKEN, overflow: 'block', reconnect: false });
  t.after(() => client.close());
  const audio = chirp(4, 22050);
  const streamErrors: unknown[] = [];
  client.on('error', (e) => streamErrors.push(e));
  const play = async (): Promise<WindowEvent[]> => {
    const events: WindowEvent[] = [];
    const on = (w: WindowEvent) => events.push(w);
    client.on('window', on);
    client.sendPcm(audio);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no final event in 30 s; stream errors: ${JSON.stringify(streamErrors)}`)), 30_000)));
    events.push(await Promise.race([client.finalize(), late]).finally(() => clearTimeout(timer)));
    client.off('window', on);
    return events;
  };
  const first = await play();
  first.forEach((e, j) => checkEvent(e, songs, new Set(), `before, event ${j}`));
  const top = first.at(-1)!.suggestions.map((s) => s.id);
  const [gone1, gone2, edited] = top;
  const answers = await Promise.all([http(server, 'DELETE', `id=${gone1}`), http(server, 'DELETE', `id=${gone2}`), http(server, 'PATCH', `id=${edited}&title=Edited%20title&uri=`)]);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
  songs.delete(gone1);
  songs.delete(gone2);
  songs.get(edited)!.item = { id: edited, artist: songs.get(edited)!.item.artist, title: 'Edited title' };
  assert.deepEqual(answers[0].body, { id: gone1, items: N - 2 });
  assert.deepEqual(answers[2].body, { id: edited, artist: songs.get(edited)!.item.artist, title: 'Edited title', uri: null, items: N - 2 });
  client.reset();
  await client.next('reset');
  const second = await play();
  assert.ok(second.length >= 2, `${second.length} events after the changes`);
  const sameTrack = new Set<string>();
  second.forEach((e, j) => checkEvent(e, songs, sameTrack, `after, event ${j}`));
  assert.equal(second.at(-1)!.suggestions[0].id, edited, 'the same audio: the best song left comes first, with its new title');
  assert.equal((await http(server, 'DELETE', `id=${gone1}`)).status, 404, 'removed once');
  // A removed id may be added again (POST: its audio analysed, its factors new): here the stream's own
  // audio, so that the playing track's rule (cosine ≥ 0.97) keeps it out of that stream's suggestions.
  const readd = await fetch(`${server.url}/v1/catalog?${new URLSearchParams({ id: gone1, title: 'Back again' })}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(encodeWavPcm16(audio, 22050)) });
  assert.equal(readd.status, 201);
  const back = (await readd.json()) as { factors: number[]; items: number };
  assert.equal(back.items, N - 1);
  songs.set(gone1, { item: { id: gone1, artist: '', title: 'Back again' }, y: Float32Array.from(back.factors) });

  // The CLI against the same engine, on songs the stream did not touch.
  const cli = (args: string[]) => earshot(['catalog', ...args, '--server', server.url, '--token', TOKEN]);
  const [r1, r2, s1, s2] = [...songs.keys()].filter((id) => !top.includes(id));
  const rm = await cli(['remove', r1, 'no-such-song', r2, '--json']);
  assert.equal(rm.code, 1, rm.stderr);
  const lines = rm.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: string; items?: number });
  assert.deepEqual(lines.map((l) => [l.event, l.id]), [['removed', r1], ['failed', 'no-such-song'], ['removed', r2]]);
  assert.equal(lines[2].items, N - 3);
  songs.delete(r1);
  songs.delete(r2);
  const set = await cli(['set', s1, '--artist', 'New Artist', '--uri', '/music/new.flac', '--json']);
  assert.equal(set.code, 0, set.stderr);
  const setItem = { id: s1, artist: 'New Artist', title: songs.get(s1)!.item.title, uri: '/music/new.flac' };
  assert.deepEqual(JSON.parse(set.stdout), setItem);
  songs.get(s1)!.item = setItem;
  const text = await cli(['set', s2, '--title', 'Thirteen', '--no-uri']);
  assert.deepEqual([text.code, text.stdout], [0, `${s2}: ${songs.get(s2)!.item.artist} - Thirteen\n`]);
  songs.get(s2)!.item = { id: s2, artist: songs.get(s2)!.item.artist, title: 'Thirteen' };
  const unknown = await cli(['set', 'no-such-song', '--title', 'x']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /PATCH \/v1\/catalog: 404 unknown_track/);
  const bad = await cli(['set', s1, '--uri', 'data:x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /400 bad_request: patch: uri scheme "data:" is not allowed/);
  for (const args of [['set', s1, '--uri', '/a', '--no-uri'], ['set', s1], ['remove'], ['remove', s1, '--title', 'x']]) {
    const u = await cli(args);
    assert.equal(u.code, 2, `${args.join(' ')}: usage error`);
    assert.match(u.stderr, /usage: earshot catalog/);
  }

  // Every change so far shows in a search: the last events' brute force again, over the songs left now.
  const third = await (async () => {
    client.reset();
    await client.next('reset');
    return play();
  })();
  const sameTrackThird = new Set<string>();
  third.forEach((e, j) => checkEvent(e, songs, sameTrackThird, `after the CLI, event ${j}`));
  assert.ok(sameTrackThird.has(gone1), 'the song added again from the stream\'s own audio is taken for the playing track');
  assert.deepEqual(streamErrors, [], 'no error event on the stream');

  // Saved: a restarted server holds the same songs, in memory as on disk.
  const expected = [...songs.values()].map((s) => s.item).sort((a, b) => a.id.localeCompare(b.id));
  const before = server.engine.recommender.catalog.snapshot();
  assert.deepEqual([...before.items].sort((a, b) => a.id.localeCompare(b.id)), expected);
  await client.close();
  await server.close();
  server = await startServer({ bundleDir: DEFAULT_BUNDLE, catalogDir: dir, port: 0, tokens: [TOKEN] });
  assert.deepEqual(server.engine.recommender.catalog.snapshot(), before, 'a restart shows the same catalogue');
});
