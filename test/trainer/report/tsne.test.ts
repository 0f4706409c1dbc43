// Exact t-SNE (trainer/report/tsne.ts) against oracles computed here: the entropy of each conditional
// row, the Gaussian form of each row, KL(P‖Q) recomputed by brute force from the returned map, and
// three well-separated clusters that must stay separate. Small n, so the whole file runs in seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32 } from '../../../trainer/eval/prng';
import { conditionalAffinities, tsne } from '../../../trainer/report/tsne';

/** Standard normal by Box-Muller on the project PRNG. */
function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** `k` clusters of `per` points in `dim` dimensions: centres `sep` apart on coordinate axes, unit noise. */
function clusters(k: number, per: number, dim: number, sep: number, seed: number): { x: Float32Array; labels: number[] } {
  const rand = mulberry32(seed);
  const x = new Float32Array(k * per * dim);
  const labels: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < per; p++) {
      const i = c * per + p;
      labels.push(c);
      for (let d = 0; d < dim; d++) x[i * dim + d] = (d === c ? sep : 0) + gauss(rand);
    }
  }
  return { x, labels };
}

function sqDist(x: Float32Array, dim: number, i: number, j: number, cosine: boolean): number {
  let s = 0, ni = 0, nj = 0;
  for (let c = 0; c < dim; c++) {
    ni += x[i * dim + c] ** 2;
    nj += x[j * dim + c] ** 2;
  }
  const si = cosine ? 1 / Math.sqrt(ni) : 1, sj = cosine ? 1 / Math.sqrt(nj) : 1;
  for (let c = 0; c < dim; c++) s += (x[i * dim + c] * si - x[j * dim + c] * sj) ** 2;
  return s;
}

test('perplexity search: every conditional row has entropy log(perplexity) and the Gaussian form', () => {
  const n = 80, dim = 10;
  const rand = mulberry32(11);
  const x = Float32Array.from({ length: n * dim }, () => 3 * gauss(rand));
  for (const metric of ['euclidean', 'cosine'] as const) {
    for (const perplexity of [2, 5, 30, 79]) {
      const { p, betas } = conditionalAffinities(x, dim, { perplexity, metric });
      for (let i = 0; i < n; i++) {
        let sum = 0, h = 0;
        for (let j = 0; j < n; j++) {
          const v = p[i * n + j];
          sum += v;
          if (v > 0) h -= v * Math.log(v);
        }
        assert.equal(p[i * n + i], 0);
        assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} sums to ${sum}`);
        assert.ok(Math.abs(h - Math.log(perplexity)) < 1e-4, `${metric} perplexity ${perplexity} row ${i}: H = ${h}, want ${Math.log(perplexity)}`);
        // p_{j|i} / p_{k|i} = exp(−β_i (d_ij − d_ik)): check against the nearest of a few neighbours.
        const j = (i + 1) % n, k = (i + 2) % n;
        const want = -betas[i] * (sqDist(x, dim, i, j, metric === 'cosine') - sqDist(x, dim, i, k, metric === 'cosine'));
        if (p[i * n + j] > 1e-200 && p[i * n + k] > 1e-200) {
          assert.ok(Math.abs(Math.log(p[i * n + j] / p[i * n + k]) - want) < 1e-6 * Math.max(1, Math.abs(want)), `row ${i}: log ratio`);
        }
      }
    }
  }
});

test('the KL divergence returned equals KL(P‖Q) recomputed by brute force from the map', () => {
  const { x } = clusters(3, 15, 8, 6, 5);
  const n = 45, dim = 8, perplexity = 10;
  const seen: Array<{ iteration: number; kl: number }> = [];
  const res = tsne(x, dim, { perplexity, iterations: 300, seed: 9, onProgress: (p) => seen.push(p) });
  assert.equal(res.embedding.length, 2 * n);
  const { p: cond } = conditionalAffinities(x, dim, { perplexity });
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) z += 1 / (1 + (res.embedding[2 * i] - res.embedding[2 * j]) ** 2 + (res.embedding[2 * i + 1] - res.embedding[2 * j + 1]) ** 2);
    }
  }
  let kl = 0, sumP = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const pij = (cond[i * n + j] + cond[j * n + i]) / (2 * n);
      const qij = 1 / (1 + (res.embedding[2 * i] - res.embedding[2 * j]) ** 2 + (res.embedding[2 * i + 1] - res.embedding[2 * j + 1]) ** 2) / z;
      sumP += pij;
      if (pij > 0) kl += pij * Math.log(pij / qij);
    }
  }
  assert.ok(Math.abs(sumP - 1) < 1e-12);
  assert.ok(Math.abs(res.kl - kl) < 1e-9 * Math.max(1, kl), `returned ${res.kl}, brute force ${kl}`);
  // Progress every 50 iterations, the last one being the returned map; the optimiser lowered the KL.
  assert.deepEqual(seen.map((s) => s.iteration), [50, 100, 150, 200, 250, 300]);
  assert.equal(seen[seen.length - 1].kl, res.kl);
  assert.ok(seen[0].kl > res.kl, `KL rose from ${seen[0].kl} to ${res.kl}`);
  // The map is centred, as the optimiser re-centres after every step.
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += res.embedding[2 * i] / n;
    my += res.embedding[2 * i + 1] / n;
  }
  assert.ok(Math.abs(mx) < 1e-9 && Math.abs(my) < 1e-9);
});

test('three well-separated Gaussian clusters in 20-D stay three clusters in the map', () => {
  const { x, labels } = clusters(3, 20, 20, 12, 3);
  const n = 60;
  for (const metric of ['euclidean', 'cosine'] as const) {
    const { embedding: y, kl } = tsne(x, 20, { metric, perplexity: 15 });
    assert.ok(Number.isFinite(kl) && kl > 0);
    for (let i = 0; i < n; i++) {
      let best = -1, bestD = Infinity;
      for (let j = 0; j < n; j++) {
        const d = (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
        if (j !== i && d < bestD) [best, bestD] = [j, d];
      }
      assert.equal(labels[best], labels[i], `${metric}: point ${i}'s nearest neighbour ${best} is in another cluster`);
    }
    const centroid = [0, 1, 2].map((c) => {
      const idx = labels.flatMap((l, i) => (l === c ? [i] : []));
      const cx = idx.reduce((s, i) => s + y[2 * i], 0) / idx.length, cy = idx.reduce((s, i) => s + y[2 * i + 1], 0) / idx.length;
      const spread = Math.sqrt(idx.reduce((s, i) => s + (y[2 * i] - cx) ** 2 + (y[2 * i + 1] - cy) ** 2, 0) / idx.length);
      return { cx, cy, spread };
    });
    const maxSpread = Math.max(...centroid.map((c) => c.spread));
    for (let a = 0; a < 3; a++) {
      for (let b = a + 1; b < 3; b++) {
        const d = Math.hypot(centroid[a].cx - centroid[b].cx, centroid[a].cy - centroid[b].cy);
        assert.ok(d > 5 * maxSpread, `${metric}: centroids ${a}, ${b} are ${d.toFixed(2)} apart, RMS spread up to ${maxSpread.toFixed(2)}`);
      }
    }
  }
});

test('same seed gives the same map bit for bit; another seed gives another', () => {
  const { x } = clusters(3, 10, 6, 5, 1);
  const a = tsne(x, 6, { perplexity: 8, iterations: 120, seed: 42 });
  const b = tsne(x, 6, { perplexity: 8, iterations: 120, seed: 42 });
  const c = tsne(x, 6, { perplexity: 8, iterations: 120, seed: 43 });
  assert.deepEqual(a.embedding, b.embedding);
  assert.equal(a.kl, b.kl);
  assert.notDeepEqual(a.embedding, c.embedding);
  // Zero iterations returns the seeded initialisation, N(0, 10⁻⁴ I): standard deviation about 0.01.
  const init = tsne(x, 6, { perplexity: 8, iterations: 0, seed: 42 }).embedding;
  const sd = Math.sqrt(init.reduce((s, v) => s + v * v, 0) / init.length);
  assert.ok(sd > 0.003 && sd < 0.03, `initial standard deviation ${sd}, expected about 0.01`);
});

test('bad inputs are refused with ERR_INVALID_ARGUMENT and a message naming the problem', () => {
  const { x } = clusters(2, 5, 3, 4, 2); // 10 points, 3-D
  const cases: Array<[() => unknown, RegExp]> = [
    [() => tsne(x.subarray(0, 9), 3), /at least 4 points, got 3/],
    [() => tsne(x, 3, { perplexity: 10 }), /perplexity must be a number in 1\.\.n − 1 = 9.*got 10/],
    [() => tsne(x, 3, { perplexity: 12 }), /perplexity must be/],
    [() => tsne(x, 3, { perplexity: NaN }), /perplexity must be .*got NaN/],
    [() => tsne(Float32Array.from(x, (v, i) => (i === 7 ? NaN : v)), 3, { perplexity: 3 }), /x\[2\]\[1\] is NaN: every value must be finite/],
    [() => tsne(x, 4, { perplexity: 3 }), /not a whole number of rows of 4/],
    [() => tsne(x, 0), /dim must be a positive integer/],
    [() => tsne(Array.from(x) as unknown as Float32Array, 3), /must be a Float32Array/],
    [() => tsne(Float32Array.from(x, (v, i) => (i < 3 ? 0 : v)), 3, { perplexity: 3, metric: 'cosine' }), /row 0 is all zeros/],
    [() => tsne(x, 3, { perplexity: 3, metric: 'manhattan' as 'cosine' }), /metric must be 'euclidean' or 'cosine'/],
    [() => tsne(x, 3, { perplexity: 3, seed: -1 }), /seed must be an integer/],
    [() => tsne(x, 3, { perplexity: 3, iterations: 1.5 }), /iterations must be an integer/],
    [() => tsne(x, 3, { perplexity: 3, learningRate: 0 }), /learningRate must be 'auto' or a number/],
    [() => tsne(x, 3, { perplexity: 3, maxPoints: 8 }), /10 points is more than maxPoints = 8/],
    [() => conditionalAffinities(x, 3, { perplexity: 0.5 }), /perplexity must be/],
  ];
  for (const [f, message] of cases) {
    assert.throws(f, (e: unknown) => e instanceof EarshotError && e.code === 'ERR_INVALID_ARGUMENT' && message.test(e.message), String(message));
  }
});
