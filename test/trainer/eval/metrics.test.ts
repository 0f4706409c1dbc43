// The evaluation (trainer/eval/metrics.ts, evaluate.ts) against a brute-force reference written out
// plainly here: AP by walking a fully sorted ranking, AUC by enumerating every (relevant, irrelevant)
// pair. Plus hand-computed cases and the random baseline's expected AUC of 1/2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Csr } from '../../../trainer/data/csr';
import { evaluate, randomBaseline, type EvaluationResult } from '../../../trainer/eval/evaluate';
import { rankMetrics, ROLE_EXCLUDED, ROLE_IRRELEVANT, ROLE_RELEVANT } from '../../../trainer/eval/metrics';
import { mulberry32 } from '../../../trainer/eval/prng';
import type { EarshotError } from '../../../src/errors';

function csrFromRows(rows: number[][], cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  const indices: number[] = [];
  rows.forEach((r, u) => { indices.push(...[...r].sort((a, b) => a - b)); indptr[u + 1] = indices.length; });
  return { indptr, indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: rows.length, cols };
}

function row(m: Csr, u: number): number[] {
  return Array.from(m.indices.subarray(m.indptr[u], m.indptr[u + 1]));
}

interface Problem { train: Csr; test: Csr; U: Float32Array; V: Float32Array; f: number }

/**
 * Random users x items problem. `quantised`: factors in {-1, -1/2, 0, 1/2, 1}, so scores are exact
 * multiples of 1/4 and tie often. `overlap`: some test items also in train (they must be excluded).
 */
function randomProblem(seed: number, users: number, items: number, f: number, quantised: boolean, overlap = false): Problem {
  const r = mulberry32(seed);
  const value = () => (quantised ? (Math.floor(r() * 5) - 2) / 2 : r() * 2 - 1);
  const U = Float32Array.from({ length: users * f }, value);
  const V = Float32Array.from({ length: items * f }, value);
  const trainRows: number[][] = [];
  const testRows: number[][] = [];
  for (let u = 0; u < users; u++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < items; i++) {
      const x = r();
      if (x < 0.15) tr.push(i);
      else if (x < 0.25) te.push(i);
      else if (overlap && x < 0.27) { tr.push(i); te.push(i); }
    }
    if (u % 7 === 3) te.length = 0; // some users with nothing to find
    trainRows.push(tr);
    testRows.push(te);
  }
  return { train: csrFromRows(trainRows, items), test: csrFromRows(testRows, items), U, V, f };
}

interface RefUser { user: number; ap: number; auc: number }

/** The definition, step by step, with no cleverness. */
function reference(p: Problem, candidates: number[], k: number): RefUser[] {
  const out: RefUser[] = [];
  for (let u = 0; u < p.train.rows; u++) {
    const inTrain = new Set(row(p.train, u));
    const inTest = new Set(row(p.test, u));
    const ranked = candidates.filter((i) => !inTrain.has(i)).map((i) => {
      let s = 0;
      for (let x = 0; x < p.f; x++) s += p.U[u * p.f + x] * p.V[i * p.f + x];
      return { i, s };
    });
    const relevant = ranked.filter((c) => inTest.has(c.i));
    const irrelevant = ranked.filter((c) => !inTest.has(c.i));
    if (relevant.length === 0) continue;
    const sorted = [...ranked].sort((a, b) => b.s - a.s || a.i - b.i);
    let hits = 0;
    let sum = 0;
    for (let r = 1; r <= Math.min(k, sorted.length); r++) {
      if (inTest.has(sorted[r - 1].i)) { hits++; sum += hits / r; }
    }
    let pairs = 0;
    for (const a of relevant) for (const b of irrelevant) pairs += a.s > b.s ? 1 : a.s === b.s ? 0.5 : 0;
    out.push({ user: u, ap: sum / Math.min(relevant.length, k), auc: irrelevant.length ? pairs / (relevant.length * irrelevant.length) : NaN });
  }
  return out;
}

function assertMatchesReference(got: EvaluationResult, ref: RefUser[], users: number, label: string): void {
  const pu = got.perUser!;
  assert.deepEqual(Array.from(pu.users), ref.map((x) => x.user), `${label}: evaluated users`);
  for (let j = 0; j < ref.length; j++) {
    assert.ok(Math.abs(pu.ap[j] - ref[j].ap) <= 1e-9, `${label}: user ${ref[j].user} AP ${pu.ap[j]} vs ${ref[j].ap}`);
    if (Number.isNaN(ref[j].auc)) assert.ok(Number.isNaN(pu.auc[j]), `${label}: user ${ref[j].user} AUC should be undefined`);
    else assert.ok(Math.abs(pu.auc[j] - ref[j].auc) <= 1e-9, `${label}: user ${ref[j].user} AUC ${pu.auc[j]} vs ${ref[j].auc}`);
  }
  const withAuc = ref.filter((x) => !Number.isNaN(x.auc));
  assert.ok(Math.abs(got.map - ref.reduce((s, x) => s + x.ap, 0) / ref.length) <= 1e-9, `${label}: MAP`);
  assert.ok(Math.abs(got.auc - withAuc.reduce((s, x) => s + x.auc, 0) / withAuc.length) <= 1e-9, `${label}: AUC`);
  assert.equal(got.users, ref.length);
  assert.equal(got.usersSkipped, users - ref.length);
  assert.equal(got.aucUsers, withAuc.length);
  assert.equal(got.aucUndefined, ref.length - withAuc.length);
}

test('evaluate agrees with the brute-force reference on random problems (ties, overlap, subsets, K)', () => {
  let cases = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    for (const quantised of [true, false]) {
      const users = 37;
      const items = 90;
      const p = randomProblem(seed, users, items, 3, quantised, seed % 2 === 0);
      const all = Array.from({ length: items }, (_, i) => i);
      // A scrambled subset: candidate order must not matter, only item ids break ties.
      const subset = all.filter((i) => (i * 7 + seed) % 3 !== 0).sort((a, b) => ((a * 31) % 17) - ((b * 31) % 17) || a - b);
      for (const [cands, label] of [[all, 'all'], [subset, 'subset']] as const) {
        for (const k of [1, 5, 500]) {
          const got = evaluate({ train: p.train, test: p.test, userFactors: p.U, itemFactors: p.V, factors: p.f, candidates: label === 'all' ? undefined : Int32Array.from(cands), k, perUser: true });
          assertMatchesReference(got, reference(p, cands, k), users, `seed ${seed} ${quantised ? 'quantised' : 'continuous'} ${label} K=${k}`);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 72);
});

test('a user whose every ranked candidate is relevant counts in MAP but has no AUC', () => {
  // 3 items; user 0 trained on item 0, test items 1 and 2: nothing irrelevant is left to rank.
  const p: Problem = { train: csrFromRows([[0], [0]], 3), test: csrFromRows([[1, 2], [1]], 3), U: Float32Array.of(1, 1), V: Float32Array.of(3, 1, 2), f: 1 };
  const got = evaluate({ train: p.train, test: p.test, userFactors: p.U, itemFactors: p.V, factors: 1, perUser: true });
  assert.equal(got.users, 2);
  assert.equal(got.aucUsers, 1);
  assert.equal(got.aucUndefined, 1);
  assert.equal(got.perUser!.ap[0], 1);
  assert.ok(Number.isNaN(got.perUser!.auc[0]));
  // User 1: ranking 2 (score 2), 1 (score 1): relevant item 1 at rank 2 -> AP 1/2, AUC 0.
  assert.equal(got.perUser!.ap[1], 0.5);
  assert.equal(got.perUser!.auc[1], 0);
  assert.equal(got.auc, 0);
  assert.equal(got.map, 0.75);
  assertMatchesReference(got, reference(p, [0, 1, 2], 500), 2, 'all-relevant');
});

/** rankMetrics over positions 0..n-1 with item id = position. */
function metricsOf(scores: number[], relevant: number[], k = 500, excluded: number[] = []) {
  const roles = new Uint8Array(scores.length).fill(ROLE_IRRELEVANT);
  for (const c of relevant) roles[c] = ROLE_RELEVANT;
  for (const c of excluded) roles[c] = ROLE_EXCLUDED;
  return rankMetrics(Float64Array.from(scores), Int32Array.from(scores, (_, i) => i), roles, scores.length, k);
}

test('closed forms: perfect ranking, reversed ranking, hand-computed examples', () => {
  // Perfect: the relevant items on top.
  const perfect = metricsOf([5, 4, 3, 2, 1], [0, 1]);
  assert.equal(perfect.ap, 1);
  assert.equal(perfect.auc, 1);
  // Reversed: relevant at ranks 4 and 5 -> AP = (1/4 + 2/5) / 2 = 0.325, AUC = 0.
  const reversed = metricsOf([5, 4, 3, 2, 1], [3, 4]);
  assert.ok(Math.abs(reversed.ap - 0.325) < 1e-15);
  assert.equal(reversed.auc, 0);
  // Relevant at ranks 2 and 4: AP = (1/2 + 2/4) / 2 = 1/2; pairs: item 1 beats 2 and 4, item 3 beats 4
  // -> 3 of 6 = 1/2.
  const mixed = metricsOf([0.9, 0.8, 0.7, 0.6, 0.5], [1, 3]);
  assert.ok(Math.abs(mixed.ap - 0.5) < 1e-15);
  assert.equal(mixed.auc, 0.5);
  // K = 1 truncates: rank 2 is not counted; normaliser min(2, 1) = 1.
  assert.equal(metricsOf([0.9, 0.8, 0.7, 0.6, 0.5], [1, 3], 1).ap, 0);
  assert.equal(metricsOf([0.9, 0.8, 0.7, 0.6, 0.5], [0, 3], 1).ap, 1);
  // K = 3: only rank 2 counts: (1/2) / min(2, 3) = 1/4.
  assert.equal(metricsOf([0.9, 0.8, 0.7, 0.6, 0.5], [1, 3], 3).ap, 0.25);
  // Ties: items 0 and 1 score 1; the smaller id ranks first, so relevant item 1 is rank 2 -> AP 1/2;
  // AUC: tie with item 0 counts 1/2, beats item 2 -> 1.5 / 2.
  const tied = metricsOf([1, 1, 0.5], [1]);
  assert.equal(tied.ap, 0.5);
  assert.equal(tied.auc, 0.75);
  // The same tie with the relevant item at the smaller id: rank 1.
  assert.equal(metricsOf([1, 1, 0.5], [0]).ap, 1);
  // All scores equal: AUC exactly 1/2 whatever the labels.
  assert.equal(metricsOf([2, 2, 2, 2, 2, 2], [1, 4]).auc, 0.5);
  // An excluded candidate is not ranked: removing the top item moves relevant item 1 to rank 1.
  const excl = metricsOf([0.9, 0.8, 0.7], [1], 500, [0]);
  assert.equal(excl.ap, 1);
  assert.equal(excl.auc, 1);
  assert.equal(excl.irrelevant, 1);
  // No relevant candidate: both undefined.
  assert.ok(Number.isNaN(metricsOf([1, 2], []).ap));
  // ±Infinity scores order fine; NaN is refused.
  assert.equal(metricsOf([Infinity, -Infinity, 0], [0]).auc, 1);
  assert.throws(() => metricsOf([NaN, 1, 0], [1]), (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT');
});

test('training items are excluded: a trained item scored on top changes nothing', () => {
  const p = randomProblem(11, 40, 120, 4, false);
  const base = { factors: p.f, perUser: true };
  // Make item 0 part of every user's training row, then give it the top score for everyone or the
  // bottom score: the results must be identical, and equal to the reference.
  const trainRows = Array.from({ length: p.train.rows }, (_, u) => [...new Set([0, ...row(p.train, u)])]);
  const testRows = Array.from({ length: p.test.rows }, (_, u) => row(p.test, u).filter((i) => i !== 0));
  const train = csrFromRows(trainRows, p.train.cols);
  const testM = csrFromRows(testRows, p.test.cols);
  // Positive user factors, so item 0 = (1e6, ...) is every user's top score and -1e6 the bottom one.
  const U = Float32Array.from(p.U, (v) => Math.abs(v) + 0.01);
  const top = Float32Array.from(p.V);
  const bottom = Float32Array.from(p.V);
  for (let x = 0; x < p.f; x++) { top[x] = 1e6; bottom[x] = -1e6; }
  const a = evaluate({ ...base, train, test: testM, userFactors: U, itemFactors: top });
  const b = evaluate({ ...base, train, test: testM, userFactors: U, itemFactors: bottom });
  assert.deepEqual(a, b);
  const all = Array.from({ length: p.train.cols }, (_, i) => i);
  assertMatchesReference(a, reference({ ...p, train, test: testM, U, V: top }, all, 500), p.train.rows, 'exclusion');
});

test('random baseline: AUC within 0.5 +- 0.02 on a large problem, deterministic per seed', () => {
  const users = 1000;
  const items = 5000;
  const r = mulberry32(99);
  const testRows: number[][] = [];
  const trainRows: number[][] = [];
  for (let u = 0; u < users; u++) {
    const te = new Set<number>();
    const tr = new Set<number>();
    while (te.size < 10) te.add(Math.floor(r() * items));
    while (tr.size < 20) { const i = Math.floor(r() * items); if (!te.has(i)) tr.add(i); }
    testRows.push([...te]);
    trainRows.push([...tr]);
  }
  const train = csrFromRows(trainRows, items);
  const testM = csrFromRows(testRows, items);
  const a = randomBaseline({ train, test: testM, seed: 7 });
  assert.equal(a.users, users);
  assert.ok(Math.abs(a.auc - 0.5) < 0.02, `random AUC ${a.auc}`);
  // Expected AP of a random ranking is about m / n = 10 / 4980 (plus small-rank luck); far below 0.05.
  assert.ok(a.map > 0 && a.map < 0.05, `random MAP ${a.map}`);
  assert.deepEqual(randomBaseline({ train, test: testM, seed: 7 }), a);
  assert.notEqual(randomBaseline({ train, test: testM, seed: 8 }).auc, a.auc);
});

test('evaluate refuses inconsistent input with ERR_INVALID_ARGUMENT', () => {
  const p = randomProblem(3, 5, 10, 2, false);
  const o = { train: p.train, test: p.test, userFactors: p.U, itemFactors: p.V, factors: p.f };
  const isArg = (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT';
  assert.throws(() => evaluate({ ...o, test: csrFromRows([[1]], 10) }), isArg);
  assert.throws(() => evaluate({ ...o, factors: 3 }), isArg);
  assert.throws(() => evaluate({ ...o, itemFactors: p.V.subarray(2) }), isArg);
  const nan = Float32Array.from(p.U);
  nan[3] = NaN;
  assert.throws(() => evaluate({ ...o, userFactors: nan }), isArg);
  assert.throws(() => evaluate({ ...o, candidates: Int32Array.of(1, 2, 1) }), isArg);
  assert.throws(() => evaluate({ ...o, candidates: Int32Array.of(10) }), isArg);
  assert.throws(() => evaluate({ ...o, users: Int32Array.of(5) }), isArg);
  assert.throws(() => evaluate({ ...o, k: 0 }), isArg);
  assert.throws(() => randomBaseline({ train: p.train, test: p.test, seed: -1 }), isArg);
});
