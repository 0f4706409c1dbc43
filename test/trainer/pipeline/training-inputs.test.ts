/**
 * The two builders of TrainingData: userTrainingData (a plays file, a music folder, a songs file) and
 * worldTrainingData (a benchmark world). Songs, audio paths and problems against what the test laid
 * out by hand; input digests against sha256 of the bytes and against changes to the audio listing; the
 * plays layouts a user may bring (triplets, a reordered CSV, its .gz) all read as the same matrices.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { EarshotError } from '../../../src/errors';
import { loadInteractions } from '../../../trainer/data/interactions';
import type { SongEntry } from '../../../trainer/pipeline/training-data';
import { userTrainingData } from '../../../trainer/pipeline/user-data';
import { worldTrainingData } from '../../../trainer/pipeline/world-data';
import { SONGS_TSV_HEADER } from '../../../trainer/world/world-files';
import { assertSameMatrices } from '../../helpers/plays-reference';
import { tempFiles } from '../../helpers/temp-files';

const { dir, write } = tempFiles('training-inputs');
const sha256 = (bytes: string | Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');
const isCode = (code: string, pattern: RegExp) => (err: unknown) => err instanceof EarshotError && err.code === code && pattern.test(err.message);

/** The user's folder: files in subfolders, one stem twice, a hidden folder and a non-audio file. */
const PLAYS = 'u1\tx\t3\nu1\ty\t1\nu2\tc\t2\nu2\tghost\t5\n';
const plays = write('own/plays.tsv', PLAYS);
const music = path.join(dir, 'own', 'music');
const xFirst = write('own/music/a/x.wav', 'RIFF');
const xSecond = write('own/music/b/x.flac', 'fLaC');
const c = write('own/music/c.mp3', 'ID3');
const y = write('own/music/sub/deeper/y.ogg', 'OggS');
write('own/music/.hidden/z.wav', 'RIFF');
write('own/music/notes.txt', 'not audio');
const elsewhere = write('elsewhere/track 9.opus', 'OggS');

const bare = (id: string, audio: string | null): SongEntry => ({ id, audio, artist: '', title: '', uri: '', tags: [] });

describe('userTrainingData', () => {
  test('without a songs file: every audio file is a song named by its stem; a repeated stem keeps the first path', async () => {
    const d = await userTrainingData({ plays, audio: music });
    assert.deepEqual(d.songs, [bare('c', c), bare('x', xFirst), bare('y', y)]);
    assert.deepEqual(d.problems, [{ kind: 'duplicate-stem', id: 'x', path: xSecond, message: `two audio files have the stem "x": using "${xFirst}", not "${xSecond}" (a songs file's path column can choose)` }]);
    assert.deepEqual(d.plays, { path: plays, format: 'auto' });
    assert.equal(d.source, plays);
    assert.equal(d.inputHashes.plays, sha256(PLAYS));
    assert.equal(d.inputHashes.songs, undefined);
    assert.match(d.inputHashes.audio, /^[0-9a-f]{64}$/);
  });

  test('with a songs file: its songs only, each by its path (relative or absolute) or by stem; missing audio listed with file:line', async () => {
    const songsText = [
      'id\tartist\ttitle\tpath\turi\ttags\tbpm',
      'y\tA\tWhy\tsub/deeper/y.ogg\thttps://example.com/y\tambient, calm\t90',
      'spotify:track:9\tB\tNine\t' + elsewhere + '\t\trock\t120',
      'x\tC\tEx\t\t\t\t100',
      'gone\tD\tGone\tnowhere/gone.wav\t\t\t80',
      'nostem\tE\tNo\t\t\t\t70',
    ].join('\n');
    const songs = write('own/songs.tsv', songsText);
    const d = await userTrainingData({ plays, audio: music, songs, format: 'triplets' });
    assert.deepEqual(d.songs, [
      { id: 'gone', audio: null, artist: 'D', title: 'Gone', uri: '', tags: [] },
      { id: 'nostem', audio: null, artist: 'E', title: 'No', uri: '', tags: [] },
      { id: 'spotify:track:9', audio: elsewhere, artist: 'B', title: 'Nine', uri: '', tags: ['rock'] },
      { id: 'x', audio: xFirst, artist: 'C', title: 'Ex', uri: '', tags: [] },
      { id: 'y', audio: y, artist: 'A', title: 'Why', uri: 'https://example.com/y', tags: ['ambient', 'calm'] },
    ], 'c.mp3 is not in the songs file, so it is no song');
    const gone = path.join(music, 'nowhere', 'gone.wav');
    assert.deepEqual(d.problems, [
      { kind: 'duplicate-stem', id: 'x', path: xSecond, message: `two audio files have the stem "x": using "${xFirst}", not "${xSecond}" (a songs file's path column can choose)` },
      { kind: 'audio-missing', id: 'gone', path: gone, message: `${songs}:5: song "gone": no file "${gone}"` },
      { kind: 'audio-missing', id: 'nostem', message: `${songs}:6: song "nostem": no audio file nostem.<wav|flac|mp3|ogg|opus|m4a> under "${music}"` },
    ]);
    assert.equal(d.inputHashes.songs, sha256(songsText));
    assert.equal(d.plays.format, 'triplets');
  });

  test('the audio digest follows the listing: same folder, same digest; a touched, added or renamed file changes it', async () => {
    const folder = path.join(dir, 'digest');
    fs.cpSync(music, folder, { recursive: true });
    const digest = async () => (await userTrainingData({ plays, audio: folder })).inputHashes.audio;
    const first = await digest();
    assert.equal(await digest(), first);
    const seen = new Set([first]);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(folder, 'c.mp3'), later, later);
    seen.add(await digest());
    fs.writeFileSync(path.join(folder, 'new.wav'), 'RIFF');
    seen.add(await digest());
    fs.renameSync(path.join(folder, 'new.wav'), path.join(folder, 'renamed.wav'));
    seen.add(await digest());
    fs.appendFileSync(path.join(folder, 'renamed.wav'), 'more bytes');
    seen.add(await digest());
    assert.equal(seen.size, 5, 'each change gave a new digest');
  });

  test('a Taste-Profile file, a CSV with reordered columns and its .gz read as the same plays', async () => {
    const csv = 'plays,track_id,user_id,country\n3,x,u1,FR\n1,y,u1,FR\n2,c,u2,DE\n5,ghost,u2,DE\n';
    const sources = [plays, write('own/plays.csv', csv), write('own/plays.csv.gz', zlib.gzipSync(csv))];
    const loaded = [];
    for (const p of sources) {
      const d = await userTrainingData({ plays: p, audio: music });
      loaded.push(await loadInteractions(d.plays.path, { format: d.plays.format }));
    }
    assertSameMatrices(loaded[1], loaded[0]);
    assertSameMatrices(loaded[2], loaded[0]);
  });

  test('refuses a missing plays file or audio folder, a bad format, a bad songs file', async () => {
    await assert.rejects(userTrainingData({ plays: path.join(dir, 'none.tsv'), audio: music }), isCode('ERR_INVALID_ARGUMENT', /--plays ".*none\.tsv" does not exist/));
    await assert.rejects(userTrainingData({ plays: music, audio: music }), isCode('ERR_INVALID_ARGUMENT', /--plays ".*music" is not a file/));
    await assert.rejects(userTrainingData({ plays, audio: c }), isCode('ERR_INVALID_ARGUMENT', /--audio ".*c\.mp3" is not a folder \(give the folder/));
    await assert.rejects(userTrainingData({ plays, audio: path.join(dir, 'nope') }), isCode('ERR_INVALID_ARGUMENT', /--audio ".*nope" does not exist/));
    await assert.rejects(userTrainingData({ plays, audio: music, format: 'csv' as 'auto' }), isCode('ERR_INVALID_ARGUMENT', /format must be auto, triplets, columns or hetrec, got "csv"/));
    const bad = write('own/bad-songs.tsv', 'id\turi\nq\tdata:text/html,x\n');
    await assert.rejects(userTrainingData({ plays, audio: music, songs: bad }), isCode('ERR_SONGS_FORMAT', /bad-songs\.tsv:2: song "q": uri scheme "data:" is not allowed/));
    const empty = path.join(dir, 'empty-music');
    fs.mkdirSync(empty);
    await assert.rejects(userTrainingData({ plays, audio: empty }), isCode('ERR_INVALID_ARGUMENT', /no audio files .* in ".*empty-music" or its subfolders/));
  });
});

describe('worldTrainingData', () => {
  const world = path.join(dir, 'world');
  const row = (id: string, style: string, moods: string) => [id, `Artist ${id}`, `Title ${id}`, style, '120', 'C', 'major', 'piano,drums', moods].join('\t');
  const songsTsv = [SONGS_TSV_HEADER.join('\t'), row('SO2', 'techno', 'dark,driving'), row('SO1', 'folk', ''), row('SO3', 'jazz', 'calm')].join('\n') + '\n';
  write('world/songs.tsv', songsTsv);
  write('world/plays.tsv', 'u\tSO1\t2\n');
  for (const id of ['SO1', 'SO2']) write(`world/audio/${id}.wav`, 'RIFF');

  test('songs.tsv rows become songs: tags = style then moods, audio/<id>.wav, no uri; a missing clip is a problem', () => {
    const d = worldTrainingData(world);
    const wav = (id: string) => path.resolve(world, 'audio', `${id}.wav`);
    assert.deepEqual(d.songs, [
      { id: 'SO1', audio: wav('SO1'), artist: 'Artist SO1', title: 'Title SO1', uri: '', tags: ['folk'] },
      { id: 'SO2', audio: wav('SO2'), artist: 'Artist SO2', title: 'Title SO2', uri: '', tags: ['techno', 'dark', 'driving'] },
      { id: 'SO3', audio: null, artist: 'Artist SO3', title: 'Title SO3', uri: '', tags: ['jazz', 'calm'] },
    ]);
    assert.deepEqual(d.problems, [{ kind: 'audio-missing', id: 'SO3', path: wav('SO3'), message: `${path.join(world, 'songs.tsv')}:4: song "SO3": no file "${wav('SO3')}"` }]);
    assert.deepEqual(d.plays, { path: path.resolve(world, 'plays.tsv'), format: 'triplets' });
    assert.equal(d.source, world);
    assert.deepEqual([d.inputHashes.plays, d.inputHashes.songs], [sha256('u\tSO1\t2\n'), sha256(songsTsv)]);
  });

  test('a folder that is no world: ERR_IO with a hint', () => {
    assert.throws(() => worldTrainingData(music), isCode('ERR_IO', /songs\.tsv.*ENOENT \(is --world a benchmark world directory\?\)/));
  });
});
