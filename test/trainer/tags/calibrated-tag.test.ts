// The bundle's tag-model procedure (issue 16): standardise → λ by inner CV → logistic → Platt, folded
// into one raw-factor logistic regression. Checked against the unfolded pipeline, against refits done
// here fold by fold, for invariance to the factors' scale (the issue: RMS 0.008 factors with λ = 1 on
// raw weights gave every song the base rate), and for a λ that follows the signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitCalibratedTag } from '../../../trainer/tags/calibrated-tag';
import { stratifiedFolds, foldSplit } from '../../../trainer/tags/folds';
import { DEFAULT_LAMBDA_GRID, selectLambda } from '../../../trainer/tags/lambda-select';
import { fitLogistic, logisticScores, sigmoid, softplus } from '../../../trainer/tags/logistic';
import { fitStandardisation, standardise } from '../../../trainer/tags/standardise';
import { mulberry32 } from '../../../trainer/eval/prng';
import { taggedFactors } from '../../helpers/tagged-factors';

const N = 1500;
const F = 12;
const world = taggedFactors(N, F, 11); // factor RMS 0.008, as models/default
const all = Int32Array.from({ length: N }, (_, i) => i);
const labels = (tag: string) => world.has[world.tags.indexOf(tag)];

/** Mean p of the songs with the tag minus that of the songs without. */
function gap(p: Float64Array, y: Uint8Array): number {
  let [sw, nw, so, no] = [0, 0, 0, 0];
  p.forEach((v, i) => (y[i] ? ((sw += v), nw++) : ((so += v), no++)));
  return sw / nw - so / no;
}

const probabilities = (w: Float64Array, x: Float32Array) => Float64Array.from(logisticScores({ w }, x, F, all), sigmoid);

test('folding: σ(w′·x + b′) equals standardise → logistic → Platt computed step by step, to 1e-9', () => {
  const m = fitCalibratedTag(world.x, F, labels('mood-0'), all);
  const { mean, std } = m.standardisation;
  for (let i = 0; i < N; i += 7) {
    let z = m.regression.w[F];
    for (let a = 0; a < F; a++) z += (m.regression.w[a] * (world.x[i * F + a] - mean[a])) / std[a];
    const unfolded = 1 / (1 + Math.exp(-(m.platt.a * z + m.platt.b)));
    let zf = m.w[F];
    for (let a = 0; a < F; a++) zf += m.w[a] * world.x[i * F + a];
    assert.ok(Math.abs(sigmoid(zf) - unfolded) < 1e-9, `song ${i}: folded ${sigmoid(zf)} vs unfolded ${unfolded}`);
  }
  assert.ok(m.platt.a > 0, `Platt slope ${m.platt.a} keeps the regression's order`);
});

test('issue 16: at factor RMS 0.008, λ = 1 on raw factors gives every song its base rate; the shipped model separates', () => {
  const y = labels('style-0');
  const legacy = probabilities(fitLogistic(world.x, F, y, all, 1).w, world.x);
  assert.ok(gap(legacy, y) < 0.1, `the old procedure's gap ${gap(legacy, y).toFixed(4)} (the bug this replaces)`);
  const shipped = probabilities(fitCalibratedTag(world.x, F, y, all).w, world.x);
  assert.ok(gap(shipped, y) > 0.6, `shipped gap ${gap(shipped, y)}`);
});

test('the factors\' scale does not matter: RMS 0.008 and RMS 1 choose the same λ and give the same p (to 1e-6)', () => {
  const big = Float32Array.from(world.x, (v) => v * 125);
  for (const tag of ['style-1', 'mood-1']) {
    const small = fitCalibratedTag(world.x, F, labels(tag), all);
    const large = fitCalibratedTag(big, F, labels(tag), all);
    assert.equal(large.lambda, small.lambda, tag);
    const [ps, pl] = [probabilities(small.w, world.x), probabilities(large.w, big)];
    ps.forEach((p, i) => assert.ok(Math.abs(p - pl[i]) < 1e-6, `${tag} song ${i}: ${p} vs ${pl[i]}`));
  }
});

test('λ follows the signal: small for a near-separable tag, the grid\'s largest for a tag unrelated to the factors', () => {
  // λ ≤ 1 penalises the standardised weights like one extra song would: next to nothing for 1,500 songs.
  const style = fitCalibratedTag(world.x, F, labels('style-2'), all);
  assert.ok(style.lambda <= 1, `near-separable tag: λ ${style.lambda}, log-loss per λ ${style.logLoss}`);
  const r = mulberry32(5);
  const noise = Uint8Array.from({ length: N }, () => (r() < 0.3 ? 1 : 0));
  const m = fitCalibratedTag(world.x, F, noise, all);
  assert.equal(m.lambda, Math.max(...DEFAULT_LAMBDA_GRID), `noise tag: λ ${m.lambda}, log-loss per λ ${m.logLoss}`);
  const p = probabilities(m.w, world.x);
  const mean = p.reduce((s, v) => s + v, 0) / N;
  const sd = Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / N);
  assert.ok(Math.abs(gap(p, noise)) < 0.03 && sd < 0.05, `noise tag: gap ${gap(p, noise)}, p's sd ${sd}`);
});

test('λ selection: its out-of-fold scores and log-losses are those of refits done here fold by fold', () => {
  const y = labels('mood-0');
  const xs = standardise(world.x, F, fitStandardisation(world.x, F, all));
  const grid = [1e-3, 1e-1, 10, 1000];
  const sel = selectLambda(xs, F, y, all, { grid, folds: 4, seed: 3 });
  const foldOf = stratifiedFolds(y, all, 4, 3);
  for (const [g, lambda] of grid.entries()) {
    if (Number.isNaN(sel.logLoss[g])) continue; // past the path's early stop
    let loss = 0;
    const oof = new Float64Array(N);
    for (let k = 0; k < 4; k++) {
      const { train, test } = foldSplit(all, foldOf, k);
      const z = logisticScores(fitLogistic(xs, F, y, train, lambda, 100), xs, F, test); // cold start
      test.forEach((i, t) => {
        oof[i] = z[t];
        loss += softplus(y[i] ? -z[t] : z[t]);
      });
    }
    assert.ok(Math.abs(loss / N - sel.logLoss[g]) < 1e-7, `λ ${lambda}: log-loss ${sel.logLoss[g]} vs refit ${loss / N}`);
    if (lambda === sel.lambda) sel.outOfFold.forEach((z, i) => assert.ok(Math.abs(z - oof[i]) < 1e-6, `song ${i}: ${z} vs ${oof[i]}`));
  }
  const evaluated = sel.logLoss.filter((l) => !Number.isNaN(l));
  assert.equal(sel.logLoss[grid.indexOf(sel.lambda)], Math.min(...evaluated), 'the lowest out-of-fold log-loss wins');
});

test('stratified folds: a partition, sizes within one, each fold its share of the tag', () => {
  const y = labels('mood-2');
  const rows = all.filter((i) => i % 3 !== 0);
  const foldOf = stratifiedFolds(y, rows, 5, 9);
  const pos = rows.reduce((s, i) => s + y[i], 0);
  const sizes = [0, 1, 2, 3, 4].map((k) => foldSplit(rows, foldOf, k));
  assert.equal(sizes.reduce((s, f) => s + f.test.length, 0), rows.length);
  for (const { train, test } of sizes) {
    assert.equal(train.length + test.length, rows.length);
    assert.ok(Math.abs(test.length - rows.length / 5) <= 1, `fold size ${test.length}`);
    const p = test.reduce((s, i) => s + y[i], 0);
    assert.ok(p === Math.floor(pos / 5) || p === Math.ceil(pos / 5), `fold positives ${p} of ${pos}`);
  }
});

test('a tag model needs both kinds of song; a bad λ grid is refused', () => {
  assert.throws(() => fitCalibratedTag(world.x, F, new Uint8Array(N), all), { code: 'ERR_INVALID_ARGUMENT', message: /with and without the tag, got 0 of 1500/ });
  assert.throws(() => fitCalibratedTag(world.x, F, labels('mood-0'), all, { grid: [1, 0] }), { code: 'ERR_INVALID_ARGUMENT', message: /λ grid must hold finite numbers > 0/ });
});
