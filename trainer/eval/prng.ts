/**
 * A small seeded PRNG for the evaluation splits and the random baseline. Math.random cannot be
 * seeded, and a split that changes between runs makes every later comparison meaningless.
 * mulberry32 (Tommy Ettinger): 32 bits of state, period 2^32, passes gjrand/PractRand far beyond
 * what a train/test split draws (one number per held-out interaction or song).
 */
import { EarshotError } from '../../src/errors';

/** A function returning uniform doubles in [0, 1), on a 2^-32 grid. */
export type Rand = () => number;

/** Checks a seed once (an integer in 0..2^32 - 1) so that 1.5 and "7" do not silently collide. */
export function checkSeed(seed: number, name = 'seed'): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `${name} must be an integer in 0..4294967295, got ${String(seed)}`);
  }
  return seed;
}

export function mulberry32(seed: number): Rand {
  let a = checkSeed(seed) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Uniform integer in 0..n-1. floor(u * n) on a 2^-32 grid is biased by at most n / 2^32 per value,
 * below 1e-5 for any row or catalogue size this trainer meets; not worth rejection sampling.
 */
export function randomInt(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

/**
 * Moves k elements chosen uniformly without replacement to the front of `a` (a partial
 * Fisher-Yates shuffle, in place): afterwards a[0..k-1] is the sample. O(k).
 */
export function sampleInPlace(rand: Rand, a: Int32Array, k: number): void {
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(rand, a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
