/**
 * The slow, obviously-right play-count reader the byte parser and the CSR builder are tested against:
 * String.split on lines and tabs, Number() on counts, a Map keyed by "user\titem" summing repeats.
 * Only for valid input (it checks nothing) and small files.
 */
import * as assert from 'node:assert/strict';
import { checkCsr, type Csr } from '../../trainer/data/csr';

export interface ReferencePlays {
  /** Ids in order of first appearance (zero-count rows included). */
  users: string[];
  items: string[];
  /** "user\titem" -> summed count, for pairs whose sum is > 0. */
  sums: Map<string, number>;
  /** Data rows, zero counts included. */
  rows: number;
  zeroCounts: number;
}

export function referenceParse(text: string, format: 'triplets' | 'hetrec' = 'triplets'): ReferencePlays {
  let lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines = lines.map((l) => l.replace(/\r$/, ''));
  if (format === 'hetrec') lines.shift();
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const sums = new Map<string, number>();
  let rows = 0;
  let zeroCounts = 0;
  for (const line of lines) {
    if (line === '') continue;
    const [u, i, c] = line.split('\t');
    if (!users.has(u)) users.set(u, users.size);
    if (!items.has(i)) items.set(i, items.size);
    rows++;
    const v = Number(c);
    if (v === 0) {
      zeroCounts++;
      continue;
    }
    const key = `${u}\t${i}`;
    sums.set(key, Math.fround((sums.get(key) ?? 0) + v));
  }
  return { users: [...users.keys()], items: [...items.keys()], sums, rows, zeroCounts };
}

/**
 * byUser and byItem hold exactly the reference's pairs and sums (float32, summed in file order), ids in
 * the same order, both valid CSR (sorted, unique columns) and each other's transpose.
 */
export function assertMatchesReference(
  got: { users: string[]; items: string[]; byUser: Csr; byItem: Csr; nnz: number },
  ref: ReferencePlays,
): void {
  assert.deepEqual(got.users, ref.users, 'user ids in first-appearance order');
  assert.deepEqual(got.items, ref.items, 'item ids in first-appearance order');
  assert.equal(got.nnz, ref.sums.size, 'nnz = distinct (user, item) pairs with a non-zero sum');
  checkCsr(got.byUser, 'byUser');
  checkCsr(got.byItem, 'byItem');
  assert.equal(got.byUser.rows, ref.users.length);
  assert.equal(got.byUser.cols, ref.items.length);
  assert.equal(got.byItem.rows, ref.items.length);
  assert.equal(got.byItem.cols, ref.users.length);
  for (const [m, rowIds, colIds, name] of [
    [got.byUser, got.users, got.items, 'byUser'],
    [got.byItem, got.items, got.users, 'byItem'],
  ] as const) {
    assert.equal(m.indices.length, ref.sums.size, `${name} entries`);
    for (let r = 0; r < m.rows; r++) {
      for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) {
        const key = name === 'byUser' ? `${rowIds[r]}\t${colIds[m.indices[j]]}` : `${colIds[m.indices[j]]}\t${rowIds[r]}`;
        const want = ref.sums.get(key);
        assert.ok(want !== undefined, `${name}: (${key}) is not in the input`);
        // float32 sums in a different order may differ in the last bit for large counts
        assert.ok(Math.abs(m.data[j] - want) <= 1e-6 * want, `${name}: (${key}) = ${m.data[j]}, expected ${want}`);
      }
    }
  }
}

/** Two loads hold the same ids in the same order and bit-identical matrices. */
export function assertSameMatrices(a: { users: string[]; items: string[]; byUser: Csr; byItem: Csr }, b: { users: string[]; items: string[]; byUser: Csr; byItem: Csr }): void {
  assert.deepEqual(a.users, b.users);
  assert.deepEqual(a.items, b.items);
  for (const k of ['byUser', 'byItem'] as const) {
    assert.deepEqual(a[k].indptr, b[k].indptr, k);
    assert.deepEqual(a[k].indices, b[k].indices, k);
    assert.deepEqual(a[k].data, b[k].data, k);
  }
}
