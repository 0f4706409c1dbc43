// earshot-train model end to end on a service's own data (test/helpers/own-data.ts: the 13 real clips of
// ../shared/data/audio cut into 39 segments in their own codecs, in subfolders, with made-up listeners, a
// songs file with uris, 2 songs nobody played and 3 played ids with no audio), spawned as a user runs it:
// the --json summary counts what was left out; the bundle's items.tsv holds every song with audio with
// the songs file's artist, title and uri; served, every suggestion (POST /v1/analyze, a WebSocket
// stream, `earshot analyze --json`, GET /v1/next?playable=1) carries them; an unplayed song, placed from
// its audio alone, is found again from its audio; and the WMF factors learned what the listeners encode
// (songs of one soundtrack closer than songs of different ones).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadAudio } from '../../../src/audio/load';
import { readNpy } from '../../../src/io/npy';
import type { Suggestion } from '../../../src/protocol';
import { startServer } from '../../../src/server/server';
import { TestStream } from '../../helpers/engine-client';
import { makeOwnData, type OwnSong } from '../../helpers/own-data';
import { distPath } from '../../helpers/shared';
import { torchOrSkip } from '../../helpers/torch';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const EARSHOT = distPath('src', 'cli', 'earshot.js');
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-model-own-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Factors F: few, for 37 played songs (the songs file and plays decide the rest). */
const F = 8;
const QUICK = ['--cnn', 'small', '--cnn-epochs', '2', '--windows-per-clip', '2', '--factors', String(F), '--threads', '2'];

/** Every field a suggestion must carry from the songs file. */
function assertFromSongsFile(s: { id: string; artist: string; title: string; uri?: string | null }, byId: ReadonlyMap<string, OwnSong>, where: string): void {
  const song = byId.get(s.id);
  assert.ok(song, `${where}: ${s.id} is one of the songs with audio`);
  assert.deepEqual({ artist: s.artist, title: s.title, uri: s.uri }, { artist: song.artist, title: song.title, uri: song.uri }, `${where}: ${s.id}`);
}

/** Mean cosine of factor rows over pairs of songs from one source and from different sources. */
function sourceCosines(ids: readonly string[], factors: Float32Array, sourceOf: (id: string) => string): { same: number; across: number } {
  const unit = ids.map((_, i) => {
    const v = factors.subarray(i * F, (i + 1) * F);
    const n = Math.hypot(...v);
    return Array.from(v, (x) => x / n);
  });
  const sums = { same: [0, 0], across: [0, 0] };
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const s = sums[sourceOf(ids[a]) === sourceOf(ids[b]) ? 'same' : 'across'];
      s[0] += unit[a].reduce((acc, x, q) => acc + x * unit[b][q], 0);
      s[1]++;
    }
  }
  return { same: sums.same[0] / sums.same[1], across: sums.across[0] / sums.across[1] };
}

test('own plays, music folder and songs file → a served bundle whose suggestions carry uri, artist and title', async (t) => {
  if (!torchOrSkip(t)) return;
  const own = await makeOwnData(t, path.join(tmp, 'data'));
  if (!own) return;
  const out = path.join(tmp, 'bundle');
  const { stdout, stderr } = await run(process.execPath, [CLI, 'model', '--plays', own.plays, '--audio', own.music, '--songs', own.songs, '--out', out, '--json', ...QUICK], { env });
  const s = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
  const n = own.catalogue.length;
  const listeners = new Set(fs.readFileSync(own.plays, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]));
  assert.deepEqual({ ...s.counts, plays: 0 }, {
    songs: n, withAudio: n, users: listeners.size - s.leftOut.droppedUsers, plays: 0,
    played: n - own.unplayed.length, unplayed: own.unplayed.length, playsWithoutAudio: own.ghosts.length, undecodable: 0, catalogue: n,
  });
  assert.ok(s.counts.users > 0 && s.counts.plays > n, JSON.stringify(s.counts));
  assert.deepEqual([...s.leftOut.songsWithoutAudio].sort(), own.ghosts, 'the ghosts are plays without audio');
  assert.deepEqual(JSON.parse(fs.readFileSync(s.leftOut.file, 'utf8')).songsWithoutAudio.sort(), own.ghosts);
  assert.match(stderr, /^model: - 3 songs with plays have no audio and were left out: 'ghost-\d'/m);
  assert.match(stderr, /^model: plays: \d+ users x 37 songs, \d+ plays; 2 songs with audio and no plays$/m);
  assert.deepEqual(s.stages.map((x: { name: string }) => x.name), ['features', 'plays', 'wmf', 'cnn', 'tags', 'bundle']);
  assert.equal(s.evaluation, undefined, 'no holdout, no evaluation');

  // items.tsv, read as a file: every song with audio, with the songs file's fields.
  const byId = new Map(own.catalogue.map((song) => [song.id, song]));
  const [header, ...rows] = fs.readFileSync(path.join(out, 'items.tsv'), 'utf8').trimEnd().split('\n');
  assert.equal(header, 'id\tartist\ttitle\turi');
  const items = rows.map((r) => r.split('\t')).map(([id, artist, title, uri]) => ({ id, artist, title, uri }));
  assert.deepEqual(items.map((i) => i.id).sort(), [...byId.keys()].sort());
  for (const item of items) assertFromSongsFile(item, byId, 'items.tsv');

  // What the listeners encode (each loves a soundtrack and a style): WMF puts one soundtrack's songs together.
  const factors = readNpy(path.join(out, 'item_factors.npy'));
  assert.deepEqual(factors.shape, [n, F]);
  const playedRows = items.map((i, k) => ({ id: i.id, k })).filter((r) => !own.unplayed.includes(r.id));
  const played = new Float32Array(playedRows.length * F);
  playedRows.forEach((r, j) => played.set((factors.data as Float32Array).subarray(r.k * F, (r.k + 1) * F), j * F));
  const cos = sourceCosines(playedRows.map((r) => r.id), played, (id) => byId.get(id)!.source);
  assert.ok(cos.same > cos.across + 0.2, `mean cosine within a soundtrack ${cos.same.toFixed(3)}, across soundtracks ${cos.across.toFixed(3)}`);

  // An unplayed song sits in the catalogue at the CNN's prediction from its audio: analysing that audio
  // finds it, named as the file's same track (and so not among the suggestions).
  const cold = byId.get(own.unplayed[0])!;
  const coldFile = path.join(own.music, cold.path);
  const cli = JSON.parse((await run(process.execPath, [EARSHOT, 'analyze', coldFile, '--bundle', out, '--json', '--k', '5'], { env })).stdout) as { suggestions: Suggestion[]; same_track: Suggestion | null };
  assert.equal(cli.suggestions.length, 5);
  assert.equal(cli.same_track?.id, cold.id, JSON.stringify([cli.same_track, ...cli.suggestions.slice(0, 2)]));
  assertFromSongsFile(cli.same_track, byId, 'earshot analyze --json same_track');
  assert.ok(!cli.suggestions.some((s) => s.id === cold.id));
  for (const sug of cli.suggestions) assertFromSongsFile(sug, byId, 'earshot analyze --json');

  const server = await startServer({ bundleDir: out, port: 0, persistCatalog: false });
  try {
    const segment = own.catalogue.find((song) => song.path.endsWith('.wav'))!;
    const segmentFile = path.join(own.music, segment.path);
    const res = await fetch(`${server.url}/v1/analyze?k=5`, { method: 'POST', body: fs.readFileSync(segmentFile) });
    assert.equal(res.status, 200);
    const analysed = (await res.json()) as { suggestions: Suggestion[] };
    assert.equal(analysed.suggestions.length, 5);
    for (const sug of analysed.suggestions) assertFromSongsFile(sug, byId, 'POST /v1/analyze');

    const stream = await TestStream.open(server.url, 'encoding=pcm_f32le&sample_rate=22050&hop=1&k=5&overflow=block');
    const begin = await stream.next('begin');
    assert.equal(begin.items, n);
    assert.equal(begin.factors, F);
    stream.sendF32((await loadAudio(segmentFile)).samples);
    const window = await stream.next('window');
    stream.send({ type: 'finalize' });
    const fin = await stream.next('final');
    stream.close();
    for (const e of [window, fin]) {
      assert.equal(e.suggestions.length, 5);
      for (const sug of e.suggestions) assertFromSongsFile(sug, byId, `stream ${e.type}`);
    }

    // Radio automation: the next playable song, from anywhere and after a song, with the songs file's fields.
    for (const after of ['', segment.id, cold.id]) {
      const next = await fetch(`${server.url}/v1/next?playable=1&format=json${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      assert.equal(next.status, 200);
      const song = (await next.json()) as { id: string; artist: string; title: string; uri: string | null };
      assert.notEqual(song.id, after);
      assertFromSongsFile(song, byId, `GET /v1/next?playable=1&after=${after}`);
    }
    const text = await (await fetch(`${server.url}/v1/next?playable=1&after=${encodeURIComponent(segment.id)}`)).text();
    assert.match(text, /^https:\/\/music\.example\/\S+\n$/, 'the text answer is the uri a player opens');
  } finally {
    await server.close();
  }
});
