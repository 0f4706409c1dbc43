/**
 * Cross-validation folds for the tag models. `shuffledFolds`: one seeded shuffle of the items dealt
 * round-robin, the same for every tag (the paper's tag experiment). `stratifiedFolds`: the songs with
 * the tag and those without are shuffled and dealt separately, so every fold holds its share of a rare
 * tag's songs (a tag on 10 songs of 2,000 would otherwise leave some folds with none to score or learn).
 */
import { mulberry32, sampleInPlace } from '../eval/prng';

/** A seeded shuffle of n items (`order`) dealt round-robin: `foldOf[item]` in 0..folds-1. */
export function shuffledFolds(n: number, folds: number, seed: number): { order: Int32Array; foldOf: Int32Array } {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  sampleInPlace(mulberry32(seed), order, n);
  const foldOf = new Int32Array(n);
  order.forEach((item, k) => (foldOf[item] = k % folds));
  return { order, foldOf };
}

/**
 * Fold of each of `rows` (aligned with rows, not with item ids): positives (y = 1) and negatives are
 * each shuffled and dealt round-robin, the negatives starting where the positives stopped so that
 * fold sizes differ by at most one.
 */
export function stratifiedFolds(y: Uint8Array, rows: Int32Array, folds: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const foldOf = new Int32Array(rows.length);
  let next = 0;
  for (const label of [1, 0]) {
    const pos = Int32Array.from(rows.keys()).filter((r) => y[rows[r]] === label);
    sampleInPlace(rand, pos, pos.length);
    for (const r of pos) foldOf[r] = next++ % folds;
  }
  return foldOf;
}

/** The positions of `rows` in fold k (test) and outside it (train), as item ids. */
export function foldSplit(rows: Int32Array, foldOf: Int32Array, k: number): { train: Int32Array; test: Int32Array } {
  return { train: rows.filter((_, r) => foldOf[r] !== k), test: rows.filter((_, r) => foldOf[r] === k) };
}
