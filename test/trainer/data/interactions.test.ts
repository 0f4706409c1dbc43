/**
 * CSR by user and by item built from play-count triplets, against a dense matrix and a Map-based
 * reference built here from the same rows: repeats summed, zero counts left out, columns sorted and
 * unique, the two matrices each other's transpose; file, gzip and in-memory inputs agree; the two real
 * data sets in ../shared/data load with nnz equal to their distinct (user, item) pairs.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import type { Csr } from '../../../trainer/data/csr';
import { cooToCsr, fromTriples, loadInteractions } from '../../../trainer/data/interactions';
import { assertMatchesReference, assertSameMatrices, referenceParse } from '../../helpers/plays-reference';
import { sharedOrSkip } from '../../helpers/shared';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-interactions-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Row-major dense users x items matrix of a CSR. */
function dense(m: Csr): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) out[r * m.cols + m.indices[j]] += m.data[j];
  return out;
}

/** Seeded rows with many repeats and some zeros; ids shuffled so first appearance is not index order. */
function randomRows(n: number, users: number, items: number, seed: number): { u: string[]; i: string[]; c: number[] } {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const u: string[] = [];
  const i: string[] = [];
  const c: number[] = [];
  for (let k = 0; k < n; k++) {
    u.push(`user-${Math.floor(next() * users)}`);
    i.push(`item-${Math.floor(next() ** 2 * items)}`); // skewed popularity: plenty of repeats
    const r = next();
    c.push(r < 0.1 ? 0 : r < 0.2 ? Math.round(next() * 1000) / 8 : 1 + Math.floor(-Math.log(next()) * 3));
  }
  return { u, i, c };
}

function tsv(rows: { u: string[]; i: string[]; c: number[] }): string {
  return rows.u.map((u, k) => `${u}\t${rows.i[k]}\t${rows.c[k]}\n`).join('');
}

describe('fromTriples', () => {
  test('a hand-checked example: CSR and CSC exactly, repeats summed, zeros out', () => {
    const r = fromTriples(['b', 'a', 'b', 'a', 'c', 'b'], ['y', 'x', 'x', 'x', 'y', 'z'], [1, 2, 3, 4, 0, 5]);
    // users b=0 a=1 c=2; items y=0 x=1 z=2.  b: y1 x3 z5; a: x 2+4; c: y 0 (left out)
    assert.deepEqual(r.users, ['b', 'a', 'c']);
    assert.deepEqual(r.items, ['y', 'x', 'z']);
    assert.deepEqual([...r.byUser.indptr], [0, 3, 4, 4]);
    assert.deepEqual([...r.byUser.indices], [0, 1, 2, 1]);
    assert.deepEqual([...r.byUser.data], [1, 3, 5, 6]);
    assert.deepEqual([...r.byItem.indptr], [0, 1, 3, 4]);
    assert.deepEqual([...r.byItem.indices], [0, 0, 1, 0]);
    assert.deepEqual([...r.byItem.data], [1, 3, 6, 5]);
    assert.equal(r.nnz, 4);
    assert.deepEqual({ ...r.stats, seconds: 0 }, { lines: 6, rows: 6, zeroCounts: 1, duplicatesMerged: 1, bytes: 0, gzip: false, seconds: 0 });
  });

  test('random rows with repeats and zeros: equal to the dense brute force, both orientations', () => {
    for (const seed of [1, 2, 3]) {
      const rows = randomRows(4000, 60, 90, seed);
      const r = fromTriples(rows.u, rows.i, rows.c);
      assertMatchesReference(r, referenceParse(tsv(rows)));
      // dense brute force straight from the rows, indexed through the returned id lists
      const U = r.users.length;
      const I = r.items.length;
      const want = new Float64Array(U * I);
      const uIdx = new Map(r.users.map((id, k) => [id, k]));
      const iIdx = new Map(r.items.map((id, k) => [id, k]));
      rows.u.forEach((u, k) => (want[uIdx.get(u)! * I + iIdx.get(rows.i[k])!] += rows.c[k]));
      const byUser = dense(r.byUser);
      const byItem = dense(r.byItem);
      for (let u = 0; u < U; u++) {
        for (let i = 0; i < I; i++) {
          assert.ok(Math.abs(byUser[u * I + i] - want[u * I + i]) < 1e-3, `(${u}, ${i})`);
          assert.equal(byItem[i * U + u], byUser[u * I + i]);
        }
      }
      const { stats } = r;
      assert.equal(r.nnz, stats.rows - stats.zeroCounts - stats.duplicatesMerged);
      assert.ok(stats.duplicatesMerged > 100 && stats.zeroCounts > 100, 'the data exercises both');
    }
  });

  test('checks its arguments', () => {
    assert.throws(() => fromTriples(['a'], ['x', 'y'], [1, 2]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => fromTriples(['a'], ['x'], [-1]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => fromTriples(['a'], ['x'], [NaN]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => fromTriples(['a'], ['x'], [Infinity]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => fromTriples([''], ['x'], [1]), { code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('cooToCsr', () => {
  test('long unsorted, short unsorted and already-sorted rows, with repeats', () => {
    const u: number[] = [];
    const i: number[] = [];
    for (let k = 0; k < 5000; k++) {
      u.push(k % 3 === 0 ? 0 : 1);
      // row 0: 1,667 entries in scrambled order (packed-key sort); row 1: non-decreasing with repeats
      i.push(k % 3 === 0 ? (k * 7919) % 700 : Math.floor(k / 5));
    }
    for (let k = 0; k < 20; k++) {
      u.push(2);
      i.push(19 - (k >> 1)); // row 2: 20 entries descending, each column twice (insertion sort)
    }
    const n = u.length;
    const counts = Float32Array.from({ length: n }, (_, k) => 1 + (k % 4));
    const coo = { users: Int32Array.from(u), items: Int32Array.from(i), counts: counts.slice(), length: n };
    const { byUser, duplicatesMerged } = cooToCsr(coo, 3, 1000);
    assert.equal(coo.length, 0, 'the COO is consumed');
    const want = new Float64Array(3 * 1000);
    for (let k = 0; k < n; k++) want[u[k] * 1000 + i[k]] += counts[k];
    assert.deepEqual(dense(byUser), want);
    assert.equal(byUser.indices.length, want.filter((v) => v !== 0).length);
    assert.equal(duplicatesMerged, n - byUser.indices.length);
    assert.ok(duplicatesMerged > 1000);
    for (let r = 0; r < 3; r++) for (let j = byUser.indptr[r] + 1; j < byUser.indptr[r + 1]; j++) assert.ok(byUser.indices[j - 1] < byUser.indices[j]);
  });

  test('repeats are summed in input order (float32 sums are order-dependent)', () => {
    // 2^24 + 1 + 1 in float32: in order, each +1 is rounded away; 1 + 1 + 2^24 first would keep them
    const r = fromTriples(['u', 'u', 'u'], ['x', 'x', 'x'], [2 ** 24, 1, 1]);
    assert.equal(r.byUser.data[0], 2 ** 24);
    const s = fromTriples(['u', 'u', 'u'], ['x', 'x', 'x'], [1, 1, 2 ** 24]);
    assert.equal(s.byUser.data[0], 2 ** 24 + 2);
  });
});

describe('loadInteractions', () => {
  const rows = randomRows(6000, 150, 400, 7);
  const text = tsv(rows).replace(/\n/g, (m, off: number) => (off % 3 === 0 ? '\r\n' : m)).slice(0, -1); // some CRLF, no final newline
  const plainPath = path.join(tmp, 'plays.tsv');
  const gzPath = path.join(tmp, 'plays.tsv.gz');
  fs.writeFileSync(plainPath, text);
  fs.writeFileSync(gzPath, zlib.gzipSync(text));

  test('file, gzip file and fromTriples of the same rows build identical matrices', async () => {
    const fromFile = await loadInteractions(plainPath, { chunkBytes: 333 });
    const fromGz = await loadInteractions(gzPath);
    const fromArrays = fromTriples(rows.u, rows.i, rows.c);
    assertMatchesReference(fromFile, referenceParse(text));
    assertSameMatrices(fromFile, fromGz);
    assertSameMatrices(fromFile, fromArrays);
    assert.equal(fromFile.checksum, crypto.createHash('sha256').update(text).digest('hex'));
    assert.equal(fromGz.checksum, crypto.createHash('sha256').update(fs.readFileSync(gzPath)).digest('hex'));
    assert.equal(fromFile.stats.bytes, Buffer.byteLength(text));
    assert.equal(fromGz.stats.gzip, true);
    assert.equal(fromFile.stats.rows, 6000);
    assert.equal(fromFile.stats.lines, 6000);
    assert.equal(fromFile.nnz, fromFile.stats.rows - fromFile.stats.zeroCounts - fromFile.stats.duplicatesMerged);
    assert.ok(fromFile.stats.seconds > 0);
  });

  test('errors pass through with their codes', async () => {
    await assert.rejects(loadInteractions(path.join(tmp, 'nope.tsv')), { code: 'ERR_IO' });
    const bad = path.join(tmp, 'bad.tsv');
    fs.writeFileSync(bad, 'u\ti\t1\nu\ti\n');
    await assert.rejects(loadInteractions(bad), (err: Error & { code?: string }) => err.code === 'ERR_TRIPLETS_FORMAT' && err.message.startsWith(`${bad}:2: `));
  });
});

describe('real data (../shared/data)', () => {
  /** Distinct pairs and ids by the plainest possible parse, independent of the code under test. */
  function naive(file: string, header: boolean): { pairs: Set<string>; users: Set<string>; items: Set<string>; rows: number } {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const pairs = new Set<string>();
    const users = new Set<string>();
    const items = new Set<string>();
    for (const line of header ? lines.slice(1) : lines) {
      const [u, i] = line.trim().split('\t');
      pairs.add(`${u}\t${i}`);
      users.add(u);
      items.add(i);
    }
    return { pairs, users, items, rows: (header ? lines.length - 1 : lines.length) };
  }

  test('Taste Profile sample (triplets.txt): nnz = distinct (user, song) pairs', async (t) => {
    const file = sharedOrSkip(t, 'data/taste-profile-sample/triplets.txt');
    if (!file) return;
    const r = await loadInteractions(file);
    const n = naive(file, false);
    assert.equal(r.nnz, n.pairs.size);
    assert.equal(r.users.length, n.users.size);
    assert.equal(r.items.length, n.items.size);
    assert.equal(r.users.length, 153); // ../shared/data/README.md
    assert.equal(r.items.length, 1798);
    assert.equal(r.stats.rows, n.rows);
    assertMatchesReference(r, referenceParse(fs.readFileSync(file, 'utf8')));
    assert.equal(r.checksum, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  });

  test('HetRec Last.fm 2K (user_artists.dat): 1,892 users x 17,632 artists, 92,834 rows; gzip equal', async (t) => {
    const file = sharedOrSkip(t, 'data/lastfm-2k/user_artists.dat');
    if (!file) return;
    const r = await loadInteractions(file, { format: 'hetrec' });
    const n = naive(file, true);
    assert.equal(r.nnz, n.pairs.size);
    assert.equal(r.users.length, 1892);
    assert.equal(r.items.length, 17632);
    assert.equal(r.stats.rows, 92834);
    assert.equal(n.users.size, 1892);
    assert.equal(n.items.size, 17632);
    assert.equal(n.rows, 92834);
    assertMatchesReference(r, referenceParse(fs.readFileSync(file, 'utf8'), 'hetrec'));
    const gz = path.join(tmp, 'user_artists.dat.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file)));
    assertSameMatrices(r, await loadInteractions(gz, { format: 'hetrec' }));
    await assert.rejects(loadInteractions(file), (err: Error & { code?: string }) => err.code === 'ERR_TRIPLETS_FORMAT' && err.message.includes(':1: count is not'));
  });
});
