/**
 * `earshot-train game-music` end to end on a fake extracted-package tree made by ffmpeg
 * (helpers/fake-game-music.ts): the songs files' columns and splits, clips decoded by the project's
 * loader (mono 22,050 Hz, --clip-seconds long, cut where clipStartS says: the chirp's zero crossings
 * give the clip's start in closed form), the songs file readable by `model --songs`'s parser, and the
 * refusals of bad invocations.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadAudio } from '../../../src/audio/load';
import { readSongsFile } from '../../../trainer/pipeline/songs-file';
import { GAME_MUSIC_PACKAGES } from '../../../trainer/sources/game-music-packages';
import { assertCliRefuses } from '../../helpers/cli-refusals';
import { buildFakeGameMusic, chirpCycles, FAKE_TRACKS } from '../../helpers/fake-game-music';
import { hostsOrSkip } from '../../helpers/hosts';
import { distPath } from '../../helpers/shared';
import { tempFiles } from '../../helpers/temp-files';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const { dir: tmp } = tempFiles('game-music-cmd');
const COLUMNS = ['id', 'path', 'artist', 'title', 'tags', 'soundtrack', 'album', 'genre', 'package', 'version', 'file', 'split'];

function readTsv(file: string): Record<string, string>[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(header.split('\t'), COLUMNS, `${file} header`);
  return rows.map((r) => {
    const f = r.split('\t');
    assert.equal(f.length, COLUMNS.length, r);
    return Object.fromEntries(COLUMNS.map((c, i) => [c, f[i]]));
  });
}

test('game-music: clips and songs files from a package tree, split as asked', async (t) => {
  if (!hostsOrSkip(t, 'ffmpeg', 'ffprobe')) return;
  const root = path.join(tmp, 'packages');
  await buildFakeGameMusic(root);
  const out = path.join(tmp, 'out');
  const clipS = 5;
  // pingus held out whole; widelands' 3 pieces lose max(1, round(3 × 0.34)) = 1; supertuxkart's 2 none.
  const { stdout } = await run(process.execPath, [CLI, 'game-music', '--packages', root, '--out', out, '--clip-seconds', String(clipS), '--hold-out-soundtracks', 'pingus-data', '--test-fraction', '0.34', '--seed', '3', '--json']);
  const s = JSON.parse(stdout);
  assert.deepEqual(
    { tracks: s.tracks, train: s.train, heldOutTracks: s.heldOutTracks, heldOutSoundtrackTracks: s.heldOutSoundtrackTracks, heldOutSoundtracks: s.heldOutSoundtracks, trainSoundtracks: s.trainSoundtracks },
    { tracks: 6, train: 4, heldOutTracks: 1, heldOutSoundtrackTracks: 1, heldOutSoundtracks: ['pingus'], trainSoundtracks: ['supertuxkart', 'widelands'] },
  );
  assert.deepEqual(s.missingPackages, GAME_MUSIC_PACKAGES.map((p) => p.name).filter((n) => !['supertuxkart-data', 'widelands-data', 'pingus-data'].includes(n)));

  const train = readTsv(path.join(out, 'songs.tsv'));
  const held = readTsv(path.join(out, 'held-out.tsv'));
  assert.deepEqual(train.map((r) => r.split), ['train', 'train', 'train', 'train']);
  assert.deepEqual(held.map((r) => [r.package, r.split]), [['widelands-data', 'held-out-track'], ['pingus-data', 'held-out-soundtrack']]);
  const rows = [...train, ...held];
  const version = new Map(GAME_MUSIC_PACKAGES.map((p) => [p.name, p.version]));
  const expected = new Map(FAKE_TRACKS.map((x) => [x.file, x]));
  assert.deepEqual(rows.map((r) => r.file).sort(), [...expected.keys()].sort(), 'every track once');
  for (const r of rows) {
    const want = expected.get(r.file)!;
    const stem = path.basename(r.file).replace(/\.[^.]+$/, '').replace(/_fast$/, '').toLowerCase();
    assert.equal(r.id, `gm-${want.package.replace(/-data$/, '')}-${stem}`);
    assert.equal(r.path, `audio/${r.id}.flac`);
    assert.deepEqual([r.artist, r.title, r.album, r.genre, r.tags], [want.artist, want.title, want.album, want.genre, want.genre], r.id);
    assert.deepEqual([r.package, r.soundtrack, r.version], [want.package, want.package.replace(/-data$/, ''), version.get(want.package)]);
  }
  assert.deepEqual(fs.readdirSync(path.join(out, 'audio')).sort(), rows.map((r) => `${r.id}.flac`).sort(), 'one clip per song, nothing else');

  // Every clip: mono 22,050 Hz, exactly clipS seconds (the shortest track is 16 s, the clip fits).
  for (const r of rows) {
    const a = await loadAudio(path.join(out, r.path), { sampleRateHz: 22050 });
    assert.equal(a.sourceChannels, 1, r.id);
    assert.equal(a.sourceRateHz, 22050, r.id);
    assert.equal(a.samples.length, clipS * 22050, `${r.id}: ${a.samples.length} samples`);
  }
  // The chirp (19 s) is cut at clipStartS(19, 5) = 5.7 s: 3,050 cycles in [5.7, 10.7) s, against
  // 1,625 from 0 s or 5,125 from the end (14 s). A cycle is two zero crossings.
  const chirp = (await loadAudio(path.join(out, 'audio', 'gm-supertuxkart-race1.flac'), { sampleRateHz: 22050 })).samples;
  let crossings = 0;
  for (let i = 1; i < chirp.length; i++) if ((chirp[i - 1] < 0) !== (chirp[i] < 0)) crossings++;
  const want = chirpCycles(5.7, 5.7 + clipS);
  assert.ok(Math.abs(crossings / 2 - want) < 5, `${crossings / 2} cycles, want ${want}`);

  // The songs file is one `earshot-train model --songs` reads: ids, paths, artists, titles and tags.
  const parsed = readSongsFile(path.join(out, 'songs.tsv')).rows;
  assert.deepEqual(parsed.map((p) => [p.id, p.path, p.artist, p.title, p.tags.join(',')]), train.map((r) => [r.id, r.path, r.artist, r.title, r.tags]));

  // The same invocation again: --out is no longer empty.
  await assertCliRefuses(CLI, [
    [['game-music', '--packages', root, '--out', out], /^earshot-train game-music: --out .*out is not empty \[ERR_INVALID_ARGUMENT\]$/m, 2],
    [['game-music', '--packages', root, '--out', path.join(tmp, 'out-2'), '--hold-out-soundtracks', 'wesnoth-music'], /--hold-out-soundtracks: no music found for package wesnoth-music \(found: pingus-data, supertuxkart-data, widelands-data\) \[ERR_INVALID_ARGUMENT\]/, 2],
  ]);
});

test('game-music: bad invocations exit 2 naming the problem', async () => {
  const missing = path.join(tmp, 'no-such-folder');
  await assertCliRefuses(CLI, [
    [['game-music', '--packages', missing, '--out', path.join(tmp, 'o1')], new RegExp(`--packages ${missing} is not a folder of extracted packages \\(dpkg -x PKG\\.deb DIR/PKG\\) \\[ERR_INVALID_ARGUMENT\\]`), 2],
    [['game-music', '--out', path.join(tmp, 'o2')], /--packages and --out are required/, 2],
    [['game-music', '--packages', tmp], /--packages and --out are required/, 2],
    [['game-music', '--packages', tmp, '--out', path.join(tmp, 'o3'), '--clip-seconds', '0'], /clip-seconds/, 2],
    [['game-music', '--packages', tmp, '--out', path.join(tmp, 'o4'), '--test-fraction', '0.95'], /test-fraction/, 2],
    [['game-music', '--packages', tmp, '--out', path.join(tmp, 'o5'), '--seed', 'x'], /seed/, 2],
    [['game-music', '--packages', tmp, '--out', path.join(tmp, 'o6'), '--bogus'], /bogus/, 2],
  ]);
  // Nothing was created by a refused run.
  assert.ok(['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].every((o) => !fs.existsSync(path.join(tmp, o))));
});
