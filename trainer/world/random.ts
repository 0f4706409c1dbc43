/**
 * The distributions the world draws from, all on top of the project's one PRNG (mulberry32 in
 * trainer/eval/prng.ts) so that a seed fixes every byte of a world. Each song and each listener gets
 * its own stream (deriveSeed), so the output does not depend on how many workers render it or in
 * which order they finish.
 */
import { mulberry32, type Rand } from '../eval/prng';

export { mulberry32, type Rand };

/** A 32-bit seed for stream `parts` of world `seed` (splitmix32-style mixing of each part). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of [...parts, parts.length]) {
    h = (h + Math.imul((p | 0) ^ 0x85ebca6b, 0xc2b2ae35)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x21f0aaad) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x735a2d97) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}

export function uniform(rand: Rand, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

/** Standard normal by the polar Box-Muller method (no cached second value: keeps streams simple). */
export function normal(rand: Rand, mean = 0, sd = 1): number {
  for (;;) {
    const u = 2 * rand() - 1;
    const v = 2 * rand() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return mean + sd * u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** Gamma(shape k, scale θ) by Marsaglia & Tsang (2000); k < 1 through the k + 1 boost. */
export function gamma(rand: Rand, k: number, theta: number): number {
  if (k < 1) return gamma(rand, k + 1, theta) * Math.pow(1 - rand(), 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rand);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rand();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * theta;
  }
}

/** Poisson(λ) by Knuth's product method in slices of λ ≤ 30 (exp(-λ) never underflows). O(λ). */
export function poisson(rand: Rand, lambda: number): number {
  let n = 0;
  let left = lambda;
  while (left > 0) {
    const l = Math.min(left, 30);
    left -= l;
    const limit = Math.exp(-l);
    let p = 1 - rand();
    while (p > limit) {
      n++;
      p *= 1 - rand();
    }
  }
  return n;
}

/** Negative binomial with the given mean and dispersion r (variance mean + mean²/r): Poisson-Gamma. */
export function negativeBinomial(rand: Rand, mean: number, r: number): number {
  return poisson(rand, gamma(rand, r, mean / r));
}

/** Pareto with minimum 1 and tail index a: P(X > x) = x^-a. */
export function pareto(rand: Rand, a: number): number {
  return Math.pow(1 - rand(), -1 / a);
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Index drawn with probability proportional to weights[i] (non-negative, not all zero). */
export function pickWeighted(rand: Rand, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let x = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** Gumbel(0, 1): adding it to log-weights and taking the top k samples k items without replacement. */
export function gumbel(rand: Rand): number {
  // rand() is in [0, 1 - 2^-32]; the 2^-33 offset keeps u inside (0, 1) so both logs are finite.
  const u = rand() + 1.1641532182693481e-10;
  return -Math.log(-Math.log(u));
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
