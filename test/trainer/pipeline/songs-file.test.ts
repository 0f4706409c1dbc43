/**
 * The songs file of `earshot-train model --songs`: seeded songs written with the columns in a shuffled
 * order, spelled in any case, with an ignored extra column, a BOM, CRLF and blank lines parse back to
 * exactly those songs; every malformed header or line is ERR_SONGS_FORMAT naming file:line and what is
 * wrong, with the catalogue's own field rules; the file's digest is of its bytes.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { EarshotError } from '../../../src/errors';
import { mulberry32, randomInt } from '../../../trainer/eval/prng';
import { parseSongsFile, readSongsFile, type SongsFileRow } from '../../../trainer/pipeline/songs-file';
import { tempFiles } from '../../helpers/temp-files';

const { dir, write } = tempFiles('songs-file');

/** A song as written: every column's text. */
type Song = Record<'id' | 'path' | 'artist' | 'title' | 'uri' | 'tags', string>;

function seededSongs(n: number, seed: number): Song[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[randomInt(rand, xs.length)];
  return Array.from({ length: n }, (_, k) => ({
    id: `s${k}${pick(['', ':live', ' (remix)', '/b-side', '\u00e9'])}`,
    path: pick(['', `sub/${k}.ogg`, `/abs/${k}.flac`, `${k}.mp3`]),
    artist: pick(['', 'Björk', 'A, B & C', 'Sigur Rós']),
    title: pick(['', 'Title', 'مرحبا \u200f world', 'x'.repeat(1024)]),
    uri: pick(['', `https://example.com/t/${k}`, `file:///music/${k}.flac`, `music/${k}.ogg`, 'C:\\music\\x.mp3']),
    tags: pick(['', 'rock', ' rock , jazz,,rock', 'ambient,electronic']),
  }));
}

/** What each song should parse to: the rules spelled out independently of the parser. */
function expected(s: Song, line: number): SongsFileRow {
  const tags = [...new Set(s.tags.split(',').map((t) => t.trim()).filter(Boolean))];
  return { id: s.id, path: s.path === '' ? null : s.path, artist: s.artist, title: s.title, uri: s.uri, tags, line };
}

function expectSongsError(text: string, line: number | null, reason: RegExp): void {
  assert.throws(() => parseSongsFile(text, 'songs.tsv'), (err: unknown) => {
    assert.ok(err instanceof EarshotError, String(err));
    assert.equal(err.code, 'ERR_SONGS_FORMAT');
    assert.ok(err.message.startsWith(line === null ? 'songs.tsv: ' : `songs.tsv:${line}: `), err.message);
    assert.match(err.message, reason);
    return true;
  });
}

describe('songs file', () => {
  test('any column order and case, extra columns, BOM, CRLF and blank lines: exactly the songs written', () => {
    const songs = seededSongs(300, 4);
    const columns = ['Tags', 'genre_ignored', 'ID', 'uri', 'Path', 'title', 'ARTIST'];
    const value = (s: Song, c: string) => (c === 'genre_ignored' ? 'whatever' : s[c.toLowerCase() as keyof Song]);
    const body = songs.map((s, k) => columns.map((c) => value(s, c)).join('\t') + (k % 3 === 0 ? '\r\n' : k % 5 === 0 ? '\n\n' : '\n'));
    const text = '\uFEFF' + columns.join('\t') + '\n' + body.join('');
    let line = 2;
    const want = songs.map((s, k) => {
      const row = expected(s, line);
      line += k % 3 !== 0 && k % 5 === 0 ? 2 : 1;
      return row;
    });
    assert.deepEqual(parseSongsFile(text, 'songs.tsv'), want);
  });

  test('only an id column: no paths, no metadata', () => {
    assert.deepEqual(parseSongsFile('id\nA\nB', 'x'), [
      { id: 'A', path: null, artist: '', title: '', uri: '', tags: [], line: 2 },
      { id: 'B', path: null, artist: '', title: '', uri: '', tags: [], line: 3 },
    ]);
  });

  test('bad headers and lines: ERR_SONGS_FORMAT with file:line and the reason', () => {
    expectSongsError('', 1, /the first line must be a header naming the columns \(id, path, artist, title, uri, tags; id required\)/);
    expectSongsError('song\tpath\nx\ty\n', 1, /the header has no "id" column; it names "song\\tpath"/);
    expectSongsError('id,path,title\nx,y,z\n', 1, /no "id" column \(the songs file is tab-separated\)/);
    expectSongsError('id\ttitle\tID\nx\ty\tz\n', 1, /the header has two "id" columns/);
    expectSongsError('id\ttitle\nx\n', 2, /expected 2 tab-separated fields as in the header, got 1/);
    expectSongsError('id\ttitle\nx\tT\ty\n', 2, /got 3/);
    expectSongsError('id\ttitle\n\tT\n', 2, /the id is empty/);
    expectSongsError('id\ttitle\na\tT\nb\tT\n\na\tU\n', 5, /the id "a" is already on line 2/);
    expectSongsError(`id\n${'i'.repeat(257)}\n`, 2, /id is 257 characters long; at most 256/);
    expectSongsError('id\tartist\nx\tA\u0001B\n', 2, /song "x": artist contains a control character \(U\+0001 at position 1\)/);
    expectSongsError(`id\ttitle\nx\t${'t'.repeat(1025)}\n`, 2, /title is 1025 characters long; at most 1024/);
    expectSongsError('id\turi\nx\tjavascript:alert(1)\n', 2, /song "x": uri scheme "javascript:" is not allowed/);
    expectSongsError('id\turi\nx\t https://a.b/\n', 2, /uri starts or ends with whitespace/);
    expectSongsError('id\turi\nx\t//evil.example/x\n', 2, /uri starts with two slashes/);
    expectSongsError('id\nx\u202egnp.exe\n', 2, /id contains a text-direction control character/);
    expectSongsError('id\ttags\nx\trock,ja\u0007zz\n', 2, /tag "ja\\u0007zz" contains a control character/);
    expectSongsError('id\tpath\nx\ta\u0000.wav\n', 2, /song "x": path contains a control character/);
    expectSongsError('id\ttitle\n\n', null, /no songs \(a header only\)/);
  });

  test('readSongsFile: the digest of the bytes as given; an unreadable file is ERR_IO', () => {
    const text = 'id\ttitle\r\na\tA\r\n';
    const file = write('songs.tsv', text);
    const r = readSongsFile(file);
    assert.equal(r.sha256, crypto.createHash('sha256').update(text).digest('hex'));
    assert.deepEqual([r.file, r.rows.map((x) => x.title)], [file, ['A']]);
    assert.throws(() => readSongsFile(path.join(dir, 'absent.tsv')), (err: EarshotError) => err.code === 'ERR_IO' && /absent\.tsv.*ENOENT/.test(err.message));
    const bad = write('bad.tsv', 'id\na\na\n');
    assert.throws(() => readSongsFile(bad), (err: EarshotError) => err.code === 'ERR_SONGS_FORMAT' && err.message.startsWith(`${bad}:3: `));
  });
});
