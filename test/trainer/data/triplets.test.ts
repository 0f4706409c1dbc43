/**
 * The play-count byte parser and its streaming front end against a String.split reference
 * (helpers/plays-reference.ts): plain, gzip, CRLF, BOM, no final newline, blank lines, every chunking
 * down to 1 byte; every malformed line rejected with ERR_TRIPLETS_FORMAT naming file:line and the line;
 * the id hash table under forced collisions.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { EarshotError } from '../../../src/errors';
import { fnv1a, IdTable } from '../../../trainer/data/id-table';
import { TripletParser, type ParsedTriplets, type TripletFormat } from '../../../trainer/data/triplet-parser';
import { readTriplets } from '../../../trainer/data/triplets';
import { referenceParse } from '../../helpers/plays-reference';
import { tempFiles } from '../../helpers/temp-files';

const { dir: tmp, write } = tempFiles('triplets');

/** Rows of the parse as [user, item, count] strings/numbers, zero counts excluded, in input order. */
function rowsOf(p: ParsedTriplets): [string, string, number][] {
  const users = p.users.ids();
  const items = p.items.ids();
  const out: [string, string, number][] = [];
  for (let j = 0; j < p.coo.length; j++) out.push([users[p.coo.users[j]], items[p.coo.items[j]], p.coo.counts[j]]);
  return out;
}

/** The same rows from the reference reader (repeats not merged: it is compared row by row). */
function referenceRows(text: string, format: TripletFormat = 'triplets'): [string, string, number][] {
  let lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  if (format === 'hetrec') lines = lines.slice(1);
  return lines
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
    .map(([u, i, c]): [string, string, number] => [u, i, Math.fround(Number(c))])
    .filter((r) => r[2] !== 0);
}

function parseBytes(bytes: Buffer, chunk: number | 'random', format: TripletFormat = 'triplets', seed = 1): ParsedTriplets {
  const p = new TripletParser({ format, name: 'mem.tsv' });
  let s = seed;
  for (let i = 0; i < bytes.length; ) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const n = chunk === 'random' ? 1 + (s % 37) : chunk;
    p.push(bytes.subarray(i, i + n));
    i += n;
  }
  return p.end();
}

function chunked(bytes: Buffer, n: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += n) parts.push(bytes.subarray(i, i + n));
  return Readable.from(parts);
}

/** A small file exercising everything valid at once. */
const MIXED =
  'u1\tsA\t3\r\n' +
  'u1\tsB\t1.5\n' +
  '\n' +
  'u2\tsA\t0\n' + // zero: counted, not stored; u2's id still registered
  'u3\tsC\t007\r\n' +
  '\r\n' +
  'u1\tsA\t2\n' + // repeat of (u1, sA)
  'u\u00e9\tsong \u266b\t.5\n' + // UTF-8 ids, a space inside an id
  'u3\tsB\t2.\n' +
  'u3\tsA\t1e3\n' +
  'u2\tsC\t+4\n' +
  'u4\tsD\t123456789012345678'; // > 15 digits (slow path); no final newline

function expectFormatError(content: string | Buffer, line: number, reason: RegExp, o: { format?: TripletFormat; maxLineBytes?: number } = {}) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  for (const chunk of [bytes.length + 1, 1, 3]) {
    const p = new TripletParser({ ...o, name: 'bad.tsv' });
    assert.throws(
      () => {
        for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
        p.end();
      },
      (err: unknown) => {
        assert.ok(err instanceof EarshotError, String(err));
        assert.equal(err.code, 'ERR_TRIPLETS_FORMAT');
        assert.match(err.message, new RegExp(`^bad\\.tsv:${line}: `), `${err.message} (chunk ${chunk})`);
        assert.match(err.message, reason);
        return true;
      },
    );
  }
}

describe('TripletParser', () => {
  test('parses every valid form like the String.split reference, for any chunking', () => {
    const bytes = Buffer.from(MIXED);
    const want = referenceRows(MIXED);
    const ref = referenceParse(MIXED);
    for (const chunk of [bytes.length, 1, 2, 7, 'random'] as const) {
      const p = parseBytes(bytes, chunk);
      assert.deepEqual(rowsOf(p), want, `chunk ${chunk}`);
      assert.deepEqual(p.users.ids(), ref.users);
      assert.deepEqual(p.items.ids(), ref.items);
      assert.equal(p.rows, 10);
      assert.equal(p.zeroCounts, 1);
      assert.equal(p.lines, 12);
    }
    assert.deepEqual(rowsOf(parseBytes(bytes, 1)).slice(0, 2), [['u1', 'sA', 3], ['u1', 'sB', 1.5]]);
  });

  test('decimal counts are the nearest float32 of the decimal value', () => {
    const counts = ['0.1', '1.5', '2.25', '3.14159', '999999999999999', '1.000000000000001', '0.000001', '12345.678'];
    const text = counts.map((c, k) => `u\ts${k}\t${c}\n`).join('');
    assert.deepEqual(rowsOf(parseBytes(Buffer.from(text), 'random')).map((r) => r[2]), counts.map((c) => Math.fround(Number(c))));
  });

  test("'hetrec': header checked and skipped, a BOM before it ignored", () => {
    const text = '\uFEFFuserID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t7\r\n';
    for (const chunk of [1, 'random', 1000] as const) {
      const p = parseBytes(Buffer.from(text), chunk, 'hetrec');
      assert.deepEqual(rowsOf(p), referenceRows(text, 'hetrec'));
      assert.deepEqual(p.users.ids(), ['2', '3']);
      assert.equal(p.lines, 4);
    }
  });

  test('a chunk boundary at every byte position gives the same parse', () => {
    const bytes = Buffer.from(MIXED);
    const want = rowsOf(parseBytes(bytes, bytes.length));
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = new TripletParser();
      p.push(bytes.subarray(0, cut));
      p.push(bytes.subarray(cut));
      assert.deepEqual(rowsOf(p.end()), want, `cut at ${cut}`);
    }
  });

  test('malformed lines: ERR_TRIPLETS_FORMAT with file:line, reason and the line', () => {
    expectFormatError('u\ts\t1\nu2\ts2\n', 2, /expected 3 tab-separated fields.*got 2: "u2\\ts2"$/);
    expectFormatError('u\ts\t1\t2\n', 1, /got 4: "u\\ts\\t1\\t2"$/);
    expectFormatError('just-one-field', 1, /got 1: "just-one-field"$/);
    expectFormatError('u\ts\t1\n\n\r\nu s 1\r\n', 4, /got 1: "u s 1"$/); // spaces are not separators
    expectFormatError('\ts\t1\n', 1, /empty user id/);
    expectFormatError('u\t\t1\n', 1, /empty item id/);
    expectFormatError('u\ts\t\n', 1, /empty count/);
    expectFormatError('u\ts\t\r\n', 1, /empty count/);
    expectFormatError('a\tb\t1\nu\ts\t-3\n', 2, /count is negative: "u\\ts\\t-3"$/);
    expectFormatError('u\ts\t-0.5', 1, /count is negative/);
    for (const bad of ['NaN', 'abc', '1.2.3', '1,5', ' 1', '1 ', 'Infinity', '0x10', '.', '1e', '--1', '1\r2']) {
      expectFormatError(`u\ts\t1\nu\ts\t${bad}\n`, 2, /count is not a non-negative number/);
    }
    expectFormatError('u\ts\t1e39\n', 1, /does not fit in float32/);
    // A header is no play count: with data after it, line 1 is the error (a header alone: ERR_TRIPLETS_EMPTY, train-cli-out.test.ts).
    expectFormatError('user\titem\tcount\nu\ts\t1\n', 1, /count is not a non-negative number: "user\\titem\\tcount"$/);
  });

  test('HetRec without its header, and an overlong line, are format errors', () => {
    expectFormatError('2\t51\t13883\n', 1, /expected the HetRec header "userID\\tartistID\\tweight"/, { format: 'hetrec' });
    expectFormatError('userID\tartistID\n2\t51\t1\n', 1, /HetRec header/, { format: 'hetrec' });
    const long = `u\t${'s'.repeat(200)}\t1\n`;
    expectFormatError(`a\tb\t1\n${long}`, 2, /line longer than 100 bytes: "u\\tsss+…"$/, { maxLineBytes: 100 });
    const p = parseBytes(Buffer.from(`a\tb\t1\n${long}`), 1); // the default limit (64 KiB) accepts it
    assert.equal(p.rows, 2);
  });

  test('offending text in messages is truncated to 80 characters', () => {
    const bytes = Buffer.from(`u\ts\t${'x'.repeat(500)}\n`);
    assert.throws(() => parseBytes(bytes, bytes.length), (err: EarshotError) => {
      const quoted = /: (".*")$/.exec(err.message)?.[1] ?? '';
      assert.equal(JSON.parse(quoted).length, 81); // 80 + '…'
      return true;
    });
  });

  test('no data rows: ERR_TRIPLETS_EMPTY', () => {
    for (const [text, format] of [['', 'triplets'], ['\n\r\n\n', 'triplets'], ['userID\tartistID\tweight\n', 'hetrec'], ['userID\tartistID\tweight', 'hetrec']] as const) {
      const p = new TripletParser({ format, name: 'empty.tsv' });
      p.push(Buffer.from(text));
      assert.throws(() => p.end(), (err: EarshotError) => err.code === 'ERR_TRIPLETS_EMPTY' && err.message.startsWith('empty.tsv: no data rows'));
    }
  });

  test('rejects a bad format or maxLineBytes option', () => {
    assert.throws(() => new TripletParser({ format: 'csv' as TripletFormat }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => new TripletParser({ maxLineBytes: 0 }), { code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('readTriplets', () => {
  const text = MIXED + '\n' + Array.from({ length: 3000 }, (_, k) => `user${k % 97}\tsong${(k * 7919) % 1013}\t${(k % 5) + 1}`).join('\n');
  const gz = zlib.gzipSync(text);
  const want = referenceRows(text);

  test('plain and gzip files parse the same; checksum is the sha256 of the bytes as stored', async () => {
    const plainPath = write('mixed.tsv', text);
    const gzPath = write('mixed.tsv.data', gz); // gzip recognised by magic bytes, not by name
    const plain = await readTriplets(plainPath, { chunkBytes: 4096 });
    const zipped = await readTriplets(gzPath);
    assert.deepEqual(rowsOf(plain), want);
    assert.deepEqual(rowsOf(zipped), want);
    assert.equal(plain.gzip, false);
    assert.equal(zipped.gzip, true);
    assert.equal(plain.bytes, Buffer.byteLength(text));
    assert.equal(zipped.bytes, gz.length);
    assert.equal(plain.sha256, crypto.createHash('sha256').update(text).digest('hex'));
    assert.equal(zipped.sha256, crypto.createHash('sha256').update(gz).digest('hex'));
  });

  test('size hints only change allocation; bad options are refused before reading', async () => {
    const p = write('hint.tsv', text);
    for (const expectedRows of [1, 10, 1e5]) assert.deepEqual(rowsOf(await readTriplets(p, { expectedRows })), want);
    await assert.rejects(readTriplets(p, { chunkBytes: 0 }), { code: 'ERR_INVALID_ARGUMENT' });
    await assert.rejects(readTriplets(p, { format: 'tsv' as TripletFormat }), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('a Readable fed 1 byte at a time (plain and gzip) parses like the whole file', async () => {
    for (const bytes of [Buffer.from(text), gz]) {
      const r = await readTriplets(chunked(bytes, 1), { name: 'stream.tsv' });
      assert.deepEqual(rowsOf(r), want);
      assert.equal(r.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
    }
    const r = await readTriplets(chunked(Buffer.from(text), 5));
    assert.deepEqual(rowsOf(r), want);
  });

  test('errors name the file and line, through gzip and streams too', async () => {
    const bad = 'u\ts\t1\nu\ts\t2\nu\ts\tlots\n';
    const badPath = write('bad.tsv', bad);
    const badGz = write('bad.tsv.gz', zlib.gzipSync(bad));
    const check = (name: string) => (err: unknown) =>
      err instanceof EarshotError && err.code === 'ERR_TRIPLETS_FORMAT' && err.message.startsWith(`${name}:3: count is not`) && err.message.endsWith('"u\\ts\\tlots"');
    await assert.rejects(readTriplets(badPath), check(badPath));
    await assert.rejects(readTriplets(badGz), check(badGz));
    await assert.rejects(readTriplets(chunked(Buffer.from(bad), 1), { name: 'in' }), check('in'));
    await assert.rejects(readTriplets(chunked(Buffer.from(bad), 1)), check('<stream>'));
  });

  test('corrupt or truncated gzip: ERR_TRIPLETS_FORMAT; missing file: ERR_IO; empty file: ERR_TRIPLETS_EMPTY', async () => {
    const truncated = write('cut.gz', gz.subarray(0, gz.length >> 1));
    await assert.rejects(readTriplets(truncated), (err: EarshotError) => err.code === 'ERR_TRIPLETS_FORMAT' && /cut\.gz: not a valid gzip stream/.test(err.message));
    const garbled = Buffer.from(gz);
    garbled.fill(0x55, 20, 60);
    await assert.rejects(readTriplets(write('garbled.gz', garbled)), { code: 'ERR_TRIPLETS_FORMAT' });
    await assert.rejects(readTriplets(path.join(tmp, 'absent.tsv')), (err: EarshotError) => err.code === 'ERR_IO' && /absent\.tsv.*ENOENT/.test(err.message));
    await assert.rejects(readTriplets(tmp), { code: 'ERR_IO' });
    await assert.rejects(readTriplets(write('empty.tsv', '')), { code: 'ERR_TRIPLETS_EMPTY' });
    await assert.rejects(readTriplets(write('empty.gz', zlib.gzipSync(''))), { code: 'ERR_TRIPLETS_EMPTY' });
    await assert.rejects(readTriplets(write('one-byte', Buffer.of(0x1f))), { code: 'ERR_TRIPLETS_FORMAT' }); // 1 field
  });
});

describe('IdTable', () => {
  test('dense indices in first-appearance order, stable on repeats, through growth', () => {
    const t = new IdTable(4);
    const ids = Array.from({ length: 50_000 }, (_, k) => `id-${(k * 2654435761) % 1e9}-${k}`);
    ids.forEach((id, k) => assert.equal(t.internString(id), k));
    ids.forEach((id, k) => {
      if (k % 7 === 0) assert.equal(t.internString(id), k);
    });
    assert.equal(t.size, ids.length);
    assert.deepEqual(t.ids(), ids);
  });

  test('correct when every id has the same hash (all probes collide)', () => {
    const t = new IdTable(2);
    const ids = Array.from({ length: 600 }, (_, k) => `x${k}`).concat(['', 'x1x', 'x']);
    const intern = (id: string) => {
      const b = Buffer.from(id);
      return t.intern(b, 0, b.length, 12345);
    };
    ids.forEach((id, k) => assert.equal(intern(id), k));
    ids.forEach((id, k) => assert.equal(intern(id), k));
    assert.deepEqual(t.ids(), ids);
  });

  test('keys are bytes within a larger buffer; fnv1a matches the published test vectors', () => {
    const t = new IdTable();
    const b = Buffer.from('xxabcxxabcxx');
    assert.equal(t.intern(b, 2, 5, fnv1a(b, 2, 5)), 0);
    assert.equal(t.intern(b, 7, 10, fnv1a(b, 7, 10)), 0);
    assert.equal(t.internString('abc'), 0);
    assert.equal(fnv1a(Buffer.from(''), 0, 0) >>> 0, 0x811c9dc5);
    assert.equal(fnv1a(Buffer.from('a'), 0, 1) >>> 0, 0xe40c292c);
    assert.equal(fnv1a(Buffer.from('foobar'), 0, 6) >>> 0, 0xbf9cf968);
  });
});
