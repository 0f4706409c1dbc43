// Listener fold-in (src/catalog/fold-in.ts) against the trainer's many-row fold-in (alsSweepAsync, which
// rebuilds YᵀY itself) and a dense closed form solved here by Gaussian elimination in float64; the
// catalogue's cached YᵀY across add(); the shared defaults; and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, type CatalogItem } from '../../src/catalog/catalog';
import { confidence, CONFIDENCE_DEFAULTS } from '../../src/catalog/confidence';
import { foldIn, foldInListener, FOLD_IN_DEFAULTS, type PlayCount } from '../../src/catalog/fold-in';
import { foldIn as trainerFoldIn, foldInRows } from '../../trainer/wmf/fold-in';
import { confidence as trainerConfidence } from '../../trainer/wmf/confidence';
import { WMF_DEFAULTS } from '../../trainer/wmf/train';
import { mulberry32 } from '../../trainer/eval/prng';
import { isCode } from '../helpers/net-reference';

function items(n: number, from = 0): CatalogItem[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${from + i}`, artist: 'a', title: 't' }));
}

function factors(n: number, f: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * f }, () => r() - 0.5);
}

/**
 * x = (YᵀY + Σ (c_i − 1) y_i y_iᵀ + λI)⁻¹ Σ c_i y_i over the played songs (p = 1), the normal equations
 * of Σ_i c_i (p_i − x·y_i)² + λ‖x‖² written out densely, solved by Gaussian elimination with partial pivoting.
 */
function closedForm(y: Float32Array, f: number, history: PlayCount[], alpha: number, eps: number, lambda: number): Float64Array {
  const n = y.length / f;
  const c = new Float64Array(n).fill(1);
  const p = new Float64Array(n);
  for (const h of history) {
    c[h.index] = 1 + alpha * Math.log(1 + h.plays / eps);
    p[h.index] = 1;
  }
  const a = Array.from({ length: f }, () => new Float64Array(f + 1)); // augmented [A | b]
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < f; r++) {
      for (let s = 0; s < f; s++) a[r][s] += c[i] * y[i * f + r] * y[i * f + s];
      a[r][f] += c[i] * p[i] * y[i * f + r];
    }
  }
  for (let r = 0; r < f; r++) a[r][r] += lambda;
  for (let col = 0; col < f; col++) {
    let piv = col;
    for (let r = col + 1; r < f; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    for (let r = col + 1; r < f; r++) {
      const m = a[r][col] / a[col][col];
      for (let s = col; s <= f; s++) a[r][s] -= m * a[col][s];
    }
  }
  const x = new Float64Array(f);
  for (let r = f - 1; r >= 0; r--) {
    let v = a[r][f];
    for (let s = r + 1; s < f; s++) v -= a[r][s] * x[s];
    x[r] = v / a[r][r];
  }
  return x;
}

function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (let t = 0; t < want.length; t++) scale = Math.max(scale, Math.abs(want[t]));
  for (let t = 0; t < want.length; t++) assert.ok(Math.abs(got[t] - want[t]) <= rel * scale, `${what}[${t}]: ${got[t]} vs ${want[t]} (scale ${scale})`);
}

test('defaults are the trainer\'s; the trainer re-exports the one confidence and fold-in', () => {
  assert.equal(FOLD_IN_DEFAULTS.lambda, WMF_DEFAULTS.lambda);
  assert.equal(FOLD_IN_DEFAULTS.alpha, 2);
  assert.equal(FOLD_IN_DEFAULTS.eps, 1e-6);
  assert.equal(FOLD_IN_DEFAULTS.mode, CONFIDENCE_DEFAULTS.mode);
  assert.equal(trainerConfidence, confidence);
  assert.equal(trainerFoldIn, foldIn);
});

test('foldInListener equals the dense closed form and the trainer\'s sweep, with default and given options', async () => {
  const f = 6, n = 40;
  const y = factors(n, f, 1);
  const cat = new Catalog(items(n), y, f);
  const history: PlayCount[] = [{ index: 3, plays: 5 }, { index: 17, plays: 1 }, { index: 0, plays: 120 }, { index: 39, plays: 2 }];
  for (const o of [{}, { alpha: 0.5, eps: 1, lambda: 0.1 }]) {
    const alpha = (o as { alpha?: number }).alpha ?? 2, eps = (o as { eps?: number }).eps ?? 1e-6, lambda = (o as { lambda?: number }).lambda ?? 1e-5;
    const x = await foldInListener(cat, history, o);
    assertNear(x, closedForm(y, f, history, alpha, eps, lambda), 1e-4, `closed form ${JSON.stringify(o)}`);
    // The trainer's path: one CSR row through alsSweepAsync, which builds YᵀY itself.
    const order = [...history].sort((a, b) => a.index - b.index);
    const row = { indptr: Int32Array.of(0, order.length), indices: Int32Array.from(order, (h) => h.index), data: Float32Array.from(order, (h) => h.plays), rows: 1, cols: n };
    const sweep = await foldInRows(row, y, { factors: f, ...o });
    assertNear(x, sweep, 1e-5, `trainer sweep ${JSON.stringify(o)}`);
    const plain = await foldIn(Int32Array.from(history, (h) => h.index), Float32Array.from(history, (h) => h.plays), y, { factors: f, ...o });
    assertNear(x, plain, 1e-6, `foldIn without a cached gram ${JSON.stringify(o)}`);
  }
  // An empty history folds in to zero: no evidence, only the prior.
  assert.deepEqual(await foldInListener(cat, []), new Float32Array(f));
});

test('the cached YᵀY follows add(): fold-in equals a catalogue built with every song at once', async () => {
  const f = 5;
  const y = factors(300, f, 2);
  const grown = new Catalog(items(100), y.subarray(0, 100 * f), f);
  const history: PlayCount[] = [{ index: 10, plays: 3 }, { index: 250, plays: 8 }];
  await foldInListener(grown, [{ index: 1, plays: 1 }]); // caches YᵀY of 100 songs
  grown.add(items(150, 100), y.subarray(100 * f, 250 * f));
  const pending = grown.gram(); // 250 songs, from the cache plus the new rows
  grown.add(items(50, 250), y.subarray(250 * f));
  const x = await foldInListener(grown, history);
  const whole = new Catalog(items(300), y, f);
  assertNear(await grown.gram(), await whole.gram(), 1e-12, 'gram');
  assert.equal((await pending).length, f * f);
  assertNear(x, await foldInListener(whole, history), 1e-6, 'fold-in');
  assertNear(x, closedForm(y, f, history, 2, 1e-6, 1e-5), 1e-4, 'closed form');
});

test('bad histories are refused with ERR_INVALID_ARGUMENT', async () => {
  const f = 4;
  const cat = new Catalog(items(10), factors(10, f, 3), f);
  const bad = (history: unknown, pattern: RegExp) => assert.rejects(foldInListener(cat, history as PlayCount[]), isCode('ERR_INVALID_ARGUMENT', pattern));
  await bad([{ index: 10, plays: 1 }], /history\[0\]\.index must be an integer in 0\.\.9, got 10/);
  await bad([{ index: 1.5, plays: 1 }], /history\[0\]\.index/);
  await bad([{ index: 1, plays: -1 }], /history\[0\]\.plays must be a finite number >= 0, got -1/);
  await bad([{ index: 1, plays: NaN }], /plays/);
  await bad([{ index: 2, plays: 1 }, { index: 2, plays: 3 }], /index 2 appears twice/);
  await bad({ index: 1 }, /history must be an array/);
  await assert.rejects(foldInListener(cat, [{ index: 1, plays: 1 }], { lambda: -1 }), isCode('ERR_INVALID_ARGUMENT', /lambda/));
  await assert.rejects(foldInListener(cat, [{ index: 1, plays: 1 }], { alpha: -2 }), isCode('ERR_INVALID_ARGUMENT', /alpha/));
});
