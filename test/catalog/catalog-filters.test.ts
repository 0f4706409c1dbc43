// The catalogue's filtered search and track names (src/catalog/catalog.ts: TopKOptions.accept, rowsOf,
// playableCount) against a float64 brute force written here: every song's cosine, sorted, then filtered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, type CatalogItem } from '../../src/catalog/catalog';
import { mulberry32 } from '../../trainer/eval/prng';
import { cosineRanking } from '../helpers/cosine-reference';
import { isCode } from '../helpers/net-reference';

const F = 12;

function randomFactors(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * F }, () => 2 * r() - 1);
}

function songs(n: number): CatalogItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, artist: '', title: `t${i}`, ...(i % 9 === 4 ? { uri: `/music/s${i}.mp3` } : {}) }));
}

function sameHits(got: { index: number; score: number }[], want: { index: number; score: number }[], label: string): void {
  assert.deepEqual(got.map((h) => h.index), want.map((h) => h.index), label);
  for (let j = 0; j < got.length; j++) assert.ok(Math.abs(got[j].score - want[j].score) < 1e-5, `${label}: score ${j}`);
}

test('accept: the k best rows it accepts, widening past refused ones, equal to a brute-force filter', () => {
  const n = 5000;
  const y = randomFactors(n, 3);
  const cat = new Catalog(songs(n), y, F, { annThreshold: Infinity });
  const queries = randomFactors(20, 4);
  const filters: [string, (i: number, s: number) => boolean][] = [
    ['every 7th row', (i) => i % 7 === 0],
    ['cosine below 0.5 (the best songs refused)', (_i, s) => s < 0.5],
    ['one row in 1,000 (widens to every song)', (i) => i % 1000 === 999],
    ['none', () => false],
  ];
  for (const [label, accept] of filters) {
    for (let j = 0; j < 20; j++) {
      const q = queries.subarray(j * F, (j + 1) * F);
      const exclude = new Set([j, j + 7, j * 7]);
      const want = cosineRanking(y, F, q).filter((h) => !exclude.has(h.index) && accept(h.index, h.score)).slice(0, 10);
      sameHits(cat.topK(q, 10, { metric: 'cosine', exclude, accept }), want, `${label}, query ${j}`);
    }
  }
  // Batched queries: each widens on its own.
  const batch = cat.topKBatch(queries, 20, 5, { metric: 'cosine', accept: (i) => i % 13 === 1 });
  batch.forEach((hits, j) => sameHits(hits, cosineRanking(y, F, queries.subarray(j * F, (j + 1) * F)).filter((h) => h.index % 13 === 1).slice(0, 5), `batch ${j}`));
  assert.throws(() => cat.topK(queries.subarray(0, F), 3, { accept: 'yes' as never }), isCode('ERR_INVALID_ARGUMENT', /accept must be a function/));
});

test('accept over an approximate (IVF) index: widened searches are exact, so a sparse filter still finds the best accepted songs', async () => {
  const n = 3000;
  const y = randomFactors(n, 5);
  const cat = new Catalog(songs(n), y, F, { annThreshold: 1000, ann: { lists: 40, nprobe: 2 } });
  await cat.whenIndexed();
  assert.equal(cat.annStatus.state, 'ready');
  const q = randomFactors(1, 6);
  const want = cosineRanking(y, F, q).filter((h) => h.index % 500 === 17).slice(0, 4);
  assert.equal(want.length, 4);
  sameHits(cat.topK(q, 4, { metric: 'cosine', accept: (i) => i % 500 === 17 }), want, 'sparse filter through the index');
});

test('rowsOf: an id, else every song with that uri (file:// URLs and paths alike); playableCount', () => {
  const items: CatalogItem[] = [
    { id: 'a', artist: '', title: 'A', uri: '/music/a b.mp3' },
    { id: 'b', artist: '', title: 'B' },
    { id: 'c', artist: '', title: 'C', uri: 'https://radio.example/c.ogg' },
    { id: 'a-copy', artist: '', title: 'A again', uri: '/music/a b.mp3' },
    { id: '/music/x.mp3', artist: '', title: 'an id that looks like a path', uri: '/music/other.mp3' },
  ];
  const cat = new Catalog(items, randomFactors(items.length, 7), F);
  assert.deepEqual(cat.rowsOf('b'), [1]);
  assert.deepEqual(cat.rowsOf('/music/a b.mp3'), [0, 3]);
  assert.deepEqual(cat.rowsOf('file:///music/a%20b.mp3'), [0, 3]);
  assert.deepEqual(cat.rowsOf('file://localhost/music/a%20b.mp3'), [0, 3]);
  assert.deepEqual(cat.rowsOf('file://otherhost/music/a%20b.mp3'), [], 'another host\'s file is not this one');
  assert.deepEqual(cat.rowsOf('https://radio.example/c.ogg'), [2]);
  assert.deepEqual(cat.rowsOf('/music/x.mp3'), [4], 'an id wins over a uri');
  assert.deepEqual(cat.rowsOf('nothing'), []);
  assert.equal(cat.playableCount, 4);
  cat.add([{ id: 'd', artist: '', title: 'D', uri: 'file:///music/d.flac' }], randomFactors(1, 8));
  assert.deepEqual(cat.rowsOf('/music/d.flac'), [5], 'songs added later are found by their uri too');
  assert.equal(cat.playableCount, 5);
  // A failed add (duplicate id) leaves the uri index as it was.
  assert.throws(() => cat.add([{ id: 'e', artist: '', title: 'E', uri: '/music/e.mp3' }, { id: 'a', artist: '', title: 'dup' }], randomFactors(2, 9)), isCode('ERR_INVALID_ARGUMENT', /duplicate song id/));
  assert.deepEqual(cat.rowsOf('/music/e.mp3'), []);
  assert.equal(cat.playableCount, 5);
});
