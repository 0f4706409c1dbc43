/**
 * `earshot-train listeners` end to end: a small songs file in, play triplets out that the trainer's own
 * play-count parser reads (trainer/data/triplet-parser.ts), equal to simulateLabelListeners on the
 * labels as written here (so the command reads the right columns, seed, users and weights), the JSON
 * summary matching the file, and the refusals of bad --by, songs files and options.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { TripletParser } from '../../../trainer/data/triplet-parser';
import { simulateLabelListeners, type LabelledSong } from '../../../trainer/sources/label-listeners';
import { assertCliRefuses } from '../../helpers/cli-refusals';
import { distPath } from '../../helpers/shared';
import { tempFiles } from '../../helpers/temp-files';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const { dir: tmp, write } = tempFiles('listeners-cmd');

// 3 soundtracks × 4 songs; column order and case differ from the --by order; empty album fields.
const HEADER = ['ID', 'path', 'Genre', 'soundtrack', 'artist', 'album'];
const SONGS = Array.from({ length: 12 }, (_, i) => ({
  id: `s${i}`, path: `audio/s${i}.flac`, genre: i % 3 === 0 ? '' : `g${i % 2}`, soundtrack: `st${Math.floor(i / 4)}`, artist: `a${i % 5}`, album: i < 6 ? 'first' : '',
}));
const songsFile = write('songs.tsv', [HEADER.join('\t'), ...SONGS.map((s) => [s.id, s.path, s.genre, s.soundtrack, s.artist, s.album].join('\t'))].join('\n') + '\n');

/** The songs' labels as the doc describes them: "column:value" per non-empty field, in `columns` order. */
function labelled(columns: readonly (keyof (typeof SONGS)[number])[]): LabelledSong[] {
  return SONGS.map((s) => ({ id: s.id, labels: columns.filter((c) => s[c] !== '').map((c) => `${c}:${s[c]}`) }));
}

function parsePlays(file: string): [string, string, number][] {
  const p = new TripletParser({ format: 'triplets', name: file });
  p.push(fs.readFileSync(file));
  const r = p.end();
  const users = r.users.ids();
  const items = r.items.ids();
  return Array.from({ length: r.coo.length }, (_, j) => [users[r.coo.users[j]], items[r.coo.items[j]], r.coo.counts[j]]);
}

test('listeners: triplets the play parser reads, equal to the simulation on the labels, summary to match', async () => {
  const out = path.join(tmp, 'plays.tsv');
  const { stdout } = await run(process.execPath, [CLI, 'listeners', '--songs', songsFile, '--out', out, '--users', '40', '--seed', '5', '--json']);
  const plays = parsePlays(out);
  // The default --by is soundtrack, artist, album, genre (in that order).
  assert.deepEqual(plays, simulateLabelListeners(labelled(['soundtrack', 'artist', 'album', 'genre']), { users: 40, seed: 5 }));
  assert.equal(new Set(plays.map((p) => p[0])).size, 40);
  assert.ok(plays.every(([, s, c]) => SONGS.some((x) => x.id === s) && Number.isInteger(c) && c > 0));
  assert.deepEqual(JSON.parse(stdout), {
    out, users: 40, songs: 12, played: new Set(plays.map((p) => p[1])).size, plays: plays.length, playCounts: plays.reduce((a, p) => a + p[2], 0),
  });

  // --by picks the columns and weights (names without case); the text summary names the counts.
  const out2 = path.join(tmp, 'plays-by.tsv');
  const text = await run(process.execPath, [CLI, 'listeners', '--songs', songsFile, '--out', out2, '--users', '25', '--by', 'Soundtrack=2, genre']);
  const byPlays = parsePlays(out2);
  assert.deepEqual(byPlays, simulateLabelListeners(labelled(['soundtrack', 'genre']), { users: 25, seed: 1, facetWeights: { soundtrack: 2, genre: 1 } }));
  assert.equal(text.stdout, `${out2}: 25 listeners, ${byPlays.length} (user, song) pairs over ${new Set(byPlays.map((p) => p[1])).size} of 12 songs\n`);
});

test('listeners: bad --by, songs files and options are refused naming the problem', async () => {
  const out = path.join(tmp, 'refused.tsv');
  const noId = write('no-id.tsv', 'key\tsoundtrack\nx\ty\n');
  const twice = write('twice.tsv', 'id\tsoundtrack\na\tx\nb\ty\na\tz\n');
  const emptyId = write('empty-id.tsv', 'id\tsoundtrack\na\tx\n\ty\n');
  const one = write('one.tsv', 'id\tsoundtrack\na\tx\n');
  const noLabels = write('no-labels.tsv', 'id\tstyle\na\tx\nb\ty\n');
  await assertCliRefuses(CLI, [
    [['listeners', '--songs', songsFile, '--out', out, '--by', 'soundtrack,genre=0'], /--by: "genre=0" is not COLUMN or COLUMN=weight with a weight > 0 \[ERR_INVALID_ARGUMENT\]/, 2],
    [['listeners', '--songs', songsFile, '--out', out, '--by', 'soundtrack=lots'], /--by: "soundtrack=lots" is not COLUMN/, 2],
    [['listeners', '--songs', songsFile, '--out', out, '--by', '9th,artist'], /--by: "9th" is not COLUMN/, 2],
    [['listeners', '--songs', songsFile, '--out', out, '--by', ' , '], /--by names no column \[ERR_INVALID_ARGUMENT\]/, 2],
    [['listeners', '--songs', songsFile, '--out', out, '--by', 'soundtrack,composer'], new RegExp(`${songsFile}:1: the header has no composer column \\(it has id, path, genre, soundtrack, artist, album\\) \\[ERR_SONGS_FORMAT\\]`), 1],
    [['listeners', '--songs', noId, '--out', out, '--by', 'soundtrack'], /no-id\.tsv:1: the header has no id column \[ERR_SONGS_FORMAT\]/, 1],
    [['listeners', '--songs', twice, '--out', out, '--by', 'soundtrack'], /twice\.tsv:4: id a appears twice \[ERR_SONGS_FORMAT\]/, 1],
    [['listeners', '--songs', emptyId, '--out', out, '--by', 'soundtrack'], /empty-id\.tsv:3: empty id \[ERR_SONGS_FORMAT\]/, 1],
    [['listeners', '--songs', one, '--out', out, '--by', 'soundtrack'], /listeners need at least 2 songs, got 1 \[ERR_INVALID_ARGUMENT\]/, 2],
    [['listeners', '--songs', path.join(tmp, 'nope.tsv'), '--out', out], /--songs .*nope\.tsv: ENOENT.* \[ERR_IO\]/, 1],
    // The default --by takes those of its columns the file has (here soundtrack: the duplicate id is then found),
    // and needs at least one of them.
    [['listeners', '--songs', twice, '--out', out], /twice\.tsv:4: id a appears twice \[ERR_SONGS_FORMAT\]/, 1],
    [['listeners', '--songs', noLabels, '--out', out], /no-labels\.tsv:1: the header has no soundtrack column \(it has id, style\) \[ERR_SONGS_FORMAT\]/, 1],
    [['listeners', '--songs', songsFile, '--out', out, '--users', '0'], /users/, 2],
    [['listeners', '--songs', songsFile, '--out', out, '--seed', '-1'], /seed/, 2],
    [['listeners', '--songs', songsFile, '--out', tmp], /--out .* is a directory; give a file name/, 1],
    [['listeners', '--out', out], /--songs and --out are required/, 2],
  ]);
  assert.ok(!fs.existsSync(out), 'a refused run writes nothing');
});
