// The world's samplers against their closed-form moments, and the listener model's selection step
// against a brute-force sort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kthSmallest } from '../../../trainer/world/listeners';
import { deriveSeed, gamma, gumbel, mulberry32, negativeBinomial, normal, pareto, poisson } from '../../../trainer/world/random';

const N = 200_000;

function moments(draw: () => number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < N; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / N;
  return { mean, variance: s2 / N - mean * mean };
}

/** |got − want| within `z` standard errors of a mean of N draws with variance `v`. */
function near(got: number, want: number, v: number, label: string, z = 5): void {
  const se = Math.sqrt(v / N);
  assert.ok(Math.abs(got - want) <= z * se + 1e-12, `${label}: ${got} vs ${want} (±${(z * se).toExponential(2)})`);
}

test('normal, gamma, Poisson and negative binomial match their closed-form mean and variance', () => {
  const r = mulberry32(1);
  const n = moments(() => normal(r, 2, 3));
  near(n.mean, 2, 9, 'normal mean');
  assert.ok(Math.abs(n.variance - 9) < 0.1, `normal variance ${n.variance}`);
  for (const [k, th] of [[0.5, 2], [1, 1], [3.5, 0.4]]) {
    const g = moments(() => gamma(r, k, th));
    near(g.mean, k * th, k * th * th, `gamma(${k}, ${th}) mean`);
    assert.ok(Math.abs(g.variance / (k * th * th) - 1) < 0.05, `gamma(${k}, ${th}) variance ${g.variance}`);
  }
  for (const lambda of [0.3, 4, 75]) {
    const p = moments(() => poisson(r, lambda));
    near(p.mean, lambda, lambda, `Poisson(${lambda}) mean`);
    assert.ok(Math.abs(p.variance / lambda - 1) < 0.03, `Poisson(${lambda}) variance ${p.variance}`);
  }
  const [m, disp] = [6, 0.8];
  const nb = moments(() => negativeBinomial(r, m, disp));
  const v = m + (m * m) / disp;
  near(nb.mean, m, v, 'negative binomial mean');
  assert.ok(Math.abs(nb.variance / v - 1) < 0.1, `negative binomial variance ${nb.variance} vs ${v}`);
});

test('Pareto tail and Gumbel moments', () => {
  const r = mulberry32(2);
  let over = 0;
  for (let i = 0; i < N; i++) if (pareto(r, 2) > 10) over++;
  near(over / N, 0.01, 0.01 * 0.99, 'P(Pareto(2) > 10) = 10^-2');
  const g = moments(() => gumbel(r));
  near(g.mean, 0.5772156649, (Math.PI * Math.PI) / 6, 'Gumbel mean = Euler-Mascheroni');
  assert.ok(Math.abs(g.variance / ((Math.PI * Math.PI) / 6) - 1) < 0.03);
});

test('deriveSeed gives distinct streams for distinct parts', () => {
  const seen = new Set<number>();
  for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) seen.add(deriveSeed(1, a, b));
  assert.equal(seen.size, 2500);
  assert.notEqual(deriveSeed(1, 3), deriveSeed(1, 3, 0));
  assert.equal(deriveSeed(9, 4, 2), deriveSeed(9, 4, 2));
});

test('kthSmallest equals a full sort at every rank, with ties', () => {
  const r = mulberry32(3);
  for (const n of [1, 2, 7, 100, 1001]) {
    const a = Float64Array.from({ length: n }, () => Math.floor(r() * (n / 3 + 1)));
    const sorted = Float64Array.from(a).sort();
    for (const k of [0, n >> 1, n - 1, Math.floor(r() * n)]) assert.equal(kthSmallest(Float64Array.from(a), k), sorted[k], `n ${n} k ${k}`);
  }
});
