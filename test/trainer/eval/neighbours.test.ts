/**
 * The neighbour figures (trainer/eval/neighbours.ts) against references that do not share its code:
 * planted clusters whose share and chance have closed forms, a brute-force rank count on random data
 * (j is among clip i's k nearest iff fewer than k other-track clips beat it, ties going to the lower
 * index), hand-built cases for same-track exclusion and tie order, closed-form pairwise cosines, and the
 * MFCC summary and z-score against direct column-wise computations.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { meanPairwiseCosine, mfccSummary, neighbourShare, zScore } from '../../../trainer/eval/neighbours';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { normal } from '../../../trainer/world/random';

type Vec = Float32Array | Float64Array;

function randomVector(rand: Rand, d: number): Float64Array {
  return Float64Array.from({ length: d }, () => normal(rand));
}

function cos(a: Vec, b: Vec): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i];
    na += x * x;
    nb += b[i] * b[i];
  });
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** The figures by counting ranks: O(n³), no sorting, written from the definitions in the doc comments. */
function bruteForce(vectors: Vec[], labels: string[], tracks: string[], k: number) {
  const n = vectors.length;
  let share = 0;
  let chance = 0;
  let withPeers = 0;
  for (let i = 0; i < n; i++) {
    const others = [...Array(n).keys()].filter((j) => tracks[j] !== tracks[i]);
    if (others.length === 0) continue;
    const same = others.filter((j) => labels[j] === labels[i]);
    if (same.length > 0) withPeers++;
    chance += same.length / others.length;
    const c = new Map(others.map((j) => [j, cos(vectors[i], vectors[j])]));
    const inTop = others.filter((j) => others.filter((m) => c.get(m)! > c.get(j)! || (c.get(m) === c.get(j) && m < j)).length < k);
    assert.equal(inTop.length, Math.min(k, others.length));
    share += inTop.filter((j) => labels[j] === labels[i]).length / inTop.length;
  }
  return { share: share / n, chance: chance / n, clipsWithPeers: withPeers, clips: n };
}

describe('neighbourShare', () => {
  // Three planted clusters of 4, 6 and 9 clips (one track each): a cluster's clips are random positive
  // multiples of its own axis plus noise of 1e-3, so within a cluster cos ≈ 1 and across ≈ 0.
  const sizes = [4, 6, 9];
  const n = sizes.reduce((a, b) => a + b, 0);
  const rand = mulberry32(11);
  const vectors: Float64Array[] = [];
  const labels: string[] = [];
  sizes.forEach((m, l) => {
    for (let c = 0; c < m; c++) {
      const v = Float64Array.from({ length: 8 }, () => 1e-3 * normal(rand));
      v[l] += 1;
      vectors.push(v.map((x) => x * (0.5 + rand())));
      labels.push(`soundtrack${l}`);
    }
  });
  const tracks = labels.map((_, i) => `track${i}`);
  // chance: the mean over clips of (m - 1) / (n - 1) = Σ m(m - 1) / (n(n - 1)) = 114 / 342
  const chance = sizes.reduce((s, m) => s + m * (m - 1), 0) / (n * (n - 1));

  test('planted clusters: share 1 while k fits in every cluster, chance in closed form', () => {
    const r = neighbourShare(vectors, labels, tracks, 3);
    assert.ok(Math.abs(r.share - 1) < 1e-12, `share ${r.share}`);
    assert.ok(Math.abs(r.chance - 1 / 3) < 1e-12 && Math.abs(r.chance - chance) < 1e-12, `chance ${r.chance}`);
    assert.equal(r.clipsWithPeers, n);
    assert.equal(r.clips, n);
  });

  test('planted clusters: k beyond a cluster gives min(m - 1, k) / k per clip', () => {
    const k = 8;
    const want = sizes.reduce((s, m) => s + (m * Math.min(m - 1, k)) / k, 0) / n; // (1.5 + 3.75 + 9) / 19 = 0.75
    assert.ok(Math.abs(want - 0.75) < 1e-12);
    assert.ok(Math.abs(neighbourShare(vectors, labels, tracks, k).share - want) < 1e-12);
    // k past every other clip: the neighbours are all other-track clips, so the share is chance itself.
    const all = neighbourShare(vectors, labels, tracks, 1000);
    assert.ok(Math.abs(all.share - chance) < 1e-12, `${all.share} vs ${chance}`);
  });

  test('random vectors, labels and multi-clip tracks: equal to the brute-force rank count', () => {
    const r2 = mulberry32(5);
    const vs = Array.from({ length: 40 }, () => randomVector(r2, 6));
    const ls = vs.map(() => `L${Math.floor(r2() * 5)}`);
    const ts = vs.map(() => `T${Math.floor(r2() * 25)}`); // ~15 tracks with 2+ clips
    assert.ok(new Set(ts).size < vs.length - 5, 'the draw has tracks with several clips');
    for (const k of [1, 3, 7, 100]) {
      const got = neighbourShare(vs, ls, ts, k);
      const want = bruteForce(vs, ls, ts, k);
      assert.equal(got.clipsWithPeers, want.clipsWithPeers);
      assert.equal(got.clips, want.clips);
      assert.ok(Math.abs(got.share - want.share) < 1e-12, `k=${k}: share ${got.share} vs ${want.share}`);
      assert.ok(Math.abs(got.chance - want.chance) < 1e-12, `k=${k}: chance ${got.chance} vs ${want.chance}`);
    }
    // Float32 factors (what the engine predicts) give the same figures as their exact float64 copies.
    const f32 = vs.map((v) => Float32Array.from(v));
    assert.deepEqual(neighbourShare(f32, ls, ts, 3), bruteForce(f32.map((v) => Float64Array.from(v)), ls, ts, 3));
  });

  test('clips of the same track are never neighbours or chance peers', () => {
    // Clips 0 and 1 are one track with identical vectors; the nearest other-track clip of either is 2
    // (label Y). Counting the twin would make clip 0's nearest neighbour clip 1, a same-label hit.
    const v = [[1, 0], [1, 0], [1, 0.1], [0, 1]].map((x) => Float64Array.from(x));
    const r = neighbourShare(v, ['X', 'X', 'Y', 'X'], ['a', 'a', 'b', 'c'], 1);
    assert.equal(r.share, 0);
    // chance per clip: 1/2 (X among {2, 3}), 1/2, 0 (clip 2 is the only Y), 2/3 (X among {0, 1, 2})
    assert.ok(Math.abs(r.chance - (1 / 2 + 1 / 2 + 0 + 2 / 3) / 4) < 1e-12, `chance ${r.chance}`);
    assert.equal(r.clipsWithPeers, 3);
    // One track only: nobody has an other-track clip; both means count the clips and add 0.
    assert.deepEqual(neighbourShare(v.slice(0, 2), ['X', 'X'], ['a', 'a'], 1), { share: 0, chance: 0, clipsWithPeers: 0, clips: 2 });
  });

  test('ties go to the lower clip index', () => {
    // Clips 1 and 2 are at exactly the same cosine (1/√2) from clip 0; k = 1 takes clip 1.
    const v = [[1, 0], [1, 1], [1, -1]].map((x) => Float64Array.from(x));
    const t = ['q', 'r', 's'];
    assert.equal(cos(v[0], v[1]), cos(v[0], v[2]));
    // labels X X Y: clip 0 → 1 (X, hit), clip 1 → 0 (X, hit), clip 2 → 0 (X, miss)
    assert.ok(Math.abs(neighbourShare(v, ['X', 'X', 'Y'], t, 1).share - 2 / 3) < 1e-12);
    // labels X Y X: clip 0 → 1 (Y, miss), clip 1 → 0 (miss), clip 2 → 0 (hit)
    assert.ok(Math.abs(neighbourShare(v, ['X', 'Y', 'X'], t, 1).share - 1 / 3) < 1e-12);
    // Seven clips all orthogonal to clip 0 (cos 0, all tied): its 3 nearest are clips 1, 2, 3.
    const w = [Float64Array.from([1, 0]), ...Array.from({ length: 7 }, () => Float64Array.from([0, 1]))];
    const labels = ['X', 'X', 'X', 'Y', 'Y', 'Y', 'Y', 'X'];
    const { share } = neighbourShare(w, labels, labels.map((_, i) => `t${i}`), 3);
    assert.deepEqual(share, bruteForce(w, labels, labels.map((_, i) => `t${i}`), 3).share);
  });

  test('argument errors name the problem', () => {
    const v = [Float64Array.from([1]), Float64Array.from([2])];
    assert.throws(() => neighbourShare(v, ['a'], ['x', 'y']), { code: 'ERR_INVALID_ARGUMENT', message: /2 vectors, 1 labels, 2 tracks/ });
    assert.throws(() => neighbourShare(v, ['a', 'b'], ['x']), { code: 'ERR_INVALID_ARGUMENT', message: /2 vectors, 2 labels, 1 tracks/ });
    for (const k of [0, -1, 1.5, NaN]) assert.throws(() => neighbourShare(v, ['a', 'b'], ['x', 'y'], k), { code: 'ERR_INVALID_ARGUMENT', message: new RegExp(`k must be a positive integer, got ${k}`) });
  });
});

describe('meanPairwiseCosine', () => {
  test('closed forms: orthogonal 0, scaled copies 1, mixed 1/3, opposite -1', () => {
    const basis = Array.from({ length: 5 }, (_, i) => Float64Array.from({ length: 5 }, (_, j) => (i === j ? 3 - i : 0)));
    assert.equal(meanPairwiseCosine(basis), 0);
    const v = Float64Array.from([0.3, -1.2, 2.5, 0.01]);
    const copies = [0.5, 1, 2, 1e3].map((s) => v.map((x) => x * s));
    assert.ok(Math.abs(meanPairwiseCosine(copies) - 1) < 1e-12);
    // e1, e1, e2: pairs (1, 0, 0) → 1/3
    const e = (i: number) => Float64Array.from([i === 0 ? 1 : 0, i === 1 ? 1 : 0]);
    assert.ok(Math.abs(meanPairwiseCosine([e(0), e(0), e(1)]) - 1 / 3) < 1e-15);
    assert.ok(Math.abs(meanPairwiseCosine([v, v.map((x) => -x)]) + 1) < 1e-12);
    // A zero vector has cosine 0 with everything; one vector has no pairs.
    assert.equal(meanPairwiseCosine([v, new Float64Array(4)]), 0);
    assert.ok(Number.isNaN(meanPairwiseCosine([v])));
  });

  test('random vectors: the mean of the brute-force cosine over all pairs', () => {
    const rand = mulberry32(3);
    const vs = Array.from({ length: 12 }, () => Float32Array.from(randomVector(rand, 7)));
    let s = 0;
    for (let i = 0; i < vs.length; i++) for (let j = 0; j < i; j++) s += cos(vs[i], vs[j]);
    assert.ok(Math.abs(meanPairwiseCosine(vs) - s / 66) < 1e-12);
  });
});

describe('mfccSummary', () => {
  test('random frames: per-coefficient mean and population sd, computed column by column', () => {
    const rand = mulberry32(9);
    const frames = 57;
    const width = 39;
    const nMfcc = 13;
    const m = Float32Array.from({ length: frames * width }, () => normal(rand, 3, 2));
    const got = mfccSummary(m, width, nMfcc);
    assert.equal(got.length, 2 * nMfcc);
    for (let c = 0; c < nMfcc; c++) {
      const col = Array.from({ length: frames }, (_, f) => m[f * width + c]);
      const mean = col.reduce((a, b) => a + b, 0) / frames;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / frames);
      assert.ok(Math.abs(got[c] - mean) < 1e-12, `mean ${c}`);
      assert.ok(Math.abs(got[nMfcc + c] - sd) < 1e-12, `sd ${c}`);
    }
    // Closed form: frames [1, 5, 10] and [3, 7, 20] → means 2 and 6, sds 1 and 1 (the 3rd value ignored).
    assert.deepEqual(Array.from(mfccSummary(Float32Array.from([1, 5, 10, 3, 7, 20]), 3, 2)), [2, 6, 1, 1]);
  });

  test('a length that is not frames × width, no frames, or more coefficients than the width is refused', () => {
    assert.throws(() => mfccSummary(new Float32Array(10), 3, 2), { code: 'ERR_INVALID_ARGUMENT', message: /10 values are not frames × 3 with 2 coefficients/ });
    assert.throws(() => mfccSummary(new Float32Array(0), 3, 2), { code: 'ERR_INVALID_ARGUMENT', message: /0 values/ });
    assert.throws(() => mfccSummary(new Float32Array(6), 3, 4), { code: 'ERR_INVALID_ARGUMENT', message: /with 4 coefficients/ });
  });
});

describe('zScore', () => {
  test('every column mean 0 and sd 1, a constant column 0, the input untouched', () => {
    const rand = mulberry32(4);
    const rows = Array.from({ length: 20 }, () => Float64Array.from([normal(rand, 100, 7), rand() * 1e-3, 42, normal(rand)]));
    const before = rows.map((r) => Array.from(r));
    const z = zScore(rows);
    for (let c = 0; c < 4; c++) {
      const col = z.map((r) => r[c]);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      assert.ok(Math.abs(mean) < 1e-12, `column ${c} mean ${mean}`);
      if (c === 2) assert.ok(col.every((x) => x === 0), 'constant column → 0');
      else assert.ok(Math.abs(sd - 1) < 1e-12, `column ${c} sd ${sd}`);
    }
    assert.deepEqual(rows.map((r) => Array.from(r)), before);
    // An affine change of a column (a unit change) leaves its z-scores as they were.
    const scaled = zScore(rows.map((r) => Float64Array.from([r[0] * 1000 - 5, r[1], r[2], r[3]])));
    z.forEach((r, i) => assert.ok(Math.abs(r[0] - scaled[i][0]) < 1e-9));
    // Closed form: [1, 3] → [-1, 1].
    assert.deepEqual(zScore([Float64Array.from([1]), Float64Array.from([3])]).map((r) => r[0]), [-1, 1]);
    assert.deepEqual(zScore([]), []);
  });
});
