// MLR (trainer/bow/mlr*.ts) against oracles written out here: loss-augmented inference against an
// enumeration of every labelling of tiny problems, the Xᵀ L X constraint against the sum of pair
// matrices, the restricted solver against analytic optima, learning a metric on data whose
// informative dimensions are known, convergence of the
// cutting-plane loop, the k-NN factor prediction and the cosine relevance against brute force, and
// the argument checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { symmetricEigen } from '../../../trainer/bow/sym-eigen';
import { separationOracle } from '../../../trainer/bow/mlr-oracle';
import { RestrictedSolver } from '../../../trainer/bow/mlr-solver';
import { metricAuc, predictFactorsByNeighbours, relevantByFactors, trainMlr, type MlrMetric } from '../../../trainer/bow/mlr';

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** B Bᵀ · scale for a random d x d B: a random PSD matrix. */
function randomPsd(d: number, r: Rand, scale: number): Float64Array {
  const b = Array.from({ length: d * d }, () => gauss(r));
  const w = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += b[i * d + k] * b[j * d + k];
    w[i * d + j] = s * scale;
  }
  return w;
}

/** φ_qk = −(x_q − x_k)(x_q − x_k)ᵀ, written out. */
function phi(x: Float64Array, d: number, q: number, k: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) out[a * d + b] = -(x[q * d + a] - x[k * d + a]) * (x[q * d + b] - x[k * d + b]);
  return out;
}

function frob(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `count` distinct indices in 0..n−1 other than q. */
function pick(r: Rand, n: number, q: number, count: number): Int32Array {
  const pool = Array.from({ length: n }, (_, i) => i).filter((i) => i !== q);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(r() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return Int32Array.from(pool.slice(0, count));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('loss-augmented inference equals the best of all 2^(P·N) labellings (P = 2, N = 3)', () => {
  const n = 6;
  const d = 3;
  let partial = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const r = mulberry32(seed);
    const x = Float64Array.from({ length: n * d }, () => gauss(r));
    const w = randomPsd(d, r, 0.05 + 0.3 * r());
    const rel = Array.from({ length: n }, (_, q) => pick(r, n, q, 2));
    const gBrute = new Float64Array(d * d);
    let lossBrute = 0;
    let valueBrute = 0;
    for (let q = 0; q < n; q++) {
      const pos = Array.from(rel[q]);
      const neg = Array.from({ length: n }, (_, k) => k).filter((k) => k !== q && !pos.includes(k));
      const pairs = pos.flatMap((i) => neg.map((j) => frobDiff(phi(x, d, q, i), phi(x, d, q, j))));
      const pn = pairs.length; // 6
      let best = -Infinity;
      let bestPsi = new Float64Array(d * d);
      let bestLoss = 0;
      for (let mask = 0; mask < 1 << pn; mask++) {
        const psi = new Float64Array(d * d);
        let flips = 0;
        pairs.forEach((m, p) => {
          const y = mask & (1 << p) ? -1 : 1;
          if (y < 0) flips++;
          for (let a = 0; a < d * d; a++) psi[a] += (y * m[a]) / pn;
        });
        const value = flips / pn + frob(w, psi);
        if (value > best) {
          best = value;
          bestPsi = psi;
          bestLoss = flips / pn;
        }
      }
      const psiTrue = new Float64Array(d * d);
      pairs.forEach((m) => m.forEach((v, a) => (psiTrue[a] += v / pn)));
      for (let a = 0; a < d * d; a++) gBrute[a] += (psiTrue[a] - bestPsi[a]) / n;
      lossBrute += bestLoss / n;
      valueBrute += (best - frob(w, psiTrue)) / n; // max_ȳ Δ + ⟨W, ψ(ȳ) − ψ(y*)⟩
    }
    const c = separationOracle(x, n, d, w, rel);
    assert.equal(c.queries, n);
    assert.ok(maxAbsDiff(c.g, gBrute) < 1e-12, `seed ${seed}: G differs by ${maxAbsDiff(c.g, gBrute)}`);
    assert.ok(Math.abs(c.loss - lossBrute) < 1e-12, `seed ${seed}: Δ ${c.loss} vs ${lossBrute}`);
    assert.ok(Math.abs(c.margin - frob(w, gBrute)) < 1e-12, `seed ${seed}: margin ${c.margin} vs ${frob(w, gBrute)}`);
    assert.ok(Math.abs(c.loss - c.margin - valueBrute) < 1e-12, `seed ${seed}: oracle value ${c.loss - c.margin} vs ${valueBrute}`);
    if (c.loss > 0.05 && c.loss < 0.95) partial++;
  }
  assert.ok(partial >= 5, `only ${partial} of 20 problems mixed flipped and kept pairs; the check would be weak`);
});

function frobDiff(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]);
}

test('the constraint from Xᵀ L X equals the direct sum of (2/(P·N)) (φ_qi − φ_qj) over flipped pairs', () => {
  const n = 12;
  const d = 4;
  const r = mulberry32(42);
  const x = Float64Array.from({ length: n * d }, () => 2 * gauss(r));
  const w = randomPsd(d, r, 0.05);
  const rel = Array.from({ length: n }, (_, q) => pick(r, n, q, q === 3 ? 0 : 1 + (q % 4))); // query 3 has none: skipped
  const g = new Float64Array(d * d);
  let loss = 0;
  let queries = 0;
  let flippedAll = 0;
  for (let q = 0; q < n; q++) {
    const pos = Array.from(rel[q]);
    if (pos.length === 0) continue;
    queries++;
    const neg = Array.from({ length: n }, (_, k) => k).filter((k) => k !== q && !pos.includes(k));
    const score = (k: number) => frob(w, phi(x, d, q, k));
    const scale = 2 / (pos.length * neg.length);
    let flipped = 0;
    for (const i of pos) for (const j of neg) {
      if (!(2 * (score(i) - score(j)) < 1)) continue;
      flipped++;
      const m = frobDiff(phi(x, d, q, i), phi(x, d, q, j));
      for (let a = 0; a < d * d; a++) g[a] += scale * m[a];
    }
    flippedAll += flipped;
    loss += flipped / (pos.length * neg.length);
  }
  for (let a = 0; a < d * d; a++) g[a] /= queries;
  const c = separationOracle(x, n, d, w, rel);
  assert.equal(c.queries, n - 1);
  assert.ok(flippedAll > 0, 'no pair flipped: the check would be empty');
  assert.ok(maxAbsDiff(c.g, g) < 1e-9, `G differs by ${maxAbsDiff(c.g, g)}`);
  assert.ok(Math.abs(c.loss - loss / queries) < 1e-12);
});

/** Rows with 2 informative columns (std 1) and d − 2 noise columns (std 3); relevant = r nearest in the informative plane. */
function informativeData(n: number, d: number, r: number, seed: number): { x: Float32Array; rel: Int32Array[] } {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) x[i * d + a] = (a < 2 ? 1 : 3) * gauss(rand);
  const rel = Array.from({ length: n }, (_, q) => {
    const others = Array.from({ length: n }, (_, k) => k).filter((k) => k !== q);
    const dist = (k: number) => (x[q * d] - x[k * d]) ** 2 + (x[q * d + 1] - x[k * d + 1]) ** 2;
    others.sort((u, v) => dist(u) - dist(v));
    return Int32Array.from(others.slice(0, r));
  });
  return { x, rel };
}

function identityMetric(d: number): MlrMetric {
  const W = new Float64Array(d * d);
  for (let a = 0; a < d; a++) W[a * d + a] = 1;
  return { W, dims: d, features: d, center: new Float64Array(d) };
}

test('the restricted solver reaches the analytic optima of small working sets (trace and Frobenius)', async () => {
  // Orthonormal q_1, q_2 (a rotated basis), Δ = 1 throughout, C = 10, g1 = 0.5, g2 = 0.25.
  // (a) One constraint G = g1 q1q1ᵀ + g2 q2q2ᵀ: trace puts all of W on the top eigenvector,
  //     W = q1q1ᵀ/g1 (tr 2); Frobenius spreads it, W = G/‖G‖² (objective 1/(2‖G‖²) = 1.6).
  // (b) Two constraints G_i = g_i q_i q_iᵀ: with w_i = (1 − ξ)/g_i both tie at slack ξ (the kink where
  //     plain subgradient steps stall); trace: (1 − ξ)(1/g1 + 1/g2) + Cξ, optimal at ξ = 0 (C > 6);
  //     Frobenius: ½(1 − ξ)²(1/g1² + 1/g2²) + Cξ, optimal at ξ = 1 − C/20 = 0.5, objective 7.5.
  const d = 3;
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const q1 = [c, s, 0];
  const q2 = [-s * 0.6, c * 0.6, 0.8];
  const [g1, g2] = [0.5, 0.25];
  const C = 10;
  const mix = (a1: number, a2: number) => Float64Array.from({ length: d * d }, (_, i) => a1 * q1[Math.floor(i / d)] * q1[i % d] + a2 * q2[Math.floor(i / d)] * q2[i % d]);
  const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `${what}: ${got} vs ${want}`);

  let sol = await new RestrictedSolver(d, C, 'trace', 5000, 1).add(mix(g1, g2), 1);
  close(sol.objective, 1 / g1, 'trace (a) objective');
  assert.ok(maxAbsDiff(sol.w, mix(1 / g1, 0)) < 1e-4, `trace (a): W ${Array.from(sol.w)}`);
  const norm2 = g1 ** 2 + g2 ** 2;
  sol = await new RestrictedSolver(d, C, 'frobenius', 5000, 1).add(mix(g1, g2), 1);
  close(sol.objective, 1 / (2 * norm2), 'Frobenius (a) objective');
  assert.ok(maxAbsDiff(sol.w, mix(g1 / norm2, g2 / norm2)) < 1e-4, `Frobenius (a): W ${Array.from(sol.w)}`);

  const trace = new RestrictedSolver(d, C, 'trace', 5000, 1);
  close((await trace.add(mix(g1, 0), 1)).objective, 1 / g1, 'trace (b), first constraint');
  sol = await trace.add(mix(0, g2), 1);
  close(sol.objective, 1 / g1 + 1 / g2, 'trace (b) objective');
  assert.ok(maxAbsDiff(sol.w, mix(1 / g1, 1 / g2)) < 1e-4, `trace (b): W ${Array.from(sol.w)}`);
  assert.equal(trace.constraints, 2);

  const frobenius = new RestrictedSolver(d, C, 'frobenius', 5000, 1);
  await frobenius.add(mix(g1, 0), 1);
  sol = await frobenius.add(mix(0, g2), 1);
  close(sol.objective, 7.5, 'Frobenius (b) objective');
  close(sol.xi, 0.5, 'Frobenius (b) ξ');
  assert.ok(maxAbsDiff(sol.w, mix(0.5 / g1, 0.5 / g2)) < 1e-4, `Frobenius (b): W ${Array.from(sol.w)}`);
});

test('MLR learns the informative dimensions: trace concentrated there, held-out AUC far above Euclidean, W PSD', async () => {
  const d = 10;
  const train = informativeData(120, d, 5, 1);
  const held = informativeData(80, d, 5, 2);
  const model = await trainMlr(train.x, 120, d, train.rel, { C: 1000, maxIterations: 60 });
  assert.equal(model.dims, d);
  let trace = 0;
  for (let a = 0; a < d; a++) trace += model.W[a * d + a];
  const share = (model.W[0] + model.W[d + 1]) / trace;
  assert.ok(share > 0.8, `informative share of tr W is ${share.toFixed(3)}`);
  const learned = metricAuc(model, held.x, 80, held.rel);
  const euclid = metricAuc(identityMetric(d), held.x, 80, held.rel);
  assert.ok(euclid < 0.6, `Euclidean AUC ${euclid} should be near chance on this data`);
  assert.ok(learned > euclid + 0.25, `held-out AUC ${learned.toFixed(3)} vs Euclidean ${euclid.toFixed(3)}`);
  assert.ok(model.trainAuc > 0.85, `training AUC ${model.trainAuc}`);
  const eig = await symmetricEigen(Float64Array.from(model.W), d, { vectors: 0 });
  assert.ok(eig.values[d - 1] >= -1e-9, `min eigenvalue ${eig.values[d - 1]}`);
});

test('the cutting-plane loop stops with the most violated constraint within ε of ξ (trace and Frobenius)', async () => {
  const d = 6;
  const n = 60;
  const data = informativeData(n, d, 4, 3);
  for (const regularizer of ['trace', 'frobenius'] as const) {
    const rounds: number[] = [];
    const epsilon = 1e-3;
    const model = await trainMlr(data.x, n, d, data.rel, { C: 30, regularizer, epsilon, maxIterations: 300, dims: 4, onIteration: (it) => rounds.push(it.constraints) });
    assert.ok(model.converged, `${regularizer}: not converged after ${model.iterations} rounds (violation ${model.violation}, ξ ${model.xi})`);
    assert.equal(rounds.length, model.iterations);
    assert.ok(model.iterations >= 2);
    // An independent oracle call on the raw columns with the returned W: distances, hence the
    // constraint, do not depend on the internal normalisation.
    const raw = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) for (let a = 0; a < 4; a++) raw[i * 4 + a] = data.x[i * d + a];
    const c = separationOracle(raw, n, 4, model.W, data.rel);
    const violation = c.loss - c.margin;
    assert.ok(Math.abs(violation - model.violation) < 1e-6, `${regularizer}: violation ${violation} vs reported ${model.violation}`);
    assert.ok(violation <= model.xi + epsilon + 1e-9, `${regularizer}: violation ${violation} > ξ ${model.xi} + ε`);
    assert.ok(model.trainAuc > 0.7, `${regularizer}: training AUC ${model.trainAuc}`);
  }
});

test('predictFactorsByNeighbours equals a brute-force k-NN under d_W; relevantByFactors a brute-force cosine ranking', () => {
  const r = mulberry32(9);
  const features = 5;
  const dims = 3;
  const nTrain = 30;
  const nCold = 7;
  const f = 4;
  const k = 4;
  const W = randomPsd(dims, r, 1);
  const model: MlrMetric = { W, dims, features, center: Float64Array.from({ length: dims }, () => gauss(r)) };
  const trainX = Float32Array.from({ length: nTrain * features }, () => gauss(r));
  const coldX = Float32Array.from({ length: nCold * features }, () => gauss(r));
  const factors = Float32Array.from({ length: nTrain * f }, () => gauss(r));
  const got = predictFactorsByNeighbours(model, trainX, factors, coldX, nCold, f, k);
  assert.equal(got.length, nCold * f);
  for (let c = 0; c < nCold; c++) {
    const dist = Array.from({ length: nTrain }, (_, j) => {
      let s = 0;
      for (let a = 0; a < dims; a++) for (let b = 0; b < dims; b++) s += (coldX[c * features + a] - trainX[j * features + a]) * W[a * dims + b] * (coldX[c * features + b] - trainX[j * features + b]);
      return { j, s };
    });
    dist.sort((u, v) => u.s - v.s || u.j - v.j);
    for (let a = 0; a < f; a++) {
      const want = dist.slice(0, k).reduce((acc, e) => acc + factors[e.j * f + a], 0) / k;
      assert.ok(Math.abs(got[c * f + a] - want) < 1e-6, `cold ${c} factor ${a}: ${got[c * f + a]} vs ${want}`);
    }
  }
  // AUC counts ties half: on a line, query 0 (at 0) with relevant song 1 (at 1) against song 2 (at −1,
  // a tie) and song 3 (at 3, correctly below): (0.5 + 1) / 2; the other queries have no relevant songs.
  const line = Float32Array.of(0, 1, -1, 3);
  assert.equal(metricAuc({ W: Float64Array.of(1), dims: 1, features: 1, center: Float64Array.of(0) }, line, 4, [Int32Array.of(1), [], [], []]), 0.75);
  const rel = relevantByFactors(factors, nTrain, f, 6);
  for (let q = 0; q < nTrain; q++) {
    const cos = (j: number) => {
      let dot = 0;
      let nq = 0;
      let nj = 0;
      for (let a = 0; a < f; a++) {
        dot += factors[q * f + a] * factors[j * f + a];
        nq += factors[q * f + a] ** 2;
        nj += factors[j * f + a] ** 2;
      }
      return dot / Math.sqrt(nq * nj);
    };
    const want = Array.from({ length: nTrain }, (_, j) => j).filter((j) => j !== q).sort((u, v) => cos(v) - cos(u) || u - v).slice(0, 6);
    assert.deepEqual(Array.from(rel[q]), want, `song ${q}`);
  }
});

test('bad inputs raise ERR_INVALID_ARGUMENT naming the problem', async () => {
  const n = 8;
  const d = 3;
  const r = mulberry32(5);
  const x = Float32Array.from({ length: n * d }, () => gauss(r));
  const rel = Array.from({ length: n }, (_, q) => pick(r, n, q, 2));
  const bad = (pattern: RegExp) => (err: unknown) => err instanceof EarshotError && err.code === 'ERR_INVALID_ARGUMENT' && pattern.test(err.message);
  await assert.rejects(trainMlr(x.subarray(1), n, d, rel), bad(/x holds 23 values, expected 8 x 3/));
  const nan = Float32Array.from(x);
  nan[7] = NaN;
  await assert.rejects(trainMlr(nan, n, d, rel), bad(/x is not finite at row 2, column 1/));
  await assert.rejects(trainMlr(x, n, d, rel.slice(1)), bad(/relevant has 7 lists, expected one per row \(8\)/));
  await assert.rejects(trainMlr(x, n, d, rel.map((l, q) => (q === 2 ? Int32Array.of(8) : l))), bad(/relevant\[2\]\[0\] must be a row index in 0\.\.7/));
  await assert.rejects(trainMlr(x, n, d, rel.map((l, q) => (q === 4 ? Int32Array.of(4) : l))), bad(/relevant\[4\] lists the query itself/));
  await assert.rejects(trainMlr(x, n, d, rel.map((l, q) => (q === 1 ? Int32Array.of(3, 3) : l))), bad(/relevant\[1\] lists row 3 twice/));
  await assert.rejects(trainMlr(x, n, d, rel.map(() => new Int32Array(0))), bad(/no query has both relevant and irrelevant/));
  await assert.rejects(trainMlr(x, n, d, rel, { dims: 4 }), bad(/dims must be an integer in 1\.\.3/));
  await assert.rejects(trainMlr(x, n, d, rel, { C: 0 }), bad(/C must be a finite number/));
  await assert.rejects(trainMlr(x, n, d, rel, { C: -1 }), bad(/C must be/));
  await assert.rejects(trainMlr(x, n, d, rel, { regularizer: 'l1' as never }), bad(/regularizer must be 'trace' or 'frobenius'/));
  await assert.rejects(trainMlr(x, n, d, rel, { epsilon: 0 }), bad(/epsilon must be/));
  await assert.rejects(trainMlr(x, n, d, rel, { maxIterations: 0 }), bad(/maxIterations must be/));
  await assert.rejects(trainMlr(new Float32Array(n * d).fill(2), n, d, rel), bad(/zero variance/));
  assert.throws(() => relevantByFactors(x, n, d, n), bad(/r must be an integer in 1\.\.7, got 8/));
  assert.throws(() => relevantByFactors(x, n, d, 0), bad(/r must be/));
  const infinite = Float32Array.from(x);
  infinite[0] = Infinity;
  assert.throws(() => relevantByFactors(infinite, n, d, 2), bad(/factors is not finite at row 0, column 0/));
  const model = identityMetric(d);
  const factors = Float32Array.from({ length: n * 2 }, () => gauss(r));
  assert.throws(() => predictFactorsByNeighbours(model, x, factors, x, n, 2, n + 1), bad(/k must be an integer in 1\.\.8, got 9/));
  assert.throws(() => predictFactorsByNeighbours(model, x, factors.subarray(2), x, n, 2), bad(/trainFactors holds 14 values, expected 8 x 2/));
  assert.throws(() => predictFactorsByNeighbours(model, x, factors, x.subarray(3), n, 2), bad(/coldX holds 21 values, expected 8 x 3/));
  assert.throws(() => predictFactorsByNeighbours(model, x.subarray(1), factors, x, n, 2), bad(/trainX holds 23 values, not a positive multiple of the model's 3 features/));
  assert.throws(() => predictFactorsByNeighbours({ ...model, dims: 4 }, x, factors, x, n, 2), bad(/model dims must be an integer in 1\.\.3/));
});
