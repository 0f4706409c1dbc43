/**
 * The game-music source (trainer/sources/game-music.ts, game-music-packages.ts): a scan of a fake
 * extracted-package tree made by ffmpeg (helpers/fake-game-music.ts) finds exactly the music the
 * package rules describe; splits are per package, whole for held-out soundtracks, never part of a
 * piece, seeded; the clip start has its closed form.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../../trainer/eval/prng';
import { clipStartS, scanGameMusic, splitTracks, type MusicTrack } from '../../../trainer/sources/game-music';
import { GAME_MUSIC_PACKAGES, MIN_RENDERED_BYTES, pieceKey, soundtrackOf } from '../../../trainer/sources/game-music-packages';
import { buildFakeGameMusic, FAKE_REJECTS, FAKE_TRACKS } from '../../helpers/fake-game-music';
import { hostsOrSkip } from '../../helpers/hosts';
import { tempFiles } from '../../helpers/temp-files';

const { dir: tmp } = tempFiles('game-music');

describe('scanGameMusic on a fake package tree', () => {
  const root = path.join(tmp, 'packages');
  let built: Promise<void> | null = null;
  const tree = () => (built ??= buildFakeGameMusic(root));

  test('music files of the music folders are found; effects, jingles, small files and other packages are not', async (t) => {
    if (!hostsOrSkip(t, 'ffmpeg', 'ffprobe')) return;
    await tree();
    // The premises: each rejected file fails exactly its own rule.
    const size = (rel: string) => fs.statSync(path.join(root, rel)).size;
    for (const rel of FAKE_REJECTS) assert.ok(fs.existsSync(path.join(root, rel)), rel);
    assert.ok(size(FAKE_REJECTS[1]) > MIN_RENDERED_BYTES && size(FAKE_REJECTS[4]) > MIN_RENDERED_BYTES && size(FAKE_REJECTS[5]) > MIN_RENDERED_BYTES, 'the jingle, the effect and pingus\' rendering are big enough');
    assert.ok(size(FAKE_REJECTS[2]) < MIN_RENDERED_BYTES && size(FAKE_REJECTS[3]) > MIN_RENDERED_BYTES, 'tiny.wav small, readme.txt big');
    assert.ok(size('pingus-data' + FAKE_TRACKS[0].file) < 5000, 'the module is small');
    assert.ok(size('supertuxkart-data' + FAKE_TRACKS[1].file) > MIN_RENDERED_BYTES, 'menu.flac over 0.5 MB');

    const progress: [number, number][] = [];
    const { tracks, missing } = await scanGameMusic(root, (d, n) => progress.push([d, n]));
    // 8 candidates pass the path and size rules (the 6 tracks, race1.wav and the jingle); all are probed.
    assert.deepEqual(progress, Array.from({ length: 8 }, (_, i) => [i + 1, 8]));
    const got = tracks.slice().sort((a, b) => (a.package + a.file < b.package + b.file ? -1 : 1));
    assert.deepEqual(got.map((x) => [x.package, x.file]), FAKE_TRACKS.map((x) => [x.package, x.file]));
    got.forEach((x, i) => {
      const want = FAKE_TRACKS[i];
      assert.deepEqual([x.title, x.artist, x.album, x.genre], [want.title, want.artist, want.album, want.genre], x.file);
      assert.ok(Math.abs(x.durationS - want.durationS) < 0.05, `${x.file}: ${x.durationS} s`);
      assert.equal(x.source, path.join(root, x.package, ...x.file.split('/')));
      assert.equal(x.soundtrack, x.package.replace(/-data$/, ''));
      assert.equal(x.piece, `${x.package}/${path.basename(x.file).replace(/\.[^.]+$/, '').replace(/_fast$/, '').toLowerCase()}`);
    });
    assert.equal(new Set(got.map((x) => x.piece)).size, got.length, 'one file per piece');
    assert.deepEqual(missing, GAME_MUSIC_PACKAGES.map((p) => p.name).filter((n) => !['supertuxkart-data', 'widelands-data', 'pingus-data'].includes(n)));
    assert.equal(missing.length, GAME_MUSIC_PACKAGES.length - 3);

    // Split of the scanned tracks: a piece is in one split only, since a piece is one track.
    const split = splitTracks(tracks, { seed: 1, testFraction: 0.5, holdOutSoundtracks: ['pingus-data'] });
    assert.equal(split.size, tracks.length);
    assert.equal(split.get(tracks.find((x) => x.package === 'pingus-data')!), 'held-out-soundtrack');
  });

  test('a folder without game music, a missing folder and a file are refused', async (t) => {
    if (!hostsOrSkip(t, 'ffprobe')) return;
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(path.join(empty, 'wesnoth-music'), { recursive: true });
    await assert.rejects(scanGameMusic(empty), { code: 'ERR_INVALID_ARGUMENT', message: `no game music under ${empty}: expected extracted packages such as ${empty}/supertuxkart-data/usr/share/games/...` });
    const nowhere = path.join(tmp, 'nowhere');
    await assert.rejects(scanGameMusic(nowhere), { code: 'ERR_INVALID_ARGUMENT', message: `--packages ${nowhere} is not a folder of extracted packages (dpkg -x PKG.deb DIR/PKG)` });
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    await assert.rejects(scanGameMusic(file), { code: 'ERR_INVALID_ARGUMENT', message: /a-file is not a folder of extracted packages/ });
  });
});

test('pieceKey and soundtrackOf: closed forms', () => {
  assert.equal(pieceKey('supertuxkart-data', '/usr/share/games/supertuxkart/data/music/Race1_Fast.ogg'), 'supertuxkart-data/race1');
  for (const f of ['/m/race1.ogg', '/m/race1-f.ogg', '/m/race1_f.ogg', '/m/race1-fast.ogg', '/m/race1.it']) assert.equal(pieceKey('p', f), 'p/race1', f);
  for (const [f, key] of [['/m/breakfast.ogg', 'p/breakfast'], ['/m/fast.ogg', 'p/fast'], ['/m/track_of.ogg', 'p/track_of']]) assert.equal(pieceKey('p', f), key);
  assert.deepEqual(['supertuxkart-data', 'flare-game', 'colobot-common-sounds', 'lincity-ng-data', 'hyperrogue'].map(soundtrackOf), ['supertuxkart', 'flare', 'colobot', 'lincity-ng', 'hyperrogue']);
});

/** n distinct tracks (one piece each) of package `pkg`. */
function fakeTracks(pkg: string, n: number): MusicTrack[] {
  return Array.from({ length: n }, (_, i) => {
    const file = `/music/t${String(i).padStart(3, '0')}.ogg`;
    return { package: pkg, soundtrack: soundtrackOf(pkg), file, source: `/x/${pkg}${file}`, piece: pieceKey(pkg, file), durationS: 60, title: '', artist: '', album: '', genre: '' };
  });
}

function countsBy(split: Map<MusicTrack, string>, pkg: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [t, s] of split) if (t.package === pkg) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe('splitTracks', () => {
  const sizes: Record<string, number> = { 'a-data': 1, 'b-data': 2, 'c-data': 3, 'd-data': 5, 'e-data': 10, 'f-data': 24, 'g-data': 6 };
  const tracks = Object.entries(sizes).flatMap(([p, n]) => fakeTracks(p, n));

  test('named soundtracks wholly held out; of the others round(n × fraction) pieces, at least 1 from 3 pieces on', () => {
    const split = splitTracks(tracks, { seed: 1, testFraction: 0.2, holdOutSoundtracks: ['e-data', 'a-data'] });
    assert.equal(split.size, tracks.length);
    assert.deepEqual(countsBy(split, 'e-data'), { 'held-out-soundtrack': 10 });
    assert.deepEqual(countsBy(split, 'a-data'), { 'held-out-soundtrack': 1 });
    const want: Record<string, number> = { 'b-data': 0, 'c-data': 1, 'd-data': 1, 'f-data': 5, 'g-data': 1 }; // round(24 × 0.2) = 5; round(6 × 0.2) = 1
    for (const [p, held] of Object.entries(want)) {
      const c = countsBy(split, p);
      assert.equal(c['held-out-soundtrack'], undefined, p);
      assert.equal(c['held-out-track'] ?? 0, held, p);
      assert.equal(c.train, sizes[p] - held, p);
    }
  });

  test('N soundtracks drawn by the seed among those with at least 6 pieces', () => {
    const drawn = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const split = splitTracks(tracks, { seed, testFraction: 0.2, holdOutSoundtracks: 2 });
      const held = Object.keys(sizes).filter((p) => countsBy(split, p)['held-out-soundtrack'] === sizes[p]);
      assert.equal(held.length, 2, `seed ${seed}: ${held}`);
      for (const p of held) {
        assert.ok(sizes[p] >= 6, `seed ${seed} held out ${p} of ${sizes[p]} pieces`);
        drawn.add(p);
      }
    }
    assert.deepEqual([...drawn].sort(), ['e-data', 'f-data', 'g-data'], 'every eligible package gets drawn by some seed');
    // More than are eligible: all three eligible ones.
    const all = splitTracks(tracks, { seed: 4, testFraction: 0.2, holdOutSoundtracks: 9 });
    assert.deepEqual(Object.keys(sizes).filter((p) => countsBy(all, p)['held-out-soundtrack']), ['e-data', 'f-data', 'g-data']);
  });

  test('seeded: the same seed and input order-independent, another seed a different draw', () => {
    const o = { seed: 7, testFraction: 0.3, holdOutSoundtracks: 1 };
    const byFile = (m: Map<MusicTrack, string>) => [...m].map(([t, s]) => `${t.package}${t.file} ${s}`).sort();
    const a = byFile(splitTracks(tracks, o));
    assert.deepEqual(byFile(splitTracks(tracks, o)), a);
    const rand = mulberry32(2);
    const shuffledInput = tracks.map((t) => ({ t, k: rand() })).sort((x, y) => x.k - y.k).map((x) => x.t);
    assert.deepEqual(byFile(splitTracks(shuffledInput, o)), a, 'the input order does not change the split');
    assert.notDeepEqual(byFile(splitTracks(tracks, { ...o, seed: 8 })), a);
  });

  test('versions of one piece stay together', () => {
    // Each of 12 pieces in two versions (a module and its rendering): any split keeps them together.
    const pkg = 'h-data';
    const versions = Array.from({ length: 12 }, (_, i) => [`/music/p${i}.it`, `/music/p${i}_fast.ogg`]).flat().map((file) => ({ ...fakeTracks(pkg, 1)[0], file, source: `/x${file}`, piece: pieceKey(pkg, file) }));
    for (let seed = 0; seed < 10; seed++) {
      const split = splitTracks(versions, { seed, testFraction: 0.25, holdOutSoundtracks: [] });
      const byPiece = new Map<string, Set<string>>();
      for (const [t, s] of split) (byPiece.get(t.piece) ?? byPiece.set(t.piece, new Set()).get(t.piece)!).add(s);
      for (const [piece, s] of byPiece) assert.equal(s.size, 1, `seed ${seed}: ${piece} in ${[...s]}`);
      assert.equal([...split.values()].filter((s) => s === 'held-out-track').length, 2 * 3, 'round(12 pieces × 0.25) = 3 pieces held out');
    }
    // 5 pieces in 10 files is not the 6 pieces a drawn held-out soundtrack needs.
    const five = versions.slice(0, 10);
    assert.ok([...splitTracks(five, { seed: 1, testFraction: 0.2, holdOutSoundtracks: 1 }).values()].every((s) => s !== 'held-out-soundtrack'));
    assert.ok([...splitTracks(versions.slice(0, 12), { seed: 1, testFraction: 0.2, holdOutSoundtracks: 1 }).values()].every((s) => s === 'held-out-soundtrack'));
  });

  test('a named soundtrack without music is refused, naming the ones found', () => {
    assert.throws(() => splitTracks(tracks, { seed: 1, testFraction: 0.2, holdOutSoundtracks: ['zz-data'] }), {
      code: 'ERR_INVALID_ARGUMENT', message: '--hold-out-soundtracks: no music found for package zz-data (found: a-data, b-data, c-data, d-data, e-data, f-data, g-data)',
    });
  });
});

test('clipStartS: 30 % in, never past the end, never before 0 (closed form)', () => {
  assert.equal(clipStartS(100, 30), 30);
  assert.equal(clipStartS(40, 30), 10); // 30 % would be 12 s; the clip must end by 40 s
  assert.equal(clipStartS(30, 30), 0);
  assert.equal(clipStartS(20, 30), 0); // shorter than a clip: all of it
  assert.ok(Math.abs(clipStartS(19, 5) - 5.7) < 1e-12);
  assert.ok(Math.abs(clipStartS(23.04, 5) - 6.912) < 1e-12);
});
