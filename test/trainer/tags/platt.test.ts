// Platt scaling against data drawn from a known σ(a·z + b) (recovered within 4 standard errors of the
// Fisher information, computed here in closed form), its optimality conditions on Platt's smoothed
// targets, and a finite fit on separable scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../trainer/eval/prng';
import { fitPlatt } from '../../../trainer/tags/platt';

test('Platt scaling recovers a known (a, b) within 4 standard errors', () => {
  const [a, b, n] = [1.7, -0.8, 100_000];
  const r = mulberry32(2);
  const z = Float64Array.from({ length: n }, () => 2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
  const y = Uint8Array.from(z, (v) => (r() < 1 / (1 + Math.exp(-(a * v + b))) ? 1 : 0));
  const fit = fitPlatt(z, y);
  // Fisher information of (a, b) at the truth: Σ w [z², z; z, 1], w = p(1 − p); SEs from its inverse.
  let [iaa, iab, ibb] = [0, 0, 0];
  for (const v of z) {
    const p = 1 / (1 + Math.exp(-(a * v + b)));
    const w = p * (1 - p);
    iaa += w * v * v;
    iab += w * v;
    ibb += w;
  }
  const det = iaa * ibb - iab * iab;
  const [seA, seB] = [Math.sqrt(ibb / det), Math.sqrt(iaa / det)];
  assert.ok(Math.abs(fit.a - a) < 4 * seA, `a ${fit.a} vs ${a} (SE ${seA})`);
  assert.ok(Math.abs(fit.b - b) < 4 * seB, `b ${fit.b} vs ${b} (SE ${seB})`);
});

test('Platt scaling: gradient zero against the smoothed targets; finite on separable scores', () => {
  const z = [-3, -2, -1.5, -1, -0.2, 0.1, 0.4, 1, 2, 3.5];
  const y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1];
  const { a, b } = fitPlatt(z, y);
  const pos = 5;
  const t = y.map((v) => (v ? (pos + 1) / (pos + 2) : 1 / (10 - pos + 2)));
  let [ga, gb] = [0, 0];
  z.forEach((v, i) => {
    const p = 1 / (1 + Math.exp(-(a * v + b)));
    ga += (p - t[i]) * v;
    gb += p - t[i];
  });
  assert.ok(Math.abs(ga) < 1e-8 && Math.abs(gb) < 1e-8, `gradient (${ga}, ${gb})`);
  // Separable: plain labels would send a to infinity; the targets 3/4 and 1/4 give a finite optimum.
  const sz = [-2, -1, 1, 2];
  const sep = fitPlatt(sz, [0, 0, 1, 1]);
  assert.ok(Number.isFinite(sep.a) && Number.isFinite(sep.b) && sep.a > 0, `separable: a ${sep.a}, b ${sep.b}`);
  let [sa, sb] = [0, 0];
  sz.forEach((v, i) => {
    const p = 1 / (1 + Math.exp(-(sep.a * v + sep.b)));
    sa += (p - (i < 2 ? 0.25 : 0.75)) * v;
    sb += p - (i < 2 ? 0.25 : 0.75);
  });
  assert.ok(Math.abs(sa) < 1e-8 && Math.abs(sb) < 1e-8, `separable gradient (${sa}, ${sb})`);
});

test('Platt scaling refuses mismatched or non-finite input', () => {
  assert.throws(() => fitPlatt([1, 2], [1]), { code: 'ERR_INVALID_ARGUMENT', message: /2 scores and 1 labels/ });
  assert.throws(() => fitPlatt([1, NaN], [1, 0]), { code: 'ERR_INVALID_ARGUMENT', message: /score 1 is NaN/ });
});
