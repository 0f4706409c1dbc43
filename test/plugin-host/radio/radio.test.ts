// Radio integrations against the real hosts (plugin-host/radio): Liquidsoap auto-DJing a folder through
// GET /v1/next, and `earshot stream --follow` tagging a live Icecast mount that drops and comes back.
// Skipped when liquidsoap/icecast2/ffmpeg are missing; EARSHOT_REQUIRE_HOSTS=1 (CI) makes that a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer } from '../../../src/server/server';
import { cosineRanking, filteredTopK } from '../../helpers/cosine-reference';
import { bundleCopy, bundleItems, DEFAULT_BUNDLE, testAudio } from '../../helpers/engine-client';
import { earshotCli, freePort, hostsOrSkip, Proc, pushToIcecast, runEarshot, startIcecast, tempDir, waitForMount } from '../../helpers/hosts';
import { repoRoot } from '../../helpers/shared';
import { makeWav } from '../../helpers/wav-writer';

const SCRIPT = path.join(repoRoot(), 'plugin-host', 'radio', 'earshot-autodj.liq');
const RATE = 22050;
/** The engine's memory of its own /v1/next answers (src/server/http-routes.ts): not repeated within 50. */
const NEXT_MEMORY = 50;

function writeClip(dir: string, name: string, seconds: number, seed: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, makeWav({ encoding: 'f32', channels: 1, sampleRateHz: RATE, values: testAudio(seconds, seed, RATE) }));
  return file;
}

test('earshot catalog add: folders recursively, names and tags, failures reported with exit 1', { timeout: 60_000 }, async (t) => {
  if (!hostsOrSkip(t, 'ffmpeg')) return;
  const dir = tempDir('catalog-add');
  fs.mkdirSync(path.join(dir, 'sub'));
  writeClip(dir, 'plain.wav', 4, 21);
  writeClip(path.join(dir, 'sub'), 'The Band - A Song.wav', 4, 22);
  // An MP3 whose ID3 tags name it (ffprobe reads them), whatever its file name.
  const enc = new Proc('ffmpeg', 'ffmpeg', ['-loglevel', 'error', '-i', path.join(dir, 'plain.wav'), '-metadata', 'artist=Ana B', '-metadata', 'title=Sunrise', path.join(dir, 'sub', 'x01.mp3')]);
  assert.equal((await enc.exited).code, 0, enc.tail());
  fs.writeFileSync(path.join(dir, 'broken.wav'), 'not audio at all');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an audio extension: ignored');
  const shipped = (await bundleItems(DEFAULT_BUNDLE)).length;
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  t.after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const r = await runEarshot(['catalog', 'add', dir, '--server', server.url, '--json']);
  assert.equal(r.code, 1, 'a failed file makes the exit status 1');
  const events = r.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.map((e) => [e.event, e.id]), [['failed', 'broken'], ['added', 'plain'], ['added', 'The Band - A Song'], ['added', 'x01'], ['summary', undefined]]);
  assert.equal(events[0].status, 415);
  assert.deepEqual(events[4], { event: 'summary', files: 4, added: 3, duplicate: 0, failed: 1, items: shipped + 3 });
  const item = (id: string): unknown => server.engine.recommender.catalog.item(server.engine.recommender.catalog.indexOf(id));
  assert.deepEqual(item('The Band - A Song'), { id: 'The Band - A Song', artist: 'The Band', title: 'A Song', uri: path.join(dir, 'sub', 'The Band - A Song.wav') });
  assert.deepEqual(item('x01'), { id: 'x01', artist: 'Ana B', title: 'Sunrise', uri: path.join(dir, 'sub', 'x01.mp3') });
  assert.match(r.lines.join('\n'), /1 of 4 files could not be added \[ERR_IO\]/);

  // `earshot catalog next`: the nearest song to `after` (its uri, or its id when it has none) that is not
  // the same recording (cosine < SAME_TRACK_COSINE), then the next nearest (the engine does not repeat
  // its recent answers); --json; an unknown id fails.
  const catalog = server.engine.recommender.catalog;
  const pi = catalog.indexOf('plain');
  const ranked = filteredTopK(catalog.factors, catalog.dims, catalog.vector(pi), 2, { exclude: new Set([pi]) }).map((h) => catalog.item(h.index));
  for (const want of ranked) {
    const next = await runEarshot(['catalog', 'next', '--after', 'plain', '--server', server.url]);
    assert.equal(next.code, 0, next.lines.join('\n'));
    assert.deepEqual(next.lines, [want.uri ?? want.id]);
  }
  const json = await runEarshot(['catalog', 'next', '--server', server.url, '--json']);
  assert.deepEqual(Object.keys(JSON.parse(json.lines[0])), ['id', 'artist', 'title', 'uri']);
  const unknown = await runEarshot(['catalog', 'next', '--after', 'no-such-song', '--server', server.url]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.lines.join('\n'), /404 unknown_track/);

  const port = await freePort();
  const down = await runEarshot(['catalog', 'add', dir, '--server', `http://127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.lines.join('\n'), new RegExp(`cannot reach the engine at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(is \`earshot serve\` running there\\?\\)`));
});

test('liquidsoap auto-DJ plays the folder in the order GET /v1/next gives (nearest not-recent neighbour)', { timeout: 90_000 }, async (t) => {
  if (!hostsOrSkip(t, 'liquidsoap')) return;
  const music = tempDir('music');
  const seconds = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    const s = 6 + (i % 3);
    seconds.set(`clip${i}`, s);
    writeClip(music, `clip${i}.wav`, s, 11 + 7 * i);
  }
  const bundle = bundleCopy(); // the catalogue grows: never models/default
  const server = await startServer({ bundleDir: bundle, port: 0 });
  t.after(async () => {
    await server.close();
    for (const d of [bundle, music]) fs.rmSync(d, { recursive: true, force: true });
  });
  const catalog = server.engine.recommender.catalog;
  const shipped = (await bundleItems(bundle)).length;

  const add = await runEarshot(['catalog', 'add', music, '--server', server.url]);
  assert.equal(add.code, 0, add.lines.join('\n'));
  assert.match(add.lines.join('\n'), new RegExp(`5 added, 0 skipped .* of 5 files; the catalogue holds ${shipped + 5} songs`));
  for (let i = 0; i < 5; i++) assert.equal(catalog.item(catalog.indexOf(`clip${i}`)).uri, path.join(music, `clip${i}.wav`));
  // Adding the folder again skips every file, with a note, and succeeds.
  const again = await runEarshot(['catalog', 'add', music, '--server', server.url]);
  assert.equal(again.code, 0);
  assert.equal(again.lines.filter((l) => /skipped clip\d: already in the catalogue/.test(l)).length, 5);

  // Faster than real time (no clock sync) into an MP3 file; the script stops itself after 8 tracks.
  // The mix goes into the music folder: the script must not play its own output.
  const mix = path.join(music, 'mix.mp3');
  const liq = new Proc('liquidsoap', 'liquidsoap', [SCRIPT], {
    env: { ...process.env, EARSHOT_SERVER: server.url, EARSHOT_MUSIC_DIR: music, EARSHOT_OUTPUT: 'file', EARSHOT_OUTPUT_FILE: mix, EARSHOT_FAST: '1', EARSHOT_MAX_TRACKS: '8' },
  });
  t.after(() => liq.stop('SIGKILL'));
  await liq.waitFor((l) => l.includes('played 8 tracks: stopping'), '8 tracks', 45_000);
  const { code } = await liq.exited;
  assert.equal(code, 0, liq.tail());

  const log = liq.lines.map((l) => /\[earshot-autodj:\d\] (.*)$/.exec(l)?.[1]).filter((l): l is string => l !== undefined);
  // Every answer the engine gave, in order: the script asks with playable=1, so it must be the nearest
  // song (cosine) to `after` that has a uri, among those not answered in the last 50 (all of them
  // recent: the nearest playable one besides `after`).
  const answers = log.map((l) => /^next after=(\S+) -> (\S+) uri=(\S*) (playable|skip)$/.exec(l)).filter((m) => m !== null);
  assert.ok(answers.length >= 3, log.join('\n'));
  const recent: string[] = [];
  for (const [, after, id, uri, verdict] of answers) {
    const ai = catalog.indexOf(after);
    assert.ok(ai >= 0, `after=${after} is not in the catalogue`);
    const exclude = new Set([ai, ...recent.map((r) => catalog.indexOf(r))]);
    // Not the same recording as `after` (cosine < SAME_TRACK_COSINE) unless nothing else is left.
    const playable = (i: number): boolean => catalog.item(i).uri !== undefined;
    const nearestPlayable = (skip: Set<number>) => filteredTopK(catalog.factors, catalog.dims, catalog.vector(ai), 1, { exclude: skip, playable })[0];
    const expected = nearestPlayable(exclude) ?? nearestPlayable(new Set([ai])) ?? cosineRanking(catalog.factors, catalog.dims, catalog.vector(ai)).find((h) => h.index !== ai && playable(h.index))!;
    assert.equal(id, catalog.item(expected.index).id, `after ${after} the engine should answer its nearest not-recent song`);
    assert.equal(uri, catalog.item(expected.index).uri ?? '', `${id}'s uri`);
    assert.equal(verdict, catalog.item(expected.index).uri ? 'playable' : 'skip');
    recent.push(id);
    if (recent.length > NEXT_MEMORY) recent.shift();
  }

  // What was played: the queued tracks in order; each one chosen by the engine came after the previous
  // one and is the nearest playable song to it among those the engine had not answered recently.
  const queued = log.map((l) => /^queued (\S+) uri=(\S+) via=(engine|folder)$/.exec(l)).filter((m) => m !== null);
  const playing = log.map((l) => /^playing (.*)$/.exec(l)?.[1]).filter((l) => l !== undefined);
  assert.equal(playing.length, 8);
  assert.deepEqual(playing, queued.slice(0, 8).map((q) => q[2]), 'tracks play in the order they were queued');
  let transitions = 0;
  let a = 0;
  for (let i = 1; i < 8; i++) {
    const [, id, , via] = queued[i];
    const prev = queued[i - 1][1];
    if (via !== 'engine') continue; // no playable answer within EARSHOT_MAX_TRIES: a folder file (logged)
    // The answers after `prev`: songs not playable here (skipped), then this track.
    while (a < answers.length && answers[a][1] !== prev) a++;
    const mine = [];
    while (a < answers.length && answers[a][1] === prev) mine.push(answers[a++]);
    assert.ok(mine.length > 0, `no /v1/next answers logged after ${prev}`);
    assert.deepEqual(mine.map((m) => m[4]), [...mine.slice(1).map(() => 'skip'), 'playable'], `answers after ${prev}`);
    assert.equal(id, mine[mine.length - 1][2], `track ${i + 1} is the engine's first playable answer after ${prev}`);
    transitions++;
  }
  t.diagnostic(`${transitions} of 7 transitions chosen by the engine, ${answers.length} answers`);
  assert.ok(transitions >= 3, `only ${transitions} transitions chosen by the engine:\n${log.join('\n')}`);

  // The audio went out: the MP3 holds the first 7 tracks at least (the 8th may be cut by the stop).
  const bytes = fs.statSync(mix).size;
  const minSeconds = playing.slice(0, 7).reduce((s, f) => s + (seconds.get(path.basename(f, '.wav')) ?? 0), 0);
  assert.ok(bytes >= 0.9 * minSeconds * (192_000 / 8), `${mix}: ${bytes} bytes for ≥ ${minSeconds} s at 192 kb/s`);
});

test('earshot stream --follow tags a live Icecast mount and picks up again after the source drops', { timeout: 90_000 }, async (t) => {
  if (!hostsOrSkip(t, 'icecast2', 'ffmpeg')) return;
  const dir = tempDir('live');
  const wav = writeClip(dir, 'live.wav', 12, 5);
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  t.after(() => server.close());
  const ice = await startIcecast();
  t.after(async () => {
    await ice.stop();
    for (const d of [dir, ice.dir]) fs.rmSync(d, { recursive: true, force: true });
  });

  let source = pushToIcecast(ice, wav, '/live.mp3');
  t.after(() => source.stop('SIGKILL'));
  await waitForMount(ice, '/live.mp3');

  const stream = earshotCli('earshot stream', [
    'stream', `${ice.url}/live.mp3`, '--follow', '--jsonl', '--server', server.url.replace(/^http/, 'ws'), '--tags', '3', '--k', '3',
  ]);
  t.after(() => stream.stop('SIGKILL'));
  const parse = (l: string): { type?: string; tags?: { tag: string; p: number }[]; windows?: number } => {
    try {
      return JSON.parse(l);
    } catch {
      return {};
    }
  };
  const taggedWindow = (l: string): boolean => {
    const e = parse(l);
    return e.type === 'window' && (e.tags?.length ?? 0) === 3 && e.tags!.every((x) => typeof x.tag === 'string' && x.p >= 0 && x.p <= 1);
  };
  await stream.waitFor(taggedWindow, '3 tagged window events', 20_000, 3);

  // The source dies: Icecast drops the mount; the stream command must notice and retry.
  await source.stop('SIGKILL');
  await waitForMount(ice, '/live.mp3', false);
  const dropAt = stream.lines.length;
  await stream.waitFor((l) => parse(l).type === 'source_reconnect', 'a source_reconnect event', 20_000, 1, dropAt);

  // Back on air: new windows arrive after a reset (the running mean starts over across the gap).
  source = pushToIcecast(ice, wav, '/live.mp3');
  await waitForMount(ice, '/live.mp3');
  await stream.waitFor((l) => parse(l).type === 'reset', 'a reset after reconnecting', 30_000, 1, dropAt);
  const resetAt = stream.lines.findIndex((l, i) => i >= dropAt && parse(l).type === 'reset');
  const after = await stream.waitFor(taggedWindow, '2 tagged windows after the reconnect', 20_000, 2, resetAt + 1);
  assert.ok(parse(after[0]).windows! <= 2, `the running mean restarted after the reconnect: ${after[0]}`);
  assert.equal(server.connections.size, 1, 'one WebSocket stream throughout: the source reconnected, not the stream');

  // Ctrl-C finalizes: a final event and exit 0.
  await stream.stop('SIGINT', 10_000);
  assert.ok(stream.lines.some((l) => parse(l).type === 'final'), stream.tail());
  assert.equal((await stream.exited).code, 0, stream.tail());
});

test('the auto-DJ goes on air through Icecast, keeps playing from the folder while the engine is down, and can be tagged', { timeout: 60_000 }, async (t) => {
  if (!hostsOrSkip(t, 'liquidsoap', 'icecast2')) return;
  const music = tempDir('onair');
  for (let i = 0; i < 3; i++) writeClip(music, `song${i}.wav`, 5, 31 + i);
  const server = await startServer({ bundleDir: DEFAULT_BUNDLE, port: 0, persistCatalog: false });
  t.after(() => server.close());
  const ice = await startIcecast();
  t.after(async () => {
    await ice.stop();
    for (const d of [music, ice.dir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const deadEngine = `http://127.0.0.1:${await freePort()}`;
  const liq = new Proc('liquidsoap', 'liquidsoap', [SCRIPT], {
    env: { ...process.env, EARSHOT_SERVER: deadEngine, EARSHOT_MUSIC_DIR: music, EARSHOT_OUTPUT: 'icecast', ICECAST_PORT: String(ice.port), ICECAST_PASSWORD: ice.password, ICECAST_MOUNT: '/autodj.mp3' },
  });
  t.after(() => liq.stop('SIGKILL'));
  await waitForMount(ice, '/autodj.mp3', true, 20_000);
  await liq.waitFor((l) => /\[earshot-autodj:\d\] next after=song\d failed: /.test(l), 'the engine failure logged', 15_000);
  await liq.waitFor((l) => /\[earshot-autodj:\d\] queued song\d uri=\S+ via=folder$/.test(l), 'two folder tracks', 15_000, 2);

  const stream = earshotCli('earshot stream', ['stream', `${ice.url}/autodj.mp3`, '--jsonl', '--server', server.url, '--tags', '2']);
  t.after(() => stream.stop('SIGKILL'));
  await stream.waitFor((l) => l.includes('"type":"window"') && /"tags":\[\{"tag":"[^"]+","p":[\d.e-]+\},\{"tag"/.test(l), '2 tagged windows from the auto-DJ mount', 20_000, 2);
  await stream.stop('SIGINT', 10_000);
  assert.equal((await stream.exited).code, 0, stream.tail());
});
