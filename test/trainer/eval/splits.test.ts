// Train/test splits (trainer/eval/splits.ts): deterministic per seed, an exact partition of the input,
// the per-user counts the doc promises, and cold-start songs with no training play at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCsr, type Csr } from '../../../trainer/data/csr';
import { evaluate, randomBaseline } from '../../../trainer/eval/evaluate';
import { mulberry32, sampleInPlace } from '../../../trainer/eval/prng';
import { interactionHoldout, itemColdStartHoldout, validationShare, type Split } from '../../../trainer/eval/splits';
import type { EarshotError } from '../../../src/errors';
import { skewedPlays } from '../../helpers/random-plays';

/** Every stored entry as "user item count". */
function entries(m: Csr): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.rows; u++) for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) out.push(`${u} ${m.indices[j]} ${m.data[j]}`);
  return out;
}

function assertPartition(m: Csr, s: Split): void {
  checkCsr(s.train, 'train');
  checkCsr(s.test, 'test');
  for (const part of [s.train, s.test]) assert.deepEqual([part.rows, part.cols], [m.rows, m.cols]);
  const tr = entries(s.train);
  const te = entries(s.test);
  const pairs = (e: string[]) => e.map((x) => x.split(' ').slice(0, 2).join(' '));
  const trainPairs = new Set(pairs(tr));
  assert.ok(pairs(te).every((p) => !trainPairs.has(p)), 'train and test share a (user, item)');
  assert.deepEqual([...tr, ...te].sort(), entries(m).sort(), 'train + test is not the input');
}

const same = (a: Split, b: Split) => assert.deepEqual(a, b);

test('interaction holdout: partition, per-user counts, deterministic per seed', () => {
  const m = skewedPlays(1, 300, 500, 40);
  const s = interactionHoldout(m, { seed: 5 });
  assertPartition(m, s);
  for (let u = 0; u < m.rows; u++) {
    const n = m.indptr[u + 1] - m.indptr[u];
    const t = s.test.indptr[u + 1] - s.test.indptr[u];
    const want = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(0.2 * n)));
    assert.equal(t, want, `user ${u}: ${n} items, ${t} held out`);
  }
  same(interactionHoldout(m, { seed: 5 }), s);
  assert.notDeepEqual(interactionHoldout(m, { seed: 6 }).test.indices, s.test.indices);
  const half = interactionHoldout(m, { fraction: 0.5, seed: 5 });
  assertPartition(m, half);
  assert.ok(half.test.indices.length > s.test.indices.length);
});

test('interaction holdout samples uniformly within a row', () => {
  // One user with 2000 items: held-out positions should average about the middle (999.5, sd about 26).
  const n = 2000;
  const m: Csr = { indptr: Int32Array.of(0, n), indices: Int32Array.from({ length: n }, (_, i) => i), data: new Float32Array(n).fill(1), rows: 1, cols: n };
  const s = interactionHoldout(m, { seed: 3 });
  assert.equal(s.test.indices.length, 400);
  const mean = s.test.indices.reduce((a, b) => a + b, 0) / 400;
  assert.ok(Math.abs(mean - (n - 1) / 2) < 100, `mean held-out position ${mean}`);
});

test('item cold-start holdout: held-out songs leave training entirely', () => {
  const m = skewedPlays(2, 400, 800, 30);
  const s = itemColdStartHoldout(m, { seed: 9 });
  assertPartition(m, s);
  const played = new Set(m.indices);
  const held = new Set(s.items);
  assert.equal(s.items.length, Math.round(0.2 * played.size));
  assert.equal(held.size, s.items.length, 'items unique');
  assert.deepEqual(Array.from(s.items), [...s.items].sort((a, b) => a - b), 'items ascending');
  for (const i of s.items) assert.ok(played.has(i), `held-out item ${i} had no plays`);
  for (const i of s.train.indices) assert.ok(!held.has(i), `held-out item ${i} still in training`);
  for (const i of s.test.indices) assert.ok(held.has(i), `test holds item ${i} that was not held out`);
  // Every play of a held-out song moved: its test column has as many entries as its original column.
  const count = (x: Int32Array, i: number) => x.reduce((a, b) => a + (b === i ? 1 : 0), 0);
  for (const i of s.items.subarray(0, 20)) assert.equal(count(s.test.indices, i), count(m.indices, i));
  same(itemColdStartHoldout(m, { seed: 9 }), s);
  assert.notDeepEqual(itemColdStartHoldout(m, { seed: 10 }).items, s.items);
});

test('a cold-start split evaluates with the held-out songs as candidates', () => {
  const m = skewedPlays(4, 200, 300, 30);
  const s = itemColdStartHoldout(m, { fraction: 0.3, seed: 1 });
  const r = randomBaseline({ train: s.train, test: s.test, candidates: s.items, seed: 2, k: 50 });
  assert.equal(r.candidates, s.items.length);
  // Evaluated = users with a play on a held-out song; nothing in their training row is a candidate.
  let withTest = 0;
  for (let u = 0; u < m.rows; u++) if (s.test.indptr[u + 1] > s.test.indptr[u]) withTest++;
  assert.equal(r.users, withTest);
  assert.equal(r.usersSkipped, m.rows - withTest);
  // Factors that score exactly the user's held-out songs high give a perfect AUC and MAP.
  const f = m.cols;
  const U = new Float32Array(m.rows * f);
  for (let u = 0; u < m.rows; u++) for (let j = s.test.indptr[u]; j < s.test.indptr[u + 1]; j++) U[u * f + s.test.indices[j]] = 1;
  const V = new Float32Array(m.cols * f);
  for (let i = 0; i < m.cols; i++) V[i * f + i] = 1;
  const oracle = evaluate({ train: s.train, test: s.test, userFactors: U, itemFactors: V, factors: f, candidates: s.items, k: 500 });
  assert.equal(oracle.map, 1);
  assert.equal(oracle.auc, 1);
});

test('splits refuse bad fractions, seeds and degenerate input', () => {
  const m = skewedPlays(1, 20, 30, 10);
  const isArg = (e: EarshotError) => e.code === 'ERR_INVALID_ARGUMENT';
  for (const fraction of [0, 1, -0.1, NaN]) {
    assert.throws(() => interactionHoldout(m, { fraction }), isArg);
    assert.throws(() => itemColdStartHoldout(m, { fraction }), isArg);
  }
  assert.throws(() => interactionHoldout(m, { seed: 1.5 }), isArg);
  // Rows {3, 4} and {4}: two played items, so a tiny fraction still holds out one and keeps one.
  const one: Csr = { indptr: Int32Array.of(0, 2, 3), indices: Int32Array.of(3, 4, 4), data: Float32Array.of(1, 1, 1), rows: 2, cols: 5 };
  assert.equal(itemColdStartHoldout(one, { fraction: 0.01 }).items.length, 1);
  const single: Csr = { indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(4, 4), data: Float32Array.of(1, 1), rows: 2, cols: 5 };
  assert.throws(() => itemColdStartHoldout(single), isArg);
  // Users with one item keep it in training.
  assert.equal(interactionHoldout(single).test.indices.length, 0);
});

test('validationShare: a seeded partition of the rows, the first round(fraction·n) of a seeded shuffle', () => {
  for (const [n, fraction] of [[1600, 0.1], [7, 0.5], [2, 0.1], [10, 0.99]] as const) {
    const { validation, rest } = validationShare(n, fraction, mulberry32(5));
    // Reference: the same shuffle done by hand.
    const order = Int32Array.from({ length: n }, (_, i) => i);
    sampleInPlace(mulberry32(5), order, n);
    const nVal = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    assert.deepEqual(Array.from(validation), Array.from(order.subarray(0, nVal)));
    assert.deepEqual(Array.from(rest), Array.from(order.subarray(nVal)));
    assert.deepEqual([...validation, ...rest].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every row exactly once');
  }
  const isArg = (e: unknown) => (e as EarshotError).code === 'ERR_INVALID_ARGUMENT';
  assert.throws(() => validationShare(1, 0.1, mulberry32(1)), isArg);
  assert.throws(() => validationShare(10, 0, mulberry32(1)), isArg);
  assert.throws(() => validationShare(10, 1, mulberry32(1)), isArg);
});
