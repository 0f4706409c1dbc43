// The catalogue search (src/catalog/catalog.ts, native/search/topk.h, native/search/ivf_index.h) against oracles
// written out here: a full float64 sort of every score, the JS reference topKJs, hand-made ties; the
// approximate index against the exact search (recall@50, identical scores); add(); and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, type CatalogItem, type Hit, type Metric } from '../../src/catalog/catalog';
import { topKJs } from '../../src/catalog/topk-js';
import { mulberry32 } from '../../trainer/eval/prng';
import { clusteredCatalog } from '../helpers/clustered-factors';
import { isCode } from '../helpers/net-reference';
import { nativeAddon } from '../../src/native/addon';

const F = 12;

function items(n: number, from = 0): CatalogItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `song-${from + i}`, artist: `artist ${(from + i) % 7}`, title: `title ${from + i}` }));
}

/** Through a call: asserting on `cat.annStatus.state` itself would narrow its type for the rest of a test. */
function stateOf(cat: Catalog): string {
  return cat.annStatus.state;
}

function randomFactors(n: number, f: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * f }, () => 2 * r() - 1);
}

/** Every score in float64, sorted: score descending, ties to the lower index. */
function bruteForce(y: Float32Array, f: number, q: Float32Array, metric: Metric): Hit[] {
  const n = y.length / f;
  const norm = (x: Float32Array, o: number) => Math.sqrt(Array.from({ length: f }, (_, t) => x[o + t] ** 2).reduce((a, b) => a + b, 0));
  const qn = norm(q, 0);
  const all: Hit[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < f; t++) s += q[t] * y[i * f + t];
    if (metric === 'cosine') {
      const d = qn * norm(y, i * f);
      s = d > 0 ? s / d : 0;
    }
    all.push({ index: i, score: s });
  }
  return all.sort((a, b) => b.score - a.score || a.index - b.index);
}

/**
 * Same scores rank by rank (float32 vs float64: within tol), and every index returned is one the brute
 * force ranks in the top k up to tol (a near-tie at the cut may go either way).
 */
function assertSameTop(got: Hit[], want: Hit[], k: number, tol: number, what: string): void {
  assert.equal(got.length, Math.min(k, want.length), `${what}: count`);
  const score = new Map(want.map((h) => [h.index, h.score]));
  const cut = want[got.length - 1].score;
  got.forEach((h, t) => {
    assert.ok(Math.abs(h.score - want[t].score) <= tol, `${what}: rank ${t} score ${h.score} vs ${want[t].score}`);
    assert.ok(Math.abs(h.score - score.get(h.index)!) <= tol, `${what}: row ${h.index} scored ${h.score}, brute force ${score.get(h.index)}`);
    assert.ok(score.get(h.index)! >= cut - tol, `${what}: row ${h.index} is not in the top ${k}`);
    if (t > 0) assert.ok(got[t - 1].score > h.score || (got[t - 1].score === h.score && got[t - 1].index < h.index), `${what}: order at ${t}`);
  });
}

test('exact topK equals a float64 brute force, dot and cosine, native and the JS reference', () => {
  const n = 3000;
  const y = randomFactors(n, F, 1);
  const cat = new Catalog(items(n), y, F);
  const invNorm = Float32Array.from({ length: n }, (_, i) => 1 / Math.hypot(...y.subarray(i * F, i * F + F)));
  const r = mulberry32(2);
  for (let j = 0; j < 20; j++) {
    const q = Float32Array.from({ length: F }, () => 2 * r() - 1);
    const unit = q.map((v) => v / Math.hypot(...q));
    for (const metric of ['dot', 'cosine'] as const) {
      const want = bruteForce(y, F, q, metric);
      for (const k of [1, 7, 50]) {
        assertSameTop(cat.topK(q, k, { metric }), want, k, 1e-5, `${metric} k ${k} query ${j}`);
        const js = metric === 'cosine' ? topKJs(y, n, F, unit, k, invNorm) : topKJs(y, n, F, q, k, null);
        assertSameTop(js, want, k, 1e-5, `topKJs ${metric} k ${k} query ${j}`);
      }
    }
  }
});

test('k larger than the catalogue returns every song; exclude removes rows and still returns k', () => {
  const n = 40;
  const y = randomFactors(n, F, 3);
  const cat = new Catalog(items(n), y, F);
  const q = randomFactors(1, F, 4);
  const all = cat.topK(q, 1000);
  assert.equal(all.length, n);
  assertSameTop(all, bruteForce(y, F, q, 'dot'), n, 1e-5, 'all');
  const exclude = new Set([all[0].index, all[2].index, all[39].index, -5, 999]);
  const rest = cat.topK(q, 10, { exclude });
  assert.equal(rest.length, 10);
  assert.deepEqual(rest.map((h) => h.index), all.filter((h) => !exclude.has(h.index)).slice(0, 10).map((h) => h.index));
  assert.equal(cat.topK(q, 1000, { exclude }).length, n - 3);
});

test('ties go to the lower row, in one block and across threads and blocks', () => {
  const n = 100_000; // 5 M multiply-adds per query: the native scan splits the rows between threads
  const f = 50;
  const y = randomFactors(n, f, 5).map((v) => v * 0.01);
  const best = Float32Array.from({ length: f }, (_, t) => 1 + t / f);
  for (const row of [70_001, 3, 99_999, 40_000, 255, 256]) y.set(best, row * f);
  const cat = new Catalog(items(n), y, f, { threads: 2 });
  for (const metric of ['dot', 'cosine'] as const) {
    const hits = cat.topK(best, 8, { metric });
    assert.deepEqual(hits.slice(0, 6).map((h) => h.index), [3, 255, 256, 40_000, 70_001, 99_999], metric);
    assert.ok(hits.slice(0, 6).every((h) => h.score === hits[0].score), `${metric}: equal rows score equally`);
    assert.ok(hits[6].score < hits[5].score);
  }
  const small = new Catalog(items(4), new Float32Array(4 * F).fill(0.5), F);
  assert.deepEqual(small.topK(new Float32Array(F).fill(1), 3).map((h) => h.index), [0, 1, 2]);
  // A zero query has cosine 0 with every song: all tie.
  assert.deepEqual(small.topK(new Float32Array(F), 2, { metric: 'cosine' }), [{ index: 0, score: 0 }, { index: 1, score: 0 }]);
});

test('topKBatch equals topK query by query, with shared and per-query exclusions', () => {
  const n = 5000;
  const cat = new Catalog(items(n), randomFactors(n, F, 6), F);
  const nq = 11; // not a multiple of the kernel's 4 queries per pass
  const qs = randomFactors(nq, F, 7);
  for (const metric of ['dot', 'cosine'] as const) {
    const shared = new Set([1, 2, 3]);
    const batch = cat.topKBatch(qs, nq, 20, { metric, exclude: shared });
    const per = Array.from({ length: nq }, (_, j) => new Set([j, 2 * j]));
    const batchPer = cat.topKBatch(qs, nq, 20, { metric, exclude: per });
    for (let j = 0; j < nq; j++) {
      const q = qs.subarray(j * F, (j + 1) * F);
      assert.deepEqual(batch[j], cat.topK(q, 20, { metric, exclude: shared }), `${metric} query ${j}`);
      assert.deepEqual(batchPer[j], cat.topK(q, 20, { metric, exclude: per[j] }), `${metric} query ${j}, own exclusions`);
    }
  }
});

test('add(): new songs are found at once; duplicate ids are refused by name and add nothing', () => {
  const cat = new Catalog(items(100), randomFactors(100, F, 8), F);
  const fresh = Float32Array.from({ length: F }, (_, t) => 10 + t);
  const first = cat.add([{ id: 'new-song', artist: 'A', title: 'T', uri: 'https://example.com/x' }], fresh);
  assert.equal(first, 100);
  assert.equal(cat.size, 101);
  assert.equal(cat.indexOf('new-song'), 100);
  assert.deepEqual(cat.item(100), { id: 'new-song', artist: 'A', title: 'T', uri: 'https://example.com/x' });
  assert.deepEqual(cat.vector(100), fresh);
  assert.deepEqual(cat.factors.subarray(100 * F), fresh);
  assert.equal(cat.topK(fresh, 1)[0].index, 100);
  assert.equal(cat.topK(fresh, 1, { metric: 'cosine' })[0].index, 100);
  assert.throws(() => cat.add(items(1, 5), randomFactors(1, F, 9)), isCode('ERR_INVALID_ARGUMENT', /duplicate song id "song-5"/));
  assert.throws(() => cat.add([{ id: 'x', artist: '', title: '' }, { id: 'x', artist: '', title: '' }], randomFactors(2, F, 9)), isCode('ERR_INVALID_ARGUMENT', /duplicate song id "x" \(items\[1\]\)/));
  assert.throws(() => new Catalog([...items(3), ...items(1, 1)], randomFactors(4, F, 9), F), isCode('ERR_INVALID_ARGUMENT', /"song-1"/));
  assert.equal(cat.size, 101);
  assert.equal(cat.indexOf('x'), -1);
  // Many additions (the buffer grows) keep every earlier row.
  const more = randomFactors(500, F, 10);
  cat.add(items(500, 1000), more);
  assert.deepEqual(cat.factors.subarray(101 * F), more);
  assert.deepEqual(cat.vector(100), fresh);
});

test('approximate index: recall@50 >= 0.95 against the exact search, identical scores, add() joins it', async () => {
  const n = 200_000, f = 50, nq = 100;
  const { factors, queries } = clusteredCatalog(n, nq, f, 11);
  const cat = new Catalog(items(n), factors, f, { annThreshold: 150_000 });
  assert.equal(stateOf(cat), 'building');
  await cat.whenIndexed();
  const status = cat.annStatus;
  if (status.state !== 'ready') return assert.fail(`index ${status.state}`);
  assert.equal(status.lists, Math.round(Math.sqrt(n)));
  for (const metric of ['dot', 'cosine'] as const) {
    const exact = cat.topKBatch(queries, nq, 50, { metric, exact: true });
    const approx = cat.topKBatch(queries, nq, 50, { metric });
    let found = 0;
    for (let j = 0; j < nq; j++) {
      const truth = new Map(exact[j].map((h) => [h.index, h.score]));
      for (const h of approx[j]) {
        if (!truth.has(h.index)) continue;
        found++;
        assert.equal(h.score, truth.get(h.index), `${metric}: the index scores row ${h.index} as the exact scan does`);
      }
      assert.deepEqual(approx[j], cat.topK(queries.subarray(j * f, (j + 1) * f), 50, { metric }), `${metric}: batch = single`);
    }
    const recall = found / (nq * 50);
    assert.ok(recall >= 0.95, `${metric}: recall@50 ${recall} (nprobe ${status.nprobe[metric]} of ${status.lists})`);
    assert.ok(status.nprobe[metric] < status.lists / 4, `${metric}: nprobe ${status.nprobe[metric]} visits a small part of the lists`);
  }
  // A new song far from everything joins the list the query visits first: found through the index.
  const q = queries.subarray(0, f).map((v) => v * 40);
  cat.add([{ id: 'loud', artist: 'a', title: 't' }], q);
  assert.equal(cat.topK(q, 1)[0].index, n);
});

test('songs added while the index builds are indexed when it is ready; visiting every list is exact', async () => {
  const n = 3000, f = 8;
  const y = randomFactors(n, f, 12);
  const cat = new Catalog(items(n), y, f, { annThreshold: 2000, ann: { nprobe: 10_000 } });
  const extra = Float32Array.from({ length: f }, () => 9);
  cat.add([{ id: 'during', artist: 'a', title: 't' }], extra);
  assert.equal(stateOf(cat), 'building');
  assert.equal(cat.topK(extra, 1)[0].index, n, 'exact while building');
  await cat.whenIndexed();
  const status = cat.annStatus;
  assert.ok(status.state === 'ready' && status.nprobe.dot === status.lists && status.lists === 55, 'nprobe is capped at the lists');
  assert.equal(cat.topK(extra, 1)[0].index, n, 'through the index');
  const qs = randomFactors(5, f, 13);
  for (const metric of ['dot', 'cosine'] as const) assert.deepEqual(cat.topKBatch(qs, 5, 30, { metric }), cat.topKBatch(qs, 5, 30, { metric, exact: true }), metric);
  // nprobe 1 still returns k songs: lists are visited until k songs were seen.
  const one = new Catalog(items(n), y, f, { annThreshold: 2000, ann: { nprobe: 1 } });
  await one.whenIndexed();
  assert.equal(one.topK(extra, 500).length, 500);
});

test('bad inputs are refused with ERR_INVALID_ARGUMENT and a clear message', () => {
  const y = randomFactors(10, F, 13);
  const cat = new Catalog(items(10), y, F);
  const q = randomFactors(1, F, 14);
  const bad = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, isCode('ERR_INVALID_ARGUMENT', pattern));
  bad(() => cat.topK(new Float32Array(F - 1), 5), /query must hold F = 12 values, got 11/);
  bad(() => cat.topK(Array.from(q) as unknown as Float32Array, 5), /query must be a Float32Array, got Array/);
  bad(() => cat.topK(q, 0), /k must be an integer in 1\.\./);
  bad(() => cat.topK(q, 2.5), /k must be an integer/);
  bad(() => cat.topK(Float32Array.from(q, (v, t) => (t === 3 ? NaN : v)), 5), /query\[3\] is NaN/);
  bad(() => cat.topK(q, 5, { metric: 'l2' as Metric }), /metric must be 'dot' or 'cosine'/);
  bad(() => cat.topK(q, 5, { exclude: [1, 2] as unknown as Set<number> }), /exclude must be a Set/);
  bad(() => cat.topKBatch(randomFactors(3, F, 1), 2, 5), /queries holds 36 values, expected 2 x F/);
  bad(() => cat.topKBatch(randomFactors(2, F, 1), 2, 5, { exclude: [new Set()] }), /exclude holds 1 sets for 2 queries/);
  bad(() => new Catalog(items(10), randomFactors(9, F, 1), F), /factors holds 108 values, expected 10 x F = 10 x 12 = 120/);
  bad(() => new Catalog(items(2), Float32Array.of(...new Array(2 * F - 1).fill(0), Infinity), F), /factors\[23\] is Infinity \(row 1\)/);
  bad(() => new Catalog(items(2), randomFactors(2, F, 1), 0), /F must be an integer/);
  bad(() => new Catalog([{ id: '', artist: 'a', title: 't' }], randomFactors(1, F, 1), F), /items\[0\]\.id must be a non-empty string/);
  bad(() => new Catalog(items(1), randomFactors(1, F, 1), F, { annThreshold: 0 }), /annThreshold/);
  bad(() => new Catalog(items(1), randomFactors(1, F, 1), F, { ann: { targetRecall: 1.5 } }), /targetRecall/);
  bad(() => cat.item(10), /index must be an integer in 0\.\.9, got 10/);
  bad(() => cat.vector(-1), /index must be an integer/);
  bad(() => cat.add(items(1, 50), new Float32Array(F + 1)), /factors must hold F = 12 values, got 13/);
  assert.equal(cat.size, 10);
  assert.deepEqual(new Catalog([], new Float32Array(0), F).topK(q, 3), []);
});

test('the native entry points refuse malformed arguments instead of reading out of bounds', () => {
  const addon = nativeAddon();
  const y = randomFactors(10, 4, 15);
  const q = randomFactors(2, 4, 16);
  const range = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => (e instanceof RangeError || e instanceof TypeError) && pattern.test((e as Error).message));
  range(() => addon.catalogTopK(y.subarray(0, 39), 10, 4, q, 2, 5, null, 1), /Y must hold at least n x f = 40 values, got 39/);
  range(() => addon.catalogTopK(y, 10, 4, q, 2, 11, null, 1), /k must be an integer in 1\.\.10/);
  range(() => addon.catalogTopK(y, 10, 4, q, 3, 5, null, 1), /queries must hold nq x f/);
  range(() => addon.catalogTopK(y, 10, 4, q, 2, 5, new Float32Array(9), 1), /scale must hold at least 10 values/);
  range(() => addon.catalogTopK(y, 10, 4, Float32Array.from(q, (v, j) => (j === 5 ? NaN : v)), 2, 5, null, 1), /queries\[5\] is NaN/);
  range(() => addon.catalogTopK(y, 10, 4, Array.from(q) as unknown as Float32Array, 2, 5, null, 1), /queries must be a Float32Array/);
  const c = y.subarray(0, 8);
  range(() => new addon.IvfIndex(c, 2, 4, Int32Array.of(0, 1, 2), y, new Float32Array(10)), /labels\[2\] = 2 is outside 0\.\.1/);
  range(() => new addon.IvfIndex(c, 2, 4, new Int32Array(11), y, new Float32Array(11)), /Y must hold at least 11 x f/);
  const ivf = new addon.IvfIndex(c, 2, 4, new Int32Array(10), y, new Float32Array(10));
  range(() => ivf.search(q, 2, 5, 3, false, null, 1), /nprobe must be an integer in 1\.\.2/);
  range(() => ivf.add(y, new Float32Array(10), 11), /Y must hold at least 11 x f/);
  range(() => ivf.add(y, new Float32Array(10), 9), /end must be an integer in 10\.\./);
  assert.equal(ivf.rows, 10);
  assert.deepEqual(Array.from(ivf.listSizes()), [10, 0]);
  const all = ivf.search(q, 2, 12, 1, false, null, 1);
  assert.deepEqual(Array.from(all.indices.subarray(10, 12)), [-1, -1], 'slots past the songs seen');
  assert.equal(all.scores[11], -Infinity);
});
