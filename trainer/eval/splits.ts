/**
 * Seeded train/test splits of a users x items play matrix. Same input and seed -> the same split,
 * bit for bit, so every model in a comparison is scored on the same held-out plays.
 *
 *  - interactionHoldout: warm-start evaluation (WMF against itself). Each user with at least 2 items
 *    gives round(fraction * n_u) of them, clamped to 1..n_u - 1, to test: every evaluated user keeps
 *    a training history and has something to find. Users with one item keep it in training.
 *  - itemColdStartHoldout: the paper's setting (van den Oord et al. 2013, section 5.2): a fraction of
 *    the songs is held out with ALL their plays, so WMF never sees them and their factors must come
 *    from audio. Candidates at evaluation = the held-out songs. A user whose plays were all on
 *    held-out songs keeps an empty training row (WMF gives them near-zero factors); they stay in
 *    test, and the evaluation counts them like anyone else.
 *
 * Both return train and test with the original shape (same user and item numbering), entries
 * partitioned: train + test = the input, no (user, item) in both, rows sorted as checkCsr wants.
 */
import { EarshotError } from '../../src/errors';
import { checkCsr, type Csr } from '../data/csr';
import { mulberry32, sampleInPlace } from './prng';

export interface Split {
  train: Csr;
  test: Csr;
}

export interface ColdStartSplit extends Split {
  /** The held-out item ids, ascending: the candidates of a cold-start evaluation. */
  items: Int32Array;
}

export interface HoldoutOptions {
  /** Fraction held out, in (0, 1). Default 0.2. */
  fraction?: number;
  /** PRNG seed, integer 0..2^32 - 1. Default 1. */
  seed?: number;
}

export const HOLDOUT_DEFAULTS = { fraction: 0.2, seed: 1 };

/** Per user: round(fraction * n_u) of their items, at least 1 and leaving at least 1, go to test. */
export function interactionHoldout(m: Csr, o: HoldoutOptions = {}): Split {
  checkCsr(m, 'interactions');
  const fraction = checkFraction(o.fraction ?? HOLDOUT_DEFAULTS.fraction);
  const rand = mulberry32(o.seed ?? HOLDOUT_DEFAULTS.seed);
  const toTest = new Uint8Array(m.indices.length);
  let scratch = new Int32Array(0);
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u];
    const n = m.indptr[u + 1] - start;
    if (n < 2) continue;
    const take = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    if (scratch.length < n) scratch = new Int32Array(n);
    const pos = scratch.subarray(0, n);
    for (let j = 0; j < n; j++) pos[j] = start + j; // reset: the sample depends on seed and row only
    sampleInPlace(rand, pos, take);
    for (let j = 0; j < take; j++) toTest[pos[j]] = 1;
  }
  return partition(m, toTest);
}

/**
 * Holds out round(fraction * s) of the s songs that have any play (at least 1, leaving at least 1),
 * with every play of each. Songs with no play are never picked: they would be candidates no one
 * can find, which only adds noise.
 */
export function itemColdStartHoldout(m: Csr, o: HoldoutOptions = {}): ColdStartSplit {
  checkCsr(m, 'interactions');
  const fraction = checkFraction(o.fraction ?? HOLDOUT_DEFAULTS.fraction);
  const rand = mulberry32(o.seed ?? HOLDOUT_DEFAULTS.seed);
  const played = new Uint8Array(m.cols);
  for (let j = 0; j < m.indices.length; j++) played[m.indices[j]] = 1;
  const songs: number[] = [];
  for (let i = 0; i < m.cols; i++) if (played[i]) songs.push(i);
  if (songs.length < 2) throw new EarshotError('ERR_INVALID_ARGUMENT', `a cold-start split needs at least 2 items with plays, got ${songs.length}`);
  const take = Math.min(songs.length - 1, Math.max(1, Math.round(fraction * songs.length)));
  const pool = Int32Array.from(songs);
  sampleInPlace(rand, pool, take);
  const items = pool.slice(0, take).sort();
  const held = new Uint8Array(m.cols);
  for (let j = 0; j < take; j++) held[items[j]] = 1;
  const toTest = new Uint8Array(m.indices.length);
  for (let j = 0; j < m.indices.length; j++) toTest[j] = held[m.indices[j]];
  return { ...partition(m, toTest), items };
}

/** Routes each stored entry to test (mask 1) or train (mask 0), keeping row order. O(nnz). */
function partition(m: Csr, toTest: Uint8Array): Split {
  let nTest = 0;
  for (let j = 0; j < toTest.length; j++) nTest += toTest[j];
  const nTrain = toTest.length - nTest;
  const train = emptyLike(m, nTrain);
  const test = emptyLike(m, nTest);
  let a = 0;
  let b = 0;
  for (let u = 0; u < m.rows; u++) {
    for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) {
      if (toTest[j]) { test.indices[b] = m.indices[j]; test.data[b++] = m.data[j]; }
      else { train.indices[a] = m.indices[j]; train.data[a++] = m.data[j]; }
    }
    train.indptr[u + 1] = a;
    test.indptr[u + 1] = b;
  }
  return { train, test };
}

function emptyLike(m: Csr, nnz: number): Csr {
  return { indptr: new Int32Array(m.rows + 1), indices: new Int32Array(nnz), data: new Float32Array(nnz), rows: m.rows, cols: m.cols };
}

function checkFraction(f: number): number {
  if (!(f > 0 && f < 1)) throw new EarshotError('ERR_INVALID_ARGUMENT', `fraction must be in (0, 1), got ${String(f)}`);
  return f;
}

/**
 * A seeded validation share of n training rows, for early stopping and hyperparameter choice (the
 * CNN, the bag-of-words MLP, MLR's C): the rows shuffled by `rand`, the first max(1, round(fraction·n))
 * validate, the rest train. Both come back in shuffled order, as fresh arrays.
 */
export function validationShare(n: number, fraction: number, rand: () => number): { validation: Int32Array; rest: Int32Array } {
  if (!Number.isInteger(n) || n < 2) throw new EarshotError('ERR_INVALID_ARGUMENT', `a validation share needs at least 2 rows, got ${n}`);
  if (!(fraction > 0 && fraction < 1)) throw new EarshotError('ERR_INVALID_ARGUMENT', `validation fraction must be in (0, 1), got ${fraction}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(rand, order, n);
  const nVal = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  return { validation: order.slice(0, nVal), rest: order.slice(nVal) };
}
