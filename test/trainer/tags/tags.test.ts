// The tag experiment: logistic regression against its optimality conditions and a brute-force gradient
// descent, cross-validated AUC on labels with a known answer, and the real Last.fm HetRec artist tags
// (paper Sec. 5.1 reports 0.867 for latent factors on its data; measured here 0.8646 for all 50 tags,
// 10 folds, F = 50: `earshot-train tags`, README). With `--lambda cv`, the bundle's procedure in every fold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { mulberry32, sampleInPlace } from '../../../trainer/eval/prng';
import { fitCalibratedTag } from '../../../trainer/tags/calibrated-tag';
import { foldSplit, stratifiedFolds } from '../../../trainer/tags/folds';
import { DEFAULT_LAMBDA_GRID } from '../../../trainer/tags/lambda-select';
import { fitLogistic, logisticScores } from '../../../trainer/tags/logistic';
import { tagCrossValidation } from '../../../trainer/tags/tag-cv';
import { hetrecTagExperiment } from '../../../trainer/tags/hetrec-experiment';
import { sharedOrSkip, distPath } from '../../helpers/shared';
import { assertCliRefuses } from '../../helpers/cli-refusals';
import { pairwiseAuc } from '../../helpers/tagged-factors';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');

function data(n: number, d: number, seed: number, noise: number): { x: Float32Array; y: Uint8Array; w: number[] } {
  const r = mulberry32(seed);
  const w = Array.from({ length: d }, () => r() * 4 - 2);
  const x = Float32Array.from({ length: n * d }, () => r() * 2 - 1);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0.3;
    for (let a = 0; a < d; a++) z += w[a] * x[i * d + a];
    y[i] = z + noise * (r() * 2 - 1) > 0 ? 1 : 0;
  }
  return { x, y, w };
}

test('Newton logistic regression: gradient zero at the fit, equal to plain gradient descent', () => {
  const [n, d, lambda] = [300, 4, 2];
  const { x, y } = data(n, d, 5, 2);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const m = fitLogistic(x, d, y, rows, lambda);
  // Gradient of Σ log-loss + λ/2 ‖w‖² (intercept free).
  const grad = new Float64Array(d + 1);
  const z = logisticScores(m, x, d, rows);
  for (let i = 0; i < n; i++) {
    const res = 1 / (1 + Math.exp(-z[i])) - y[i];
    for (let a = 0; a < d; a++) grad[a] += res * x[i * d + a];
    grad[d] += res;
  }
  for (let a = 0; a < d; a++) grad[a] += lambda * m.w[a];
  for (const g of grad) assert.ok(Math.abs(g) < 1e-6, `gradient ${g}`);
  const w = new Float64Array(d + 1);
  for (let it = 0; it < 20000; it++) {
    const gd = new Float64Array(d + 1);
    for (let i = 0; i < n; i++) {
      let s = w[d];
      for (let a = 0; a < d; a++) s += w[a] * x[i * d + a];
      const res = 1 / (1 + Math.exp(-s)) - y[i];
      for (let a = 0; a < d; a++) gd[a] += res * x[i * d + a];
      gd[d] += res;
    }
    for (let a = 0; a < d; a++) gd[a] += lambda * w[a];
    for (let a = 0; a <= d; a++) w[a] -= 0.01 * gd[a];
  }
  for (let a = 0; a <= d; a++) assert.ok(Math.abs(w[a] - m.w[a]) < 1e-4, `w[${a}] ${w[a]} vs ${m.w[a]}`);
});

test('cross-validated AUC: near 1 for a linear tag, near 0.5 for a random one', () => {
  const [n, d] = [600, 5];
  const { x, y } = data(n, d, 6, 0);
  const linear = Int32Array.from([...y.keys()].filter((i) => y[i]));
  const r = mulberry32(9);
  const random = Int32Array.from([...y.keys()].filter(() => r() < 0.3));
  const res = tagCrossValidation(x, d, [{ tag: 'linear', items: linear }, { tag: 'random', items: random }], { folds: 5, lambda: 0.1 });
  assert.ok(res.perTag[0].auc > 0.98, `linear tag AUC ${res.perTag[0].auc}`);
  assert.ok(Math.abs(res.perTag[1].auc - 0.5) < 0.08, `random tag AUC ${res.perTag[1].auc}`);
  assert.ok(Math.abs(res.meanAuc - (res.perTag[0].auc + res.perTag[1].auc) / 2) < 1e-12);
});

test('Last.fm HetRec: artist tags from WMF artist factors, AUC far above chance', async (t) => {
  const plays = sharedOrSkip(t, 'data/lastfm-2k/user_artists.dat');
  if (!plays) return;
  const dir = path.dirname(plays);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-tags-'));
  try {
    await run(process.execPath, [CLI, 'wmf', '--input', plays, '--format', 'hetrec', '--factors', '50', '--iterations', '15', '--out', path.join(tmp, 'm')]);
    const { stdout } = await run(process.execPath, [CLI, 'tags', '--model', path.join(tmp, 'm'), '--tags', path.join(dir, 'user_taggedartists.dat'), '--tag-names', path.join(dir, 'tags.dat'), '--top', '10', '--folds', '5', '--json']);
    const r = JSON.parse(stdout.trim());
    console.log(`# HetRec top-10 tags, 5 folds: mean AUC ${r.meanAuc.toFixed(4)} over ${r.items} artists`);
    assert.equal(r.perTag.length, 10);
    assert.equal(r.perTag[0].tag, 'rock');
    assert.ok(r.meanAuc > 0.8, `mean AUC ${r.meanAuc}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('hetrecTagExperiment (the report\'s real-data row) runs WMF and the CV on HetRec', async (t) => {
  const plays = sharedOrSkip(t, 'data/lastfm-2k/user_artists.dat');
  if (!plays) return;
  const r = await hetrecTagExperiment(path.dirname(plays), 32, 5, 3);
  assert.equal(r.tags, 5);
  assert.equal(r.artists, 12133);
  assert.ok(r.meanAuc > 0.8, `mean AUC ${r.meanAuc}`);
});

test('warm start and backtracking: a start near the answer and one far off (overshooting Newton) reach the same fit', () => {
  const [n, d] = [400, 4];
  const { x, y } = data(n, d, 7, 0.3); // nearly separable: Newton from far off overshoots
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const cold = fitLogistic(x, d, y, rows, 0.01, 200);
  const warm = fitLogistic(x, d, y, rows, 0.01, 200, fitLogistic(x, d, y, rows, 1).w);
  const far = fitLogistic(x, d, y, rows, 0.01, 200, Float64Array.from({ length: d + 1 }, (_, a) => (a % 2 ? 40 : -40)));
  for (let a = 0; a <= d; a++) {
    assert.ok(Math.abs(warm.w[a] - cold.w[a]) < 1e-6, `warm w[${a}] ${warm.w[a]} vs ${cold.w[a]}`);
    assert.ok(Math.abs(far.w[a] - cold.w[a]) < 1e-6, `far w[${a}] ${far.w[a]} vs ${cold.w[a]}`);
  }
  assert.ok(warm.iterations < cold.iterations, `warm start ${warm.iterations} Newton steps, cold ${cold.iterations}`);
  assert.throws(() => fitLogistic(x, d, y, rows, 1, 25, new Float64Array(d)), { code: 'ERR_INVALID_ARGUMENT', message: /a start of 4 values for 4 features \(expected 5\)/ });
});

test('lambda \'cv\': each outer fold runs the shipped procedure (fitCalibratedTag) on its training songs', () => {
  const [n, d] = [500, 4];
  const { x, y } = data(n, d, 8, 1.5);
  const items = Int32Array.from([...y.keys()].filter((i) => y[i]));
  const res = tagCrossValidation(x, d, [{ tag: 'noisy linear', items }], { folds: 4, lambda: 'cv', seed: 5 });
  const all = Int32Array.from({ length: n }, (_, i) => i);
  // The same outer folds, rebuilt here: stratified by the label with the CV's seed; fold f's inner seed is seed + 1 + f.
  const order = Int32Array.from(all);
  sampleInPlace(mulberry32(5), order, n);
  const foldOf = stratifiedFolds(y, order, 4, 5);
  let sum = 0;
  for (let f = 0; f < 4; f++) {
    const { train, test } = foldSplit(order, foldOf, f);
    const m = fitCalibratedTag(x, d, y, train, { seed: 5 + 1 + f });
    assert.equal(res.perTag[0].lambdas![f], m.lambda, `fold ${f}: λ`);
    const z = logisticScores(m, x, d, test);
    sum += pairwiseAuc(z, Uint8Array.from(test, (i) => y[i]));
  }
  assert.ok(Math.abs(res.perTag[0].auc - sum / 4) < 1e-12, `AUC ${res.perTag[0].auc} vs ${sum / 4}`);
  assert.ok(res.perTag[0].auc > 0.8, `AUC ${res.perTag[0].auc}`);
  // A tag on one song: the fold holding it has no such song to learn from and is skipped, not fatal.
  const one = tagCrossValidation(x, d, [{ tag: 'one song', items: Int32Array.of(3) }], { folds: 4, lambda: 'cv', seed: 5 });
  assert.ok(Number.isNaN(one.perTag[0].auc));
  assert.equal(one.perTag[0].lambdas!.filter((l) => Number.isNaN(l)).length, 1);
});

test('earshot-train tags --lambda cv: the bundle\'s procedure on a WMF model\'s factors; a bad --lambda is refused', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-tags-cv-'));
  try {
    // 300 listeners, 400 songs in two halves ("a", "b"); each listener plays 20 songs, 90% from one half.
    const r = mulberry32(12);
    const lines: string[] = [];
    for (let u = 0; u < 300; u++) {
      const songs = new Set<number>();
      while (songs.size < 20) songs.add(Math.floor(r() * 200) + ((r() < 0.9) === (u % 2 === 0) ? 0 : 200));
      for (const s of songs) lines.push(`u${u}\ts${s}\t${1 + Math.floor(r() * 5)}`);
    }
    fs.writeFileSync(path.join(tmp, 'plays.tsv'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(tmp, 'tags.tsv'), Array.from({ length: 400 }, (_, s) => `s${s}\t${s < 200 ? 'a' : 'b'}${s % 5 === 0 ? `\ns${s}\tfifth` : ''}`).join('\n') + '\n');
    await run(process.execPath, [CLI, 'wmf', '--input', path.join(tmp, 'plays.tsv'), '--factors', '8', '--iterations', '10', '--out', path.join(tmp, 'm')]);
    const args = [CLI, 'tags', '--model', path.join(tmp, 'm'), '--tags', path.join(tmp, 'tags.tsv'), '--format', 'pairs', '--folds', '3'];
    const cv = JSON.parse((await run(process.execPath, [...args, '--lambda', 'cv', '--json'])).stdout);
    const byTag = Object.fromEntries(cv.perTag.map((t: { tag: string }) => [t.tag, t]));
    assert.ok(byTag.a.auc > 0.95 && byTag.b.auc > 0.95, `halves: AUC ${byTag.a.auc}, ${byTag.b.auc}`);
    assert.ok(Math.abs(byTag.fifth.auc - 0.5) < 0.15, `a tag unrelated to the plays: AUC ${byTag.fifth.auc}`);
    for (const t of cv.perTag) assert.ok(t.lambdas.length === 3 && t.lambdas.every((l: number) => DEFAULT_LAMBDA_GRID.includes(l)), `${t.tag}: λ per fold ${t.lambdas}`);
    const fixed = JSON.parse((await run(process.execPath, [...args, '--json'])).stdout);
    assert.equal(fixed.perTag[0].lambdas, undefined, 'a fixed λ reports no λ per fold');
    await assertCliRefuses(CLI, [[[...args.slice(1), '--lambda', 'auto'], /--lambda must be a number or 'cv', got 'auto'/, 2]]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
