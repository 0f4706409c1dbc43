// k-means (trainer/bow/kmeans.ts, native/cluster/kmeans.h) against oracles written out here: recovery of the
// centres of well-separated blobs, a double-precision brute force for every assignment and inertia,
// Lloyd's monotone inertia, seeded determinism (also across thread counts), empty-cluster re-seeding,
// the histogram scalings, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { assignKmeans, fitKmeans } from '../../../trainer/bow/kmeans';
import { codewordHistograms } from '../../../trainer/bow/histogram';
import { nativeAddon } from '../../../src/native/addon';

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function randomMatrix(rows: number, cols: number, seed: number, offset = 0): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: rows * cols }, () => offset + gauss(r));
}

/** Squared distance in float64, coordinates in index order: the definition the native side matches. */
function dist2(x: Float32Array, i: number, c: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const u = x[i * d + t] - c[j * d + t];
    s += u * u;
  }
  return s;
}

/** Nearest centroid by brute force, ties to the lowest index. */
function bruteAssign(x: Float32Array, n: number, d: number, c: Float32Array): { labels: Int32Array; inertia: number } {
  const k = c.length / d;
  const labels = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < k; j++) {
      const s = dist2(x, i, c, j, d);
      if (s < best) { best = s; labels[i] = j; }
    }
    inertia += best;
  }
  return { labels, inertia };
}

function blobs(centres: number[][], perBlob: number, sigma: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const d = centres[0].length;
  const x = new Float32Array(centres.length * perBlob * d);
  for (let i = 0; i < centres.length * perBlob; i++) for (let t = 0; t < d; t++) x[i * d + t] = centres[i % centres.length][t] + sigma * gauss(r);
  return x;
}

test('recovers the centres of well-separated blobs; inertia and labels equal a brute force', async () => {
  const r = mulberry32(11);
  const d = 5;
  const truth = Array.from({ length: 6 }, (_, b) => Array.from({ length: d }, (_, t) => (t === b % d ? 60 : 0) + (b >= d ? -60 : 0) + r()));
  const per = 300;
  const x = blobs(truth, per, 1, 12);
  const n = truth.length * per;
  const m = await fitKmeans(x, n, d, { k: 6, seed: 3, threads: 2, initCandidates: 3 });
  assert.equal(m.sampleRows, null);
  assert.ok(m.converged);
  const used = new Set<number>();
  for (const c of truth) {
    let best = Infinity;
    let arg = -1;
    for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (m.centroids[j * d + t] - c[t]) ** 2;
      if (s < best) { best = s; arg = j; }
    }
    // The mean of 300 N(0, 1) draws per coordinate is within ~0.06 of the centre.
    assert.ok(Math.sqrt(best) < 0.5, `centre ${c.map((v) => v.toFixed(1))} is ${Math.sqrt(best).toFixed(3)} from its nearest centroid`);
    used.add(arg);
  }
  assert.equal(used.size, 6, 'each true centre matches a different centroid');
  const brute = bruteAssign(x, n, d, m.centroids);
  assert.deepEqual(m.labels, brute.labels);
  const last = m.inertia[m.inertia.length - 1];
  assert.ok(Math.abs(last - brute.inertia) <= 1e-12 * brute.inertia, `inertia ${last} vs brute force ${brute.inertia}`);
});

test('Lloyd iterations never increase the inertia', async () => {
  const n = 3000, d = 8;
  const x = randomMatrix(n, d, 21);
  for (const [k, seed] of [[20, 1], [57, 2]]) {
    const m = await fitKmeans(x, n, d, { k, seed, iterations: 40, tol: 0, threads: 2 });
    assert.ok(m.inertia.length >= 3, `ran ${m.iterations} iterations`);
    for (let t = 1; t < m.inertia.length; t++) assert.ok(m.inertia[t] <= m.inertia[t - 1], `iteration ${t}: ${m.inertia[t]} > ${m.inertia[t - 1]}`);
    const brute = bruteAssign(x, n, d, m.centroids);
    assert.ok(Math.abs(m.inertia[m.inertia.length - 1] - brute.inertia) <= 1e-12 * brute.inertia);
  }
});

test('k-means++ seeding: the same seed gives the same rows for any thread count; another seed differs', async () => {
  const n = 4000, d = 6, k = 40;
  const x = randomMatrix(n, d, 5);
  const seeds = (seed: number, threads: number, initCandidates = 1) => fitKmeans(x, n, d, { k, seed, threads, iterations: 0, initCandidates });
  const a = await seeds(7, 1);
  assert.deepEqual((await seeds(7, 2)).centroids, a.centroids);
  assert.deepEqual((await seeds(7, 3)).centroids, a.centroids);
  assert.notDeepEqual((await seeds(8, 2)).centroids, a.centroids);
  const greedy = await seeds(7, 1, 5);
  assert.deepEqual((await seeds(7, 2, 5)).centroids, greedy.centroids);
  // Seeds are distinct rows of x.
  const rows = new Set<number>();
  for (let j = 0; j < k; j++) {
    let hit = -1;
    for (let i = 0; i < n && hit < 0; i++) if (dist2(x, i, a.centroids, j, d) === 0) hit = i;
    assert.ok(hit >= 0, `seed ${j} is not a row of x`);
    rows.add(hit);
  }
  assert.equal(rows.size, k);
  // A whole fit is deterministic across thread counts too.
  const f1 = await fitKmeans(x, n, d, { k, seed: 7, threads: 1, iterations: 15 });
  const f2 = await fitKmeans(x, n, d, { k, seed: 7, threads: 2, iterations: 15 });
  assert.deepEqual(f2.centroids, f1.centroids);
  assert.deepEqual(f2.inertia, f1.inertia);
});

test('assignKmeans equals the brute-force nearest centroid, also with a large offset and exact ties', async () => {
  for (const [n, d, k, offset, seed] of [[2000, 13, 97, 0, 1], [1500, 39, 300, 0, 2], [1000, 20, 64, 1000, 3], [777, 3, 5, 0, 4]]) {
    const x = randomMatrix(n, d, seed, offset);
    const c = randomMatrix(k, d, seed + 100, offset);
    const got = await assignKmeans(x, n, d, c, { threads: 2 });
    assert.deepEqual(got, bruteAssign(x, n, d, c).labels, `n ${n} d ${d} k ${k} offset ${offset}`);
  }
  // Duplicate centroids and rows exactly between two centroids: the lowest index wins.
  const c = Float32Array.from([0, 0, 2, 0, 2, 0, 0, 2]);
  const x = Float32Array.from([1, 0, 2, 0, 0, 1, 1, 1, 5, 5]);
  assert.deepEqual(await assignKmeans(x, 5, 2, c), Int32Array.from([0, 1, 0, 0, 1]));
  assert.deepEqual(await assignKmeans(new Float32Array(0), 0, 2, c), new Int32Array(0));
});

test('empty clusters are re-seeded from the farthest rows', async () => {
  const n = 600, d = 4, k = 8;
  const x = randomMatrix(n, d, 9);
  // Three centroids far from every row start empty.
  const init = randomMatrix(k, d, 10);
  for (let j = 5; j < 8; j++) for (let t = 0; t < d; t++) init[j * d + t] = 1000 + j;
  const m = await fitKmeans(x, n, d, { k, init, iterations: 30, tol: 0 });
  assert.ok(m.relocated >= 3, `relocated ${m.relocated}`);
  const counts = new Array(k).fill(0);
  for (const l of m.labels) counts[l]++;
  assert.ok(counts.every((c) => c > 0), `cluster sizes ${counts}`);
  for (let t = 1; t < m.inertia.length; t++) assert.ok(m.inertia[t] <= m.inertia[t - 1]);
});

test('fits a seeded sample of the rows when asked', async () => {
  const n = 5000, d = 3;
  const x = randomMatrix(n, d, 31);
  const m = await fitKmeans(x, n, d, { k: 10, sample: 1200, seed: 4 });
  assert.ok(m.sampleRows);
  assert.equal(m.sampleRows.length, 1200);
  assert.equal(m.labels.length, 1200);
  for (let i = 1; i < 1200; i++) assert.ok(m.sampleRows[i] > m.sampleRows[i - 1]);
  const again = await fitKmeans(x, n, d, { k: 10, sample: 1200, seed: 4 });
  assert.deepEqual(again.sampleRows, m.sampleRows);
  assert.deepEqual(again.centroids, m.centroids);
});

test('histograms: counts (the paper), frequency, log1p and tf-idf', () => {
  const labels = Int32Array.from([0, 0, 2, 1, 2, 2, 2]);
  const offsets = [0, 3, 3, 7]; // song 1 has no frames
  const counts = codewordHistograms(labels, offsets, 3);
  assert.deepEqual(Array.from(counts.values), [2, 0, 1, 0, 0, 0, 0, 1, 3]);
  assert.deepEqual(Array.from(codewordHistograms(labels, offsets, 3, { scaling: 'frequency' }).values).map((v) => +v.toFixed(6)), [0.666667, 0, 0.333333, 0, 0, 0, 0, 0.25, 0.75]);
  assert.deepEqual(Array.from(codewordHistograms(labels, offsets, 3, { scaling: 'log1p' }).values), Array.from(Float32Array.from([2, 0, 1, 0, 0, 0, 0, 1, 3].map(Math.log1p))));
  const tfidf = codewordHistograms(labels, offsets, 3, { scaling: 'tfidf' });
  // df = [1, 1, 2] over 3 songs: idf = ln(4/2)+1, ln(4/2)+1, ln(4/3)+1.
  const idf = [Math.log(2) + 1, Math.log(2) + 1, Math.log(4 / 3) + 1];
  assert.ok(tfidf.idf && tfidf.idf.every((v, c) => Math.abs(v - idf[c]) < 1e-15));
  const row0 = [2 * idf[0], 0, idf[2]];
  const norm0 = Math.hypot(...row0);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(tfidf.values[c] - row0[c] / norm0) < 1e-6);
  assert.deepEqual(Array.from(tfidf.values.subarray(3, 6)), [0, 0, 0]);
  const held = codewordHistograms(Int32Array.from([1]), [0, 1], 3, { scaling: 'tfidf', idf: tfidf.idf });
  assert.deepEqual(Array.from(held.values), [0, 1, 0]);
});

test('bad inputs are EarshotErrors that name the argument', async () => {
  const x = randomMatrix(100, 4, 1);
  const code = (c: string, re: RegExp) => (e: unknown) => e instanceof EarshotError && e.code === c && re.test(e.message);
  const bad = 'ERR_INVALID_ARGUMENT';
  await assert.rejects(fitKmeans([1, 2] as unknown as Float32Array, 1, 2, { k: 1 }), code(bad, /x must be a Float32Array/));
  await assert.rejects(fitKmeans(x, 100, 5, { k: 2 }), code(bad, /x holds 400 values, expected 100 x 5/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 101 }), code(bad, /k \(101\) must not exceed/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 0 }), code(bad, /^k must be/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 3, tol: -1 }), code(bad, /tol/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 3, seed: 1.5 }), code(bad, /seed/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 3, threads: 0 }), code(bad, /threads/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 3, init: new Float32Array(5) }), code(bad, /init holds 5 values/));
  await assert.rejects(fitKmeans(x, 100, 4, { k: 3, sample: 2 }), code(bad, /the sample/));
  const nan = x.slice();
  nan[37] = NaN;
  await assert.rejects(fitKmeans(nan, 100, 4, { k: 3 }), code('ERR_NOT_FINITE', /x\[37\] is NaN/));
  await assert.rejects(assignKmeans(x, 100, 4, new Float32Array(6)), code(bad, /centroids hold 6 values/));
  await assert.rejects(assignKmeans(x, 100, 4, Float32Array.from([0, 0, 0, Infinity])), code('ERR_NOT_FINITE', /centroids\[3\] is infinite/));
  assert.throws(() => codewordHistograms(Int32Array.from([0, 3]), [0, 2], 3), code(bad, /labels\[1\] = 3 is outside 0..2/));
  assert.throws(() => codewordHistograms(Int32Array.from([0, 1]), [0, 1], 3), code(bad, /songOffsets must start at 0 and end at labels.length/));
  assert.throws(() => codewordHistograms(Int32Array.from([0, 1]), [0, 2, 1, 2], 3), code(bad, /non-decreasing/));
  assert.throws(() => codewordHistograms(Int32Array.from([0]), [0, 1], 3, { scaling: 'idf' as never }), code(bad, /scaling must be/));
});

test('raw addon: misuse throws TypeError/RangeError naming the argument; work runs off the event loop', async () => {
  const a = nativeAddon();
  const x = new Float32Array(40);
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['fit x array', () => a.kmeansFitAsync([1] as never, 1, 1, 1, 1, 0, 1, 1, 1, null), /x must be a Float32Array/],
    ['fit n*d', () => a.kmeansFitAsync(x, 11, 4, 2, 1, 0, 1, 1, 1, null), /x must hold n x d = 44 values, got 40/],
    ['fit k > n', () => a.kmeansFitAsync(x, 10, 4, 11, 1, 0, 1, 1, 1, null), /k \(11\) must not exceed/],
    ['fit tol NaN', () => a.kmeansFitAsync(x, 10, 4, 2, 1, NaN, 1, 1, 1, null), /tol/],
    ['fit seed 2^32', () => a.kmeansFitAsync(x, 10, 4, 2, 1, 0, 2 ** 32, 1, 1, null), /seed must be an integer/],
    ['fit threads 0', () => a.kmeansFitAsync(x, 10, 4, 2, 1, 0, 1, 1, 0, null), /threads/],
    ['fit init length', () => a.kmeansFitAsync(x, 10, 4, 2, 1, 0, 1, 1, 1, new Float32Array(7)), /init must hold k x d = 8/],
    ['assign centroids type', () => a.kmeansAssignAsync(x, 10, 4, new Float64Array(8) as never, 2, 1), /centroids must be a Float32Array/],
    ['cross gram', () => a.crossProductAsync(x, 10, 4, null, 1 as never, 1), /gram must be a boolean/],
    ['cross mean length', () => a.crossProductAsync(x, 10, 4, new Float64Array(3), false, 1), /mean must hold one value per column = 4/],
    ['eigen n', () => a.symEigenAsync(new Float64Array(9), 2, 2, 0, 1), /a must hold n x n = 4 values, got 9/],
    ['eigen maxVectors', () => a.symEigenAsync(new Float64Array(4), 2, 3, 0, 1), /maxVectors must be an integer in 0\.\.2/],
    ['eigen fraction', () => a.symEigenAsync(new Float64Array(4), 2, 2, 1.5, 1), /varianceFraction must be at most 1/],
    ['project b', () => a.projectAsync(x, 10, 4, null, new Float32Array(5), 2, 1), /b must hold cols x depth = 8 values, got 5/],
  ];
  for (const [label, fn, re] of cases) {
    assert.throws(fn, (e: unknown) => (e instanceof TypeError || e instanceof RangeError) && re.test((e as Error).message), label);
  }
  // A fit of a few tenths of a second: timers keep firing while it runs on libuv's pool.
  const n = 40_000, d = 16;
  const big = randomMatrix(n, d, 3);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await fitKmeans(big, n, d, { k: 300, iterations: 5, tol: 0, threads: 1 });
  clearInterval(timer);
  assert.ok(ticks >= 2, `only ${ticks} timer ticks during the fit`);
});
