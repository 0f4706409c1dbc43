/**
 * Plays files with a header ('columns') and format detection ('auto'): the same seeded rows written as
 * Taste-Profile triplets, as a TSV with reordered and extra columns (BOM, CRLF), as a quoted CSV, as a
 * .gz of it and as a semicolon file with spaced column names all load into the Interactions that the
 * String.split reference (helpers/plays-reference.ts) reads from the triplets text; any chunking gives
 * the same parse; bad headers and bad lines are ERR_TRIPLETS_FORMAT naming file:line and the reason.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { EarshotError } from '../../../src/errors';
import { loadInteractions } from '../../../trainer/data/interactions';
import { TripletParser, type ParsedTriplets, type TripletFormat } from '../../../trainer/data/triplet-parser';
import { readTriplets } from '../../../trainer/data/triplets';
import { mulberry32, randomInt } from '../../../trainer/eval/prng';
import { assertMatchesReference, assertSameMatrices, referenceParse } from '../../helpers/plays-reference';
import { tempFiles } from '../../helpers/temp-files';

const { write } = tempFiles('plays-columns');

interface Row {
  user: string;
  song: string;
  count: string;
  /** Extra columns a real export carries, which the reader must skip. */
  artist: string;
  time: string;
}

/** Ids with the characters a CSV must quote (comma, quote, semicolon), spaces and non-ASCII; counts in every accepted spelling. */
function seededRows(n: number, seed: number): Row[] {
  const rand = mulberry32(seed);
  const songs = ['plain', 'with,comma', 'say "hi"', 'semi;colon', 'caf\u00e9 \u266b', 'x', '"lead quote'];
  const counts = ['1', '3', '0', '12.5', '.5', '2e1', '007', '+4', '123456789012345678'];
  return Array.from({ length: n }, (_, k) => ({
    user: `u${randomInt(rand, 40)}${k % 11 === 0 ? ',x' : ''}`,
    song: `${songs[randomInt(rand, songs.length)]}-${randomInt(rand, 60)}`,
    count: counts[randomInt(rand, counts.length)],
    artist: `Artist, ${randomInt(rand, 9)}`,
    time: String(1_600_000_000 + k),
  }));
}

/** RFC 4180 quoting, written here independently of the reader: quote when the field needs it, or always. */
function csvField(v: string, sep: string, always = false): string {
  return always || v.includes(sep) || v.includes('"') || v.startsWith(' ') ? `"${v.replace(/"/g, '""')}"` : v;
}

const ROWS = seededRows(3000, 15);
/** The reference text: Taste-Profile triplets of ROWS. */
const TRIPLETS = ROWS.map((r) => `${r.user}\t${r.song}\t${r.count}\n`).join('');
/** Reordered columns with extras, a BOM and CRLF line ends. */
const TSV = '\uFEFFtimestamp\tplays\tsong_id\tuser_id\r\n' + ROWS.map((r) => `${r.time}\t${r.count}\t${r.song}\t${r.user}\r\n`).join('');
/** Comma-separated, quoted where needed and every 7th user quoted anyway; "artist_name" is not an item column. */
const CSV = 'user,artist_name,track,count\n' + ROWS.map((r, k) => [csvField(r.user, ',', k % 7 === 0), csvField(r.artist, ','), csvField(r.song, ','), r.count].join(',')).join('\n');
/** Semicolons and column names spelled as a spreadsheet would. */
const SEMI = 'Play Count;User ID;Track-Id;Artist ID\n' + ROWS.map((r) => [r.count, csvField(r.user, ';'), csvField(r.song, ';'), '7'].join(';')).join('\n') + '\n';

function parseChunked(bytes: Buffer, chunk: number | 'random', format: TripletFormat, seed = 1): ParsedTriplets {
  const p = new TripletParser({ format, name: 'mem' });
  const rand = mulberry32(seed);
  for (let i = 0; i < bytes.length; ) {
    const n = chunk === 'random' ? 1 + randomInt(rand, 37) : chunk;
    p.push(bytes.subarray(i, i + n));
    i += n;
  }
  return p.end();
}

function sameParse(a: ParsedTriplets, b: ParsedTriplets, label: string): void {
  assert.deepEqual(a.users.ids(), b.users.ids(), label);
  assert.deepEqual(a.items.ids(), b.items.ids(), label);
  assert.equal(a.coo.length, b.coo.length, label);
  for (const k of ['users', 'items', 'counts'] as const) assert.deepEqual(a.coo[k].subarray(0, a.coo.length), b.coo[k].subarray(0, b.coo.length), `${label}: ${k}`);
  assert.deepEqual([a.rows, a.zeroCounts, a.lines], [b.rows, b.zeroCounts, b.lines], label);
}

describe("plays with a header ('columns') and 'auto'", () => {
  test('triplets, reordered TSV, quoted CSV, its .gz and a semicolon file give the reference Interactions', async () => {
    const ref = referenceParse(TRIPLETS);
    const triplets = await loadInteractions(write('plays.txt', TRIPLETS));
    assertMatchesReference(triplets, ref);
    const files = { 'plays.tsv': TSV, 'plays.csv': CSV, 'plays.csv.gz': zlib.gzipSync(CSV), 'plays.ssv': SEMI, 'plays.txt': TRIPLETS };
    for (const [name, content] of Object.entries(files)) {
      const file = write(name, content);
      const formats: TripletFormat[] = name === 'plays.txt' ? ['auto'] : ['columns', 'auto'];
      for (const format of formats) {
        const got = await loadInteractions(file, { format, chunkBytes: 977 });
        assertSameMatrices(got, triplets);
        assert.equal(got.stats.rows, ROWS.length, `${name} ${format}`);
        assert.equal(got.stats.lines, ROWS.length + (name === 'plays.txt' ? 0 : 1), `${name} ${format}: the header is a line, not a row`);
      }
    }
  });

  test('the parse reports the layout it read', async () => {
    const csv = await readTriplets(write('layout.csv', CSV), { format: 'auto' });
    assert.equal(csv.format, 'columns');
    assert.deepEqual(csv.columns, { separator: ',', user: 'user', item: 'track', count: 'count' });
    const semi = await readTriplets(write('layout.ssv', SEMI), { format: 'auto' });
    assert.deepEqual(semi.columns, { separator: ';', user: 'User ID', item: 'Track-Id', count: 'Play Count' });
    const tsv = await readTriplets(write('layout.tsv', TSV), { format: 'columns' });
    assert.deepEqual(tsv.columns, { separator: '\t', user: 'user_id', item: 'song_id', count: 'plays' });
    const trip = await readTriplets(write('layout.txt', TRIPLETS), { format: 'auto' });
    assert.deepEqual([trip.format, trip.columns], ['triplets', null]);
    const het = await readTriplets(write('layout.dat', 'userID\tartistID\tweight\n2\t51\t13883\n'), { format: 'auto' });
    assert.deepEqual([het.format, het.rows], ['hetrec', 1]);
    // A Taste-Profile file that was given a header is read by its names under 'auto' (under 'triplets' it is an error, cli-out.test.ts).
    const headed = await readTriplets(write('headed.tsv', 'user\tsong\tplays\nu1\ts1\t2\n'), { format: 'auto' });
    assert.deepEqual([headed.format, headed.rows, headed.users.ids(), headed.items.ids()], ['columns', 1, ['u1'], ['s1']]);
  });

  test('the song column is the most specific name present: track before artist', async () => {
    const r = await readTriplets(write('prio.csv', 'artist_id,user_id,track_id,weight,item_id\na1,u1,t1,5,i1\n'), { format: 'columns' });
    assert.deepEqual([r.items.ids(), r.columns?.item], [['t1'], 'track_id']);
    const a = await readTriplets(write('artists.csv', 'userID,artistID,weight\n2,51,7\n'), { format: 'columns' });
    assert.deepEqual([a.users.ids(), a.items.ids(), a.coo.counts[0]], [['2'], ['51'], 7]);
  });

  test('every chunking down to one byte gives the same parse', () => {
    for (const [text, label] of [[CSV, 'csv'], [TSV, 'tsv'], [SEMI, 'semicolon']] as const) {
      const bytes = Buffer.from(text);
      const whole = parseChunked(bytes, bytes.length, 'auto');
      for (const chunk of [1, 2, 5, 'random'] as const) sameParse(parseChunked(bytes, chunk, 'auto', 3), whole, `${label} chunk ${chunk}`);
    }
  });

  test('bad headers and bad lines: ERR_TRIPLETS_FORMAT with file:line and what is wrong', () => {
    const cases: [string, number, RegExp, TripletFormat?][] = [
      ['user,plays\nu,1\n', 1, /the header names no song column \(one of song, song_id, track, .*\) \(format 'columns'\): "user,plays"$/],
      ['song\tplays\ts\t1\n', 1, /the header names no user column/],
      ['user,song\nu,s\n', 1, /the header names no count column \(one of count, plays, play_count/],
      ['user;song;plays;User\nu;s;1;v\n', 1, /the header has two "user" columns/],
      ['usersongplays\n', 1, /the header has one column/],
      ['"user,song,plays\nu,s,1\n', 1, /the header's field 1 opens a quote that does not close on this line/],
      ['u1\ts1\t3\n', 1, /the header names no user column/], // 'columns' asked for, but no header
      ['user,song,plays\nu,s,1\nu,s\n', 3, /expected 3 ','-separated fields as in the header, got 2: "u,s"$/],
      ['user\tsong\tplays\nu\ts\t1\textra\n', 2, /expected 3 tab-separated fields as in the header, got 4/],
      ['user,song,plays\n,s,1\n', 2, /empty user id/],
      ['user,song,plays\nu,,1\n', 2, /empty item id/],
      ['user,song,plays\nu,s,\n', 2, /empty count/],
      ['user,song,plays\nu,s,-2\n', 2, /count is negative/],
      ['user,song,plays\nu,s,many\n', 2, /count is not a non-negative number: "u,s,many"$/],
      ['user,song,plays\nu,s,1e39\n', 2, /count does not fit in float32/],
      ['user,song,plays\nu,"s,1\n', 2, /field 2 opens a quote that does not close on this line/],
      ['user,song,plays\nu,"s"x,1\n', 2, /field 2 has text after its closing quote/],
      ['user,song,plays\n"u",s\n', 2, /expected 3 ','-separated fields as in the header, got 2/],
      ['user,song,plays\n"",s,1\n', 2, /empty user id/],
      ['user,song,plays\n"u","s","-1"\n', 2, /count is negative/],
      ['u1,s1,3\nu2,s2,4\n', 1, /expected 3 tab-separated fields \(user, item, count\), got 1/, 'auto'], // no header: read as triplets
    ];
    for (const [text, line, reason, format = 'columns'] of cases) {
      const bytes = Buffer.from(text);
      for (const chunk of [bytes.length, 1, 3]) {
        assert.throws(() => parseChunked(bytes, chunk, format), (err: unknown) => {
          assert.ok(err instanceof EarshotError, String(err));
          assert.equal(err.code, 'ERR_TRIPLETS_FORMAT');
          assert.match(err.message, new RegExp(`^mem:${line}: `), `${err.message} (chunk ${chunk})`);
          assert.match(err.message, reason, JSON.stringify(text));
          return true;
        });
      }
    }
  });

  test('a header alone is ERR_TRIPLETS_EMPTY; an overlong line is refused; a bad format option is refused', () => {
    assert.throws(() => parseChunked(Buffer.from('user,song,plays\n\n'), 1, 'columns'), (err: EarshotError) => err.code === 'ERR_TRIPLETS_EMPTY' && /mem: no data rows \(2 lines read\)/.test(err.message));
    const p = new TripletParser({ format: 'columns', name: 'long.csv', maxLineBytes: 40 });
    assert.throws(() => {
      p.push(Buffer.from(`user,song,plays\nu,${'s'.repeat(60)},1\n`));
      p.end();
    }, /long\.csv:2: line longer than 40 bytes/);
    assert.throws(() => new TripletParser({ format: 'csv' as TripletFormat }), /format must be one of 'triplets', 'hetrec', 'columns', 'auto', got "csv"/);
  });
});
