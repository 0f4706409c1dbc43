// The float32 conjugate-gradient sweep (native/linalg/als_cg.cc, its row kernel in
// native/linalg/als_cg_kernel.inc) and the blocked, threaded Gram matrix it and the exact solver share
// (als_solver.cc): against float64 references written out in test/helpers/als-reference.ts, for every
// kernel table this machine has (baseline and AVX2+FMA), at factor counts that take each code path
// (F = 6 and 50 are zero padded to whole 8-float vectors, 64 is the compiled-in K = 8, 136 the
// run-time K), over a Y with more rows than one Gram block (4,096), rows long enough to prefetch, and a
// Y large enough to be copied into huge pages.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAddon } from '../../../src/native/addon';
import type { Csr } from '../../../trainer/data/csr';
import { confidence } from '../../../trainer/wmf/confidence';
import { gaussianFactors, wmfLoss } from '../../../trainer/wmf/train';
import { cgAlsRows, denseAlsRow, denseWmfLoss } from '../../helpers/als-reference';
import { skewedPlays } from '../../helpers/random-plays';

const addon = nativeAddon();
const ISAS = (['generic', 'avx2'] as const).filter((isa) => addon.kernels(isa) !== false);
after(() => addon.kernels('auto'));

const LAMBDA = 0.05;
const ITEMS = 9000; // three Gram blocks of 4,096 rows
/** `m` with the listed rows' entries removed. */
function emptied(m: Csr, rows: readonly number[]): Csr {
  const keep = (j: number): boolean => !rows.some((u) => j >= m.indptr[u] && j < m.indptr[u + 1]);
  const idx = Array.from(m.indices.keys()).filter(keep);
  const indptr = Int32Array.from({ length: m.rows + 1 }, (_, u) => (u === 0 ? 0 : idx.filter((j) => j < m.indptr[u]).length));
  return { ...m, indptr, indices: Int32Array.from(idx, (j) => m.indices[j]), data: Float32Array.from(idx, (j) => m.data[j]) };
}
const plays: Csr = emptied(skewedPlays(41, 48, ITEMS, 600), [5, 17]); // rows of 0..600 entries
const conf = confidence(plays.data);

/** Largest |a − ref| over all factors, relative to the largest |ref|. */
function relMaxDiff(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < ref.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - ref[k]));
    scale = Math.max(scale, Math.abs(ref[k]));
  }
  return diff / scale;
}

async function cgSweep(f: number, X: Float32Array, Y: Float32Array, steps: number, threads: number): Promise<void> {
  await addon.alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, f, LAMBDA, 'cg', steps, threads);
}

test('the test problem has empty rows, rows past the prefetch distance and more items than one Gram block', () => {
  const lengths = Array.from({ length: plays.rows }, (_, u) => plays.indptr[u + 1] - plays.indptr[u]);
  assert.ok(lengths.includes(0), 'an empty row');
  assert.ok(Math.max(...lengths) > 200, `a long row (longest ${Math.max(...lengths)})`);
  assert.ok(ITEMS > 2 * 4096);
});

for (const isa of ISAS) {
  for (const f of [6, 50, 64, 136]) {
    test(`[${isa}] F = ${f}: 3 float32 CG steps from a warm start equal float64 CG with the same recurrences (within 2e-5 of the largest factor)`, async () => {
      assert.equal(addon.kernels(isa), isa);
      const Y = gaussianFactors(ITEMS * f, 0.3, 7);
      const X0 = gaussianFactors(plays.rows * f, 0.3, 8);
      const X = Float32Array.from(X0);
      await cgSweep(f, X, Y, 3, 2);
      const ref = cgAlsRows(plays, Y, f, LAMBDA, conf, X0, 3);
      const d = relMaxDiff(X, ref);
      assert.ok(d <= 2e-5, `float32 sweep vs float64 reference: ${d.toExponential(2)}`);
      // The comparison can fail: one CG step fewer is far from three.
      const X1 = Float32Array.from(X0);
      await cgSweep(f, X1, Y, 2, 2);
      assert.ok(relMaxDiff(X1, ref) > 100 * d, 'two steps differ from three');
    });
  }
}

test('a fixed side over 8 MiB (gathered from a huge-page copy) gives the float64 CG reference too (F = 64, 40,000 items)', async () => {
  const f = 64;
  const big = skewedPlays(43, 10, 40_000, 800);
  const bigConf = confidence(big.data);
  const Y = gaussianFactors(big.cols * f, 0.3, 14);
  const X0 = gaussianFactors(big.rows * f, 0.3, 15);
  const X = Float32Array.from(X0);
  await addon.alsSweepAsync(big.indptr, big.indices, bigConf, X, Y, f, LAMBDA, 'cg', 3, 2);
  const d = relMaxDiff(X, cgAlsRows(big, Y, f, LAMBDA, bigConf, X0, 3));
  assert.ok(d <= 2e-5, `float32 sweep vs float64 reference: ${d.toExponential(2)}`);
});

test('threads 1, 2 and 3 give the same factors bit for bit, CG and exact (Gram summed over fixed blocks of rows)', async () => {
  const f = 64;
  const Y = gaussianFactors(ITEMS * f, 0.3, 9);
  const X0 = gaussianFactors(plays.rows * f, 0.3, 10);
  for (const solver of ['cg', 'exact'] as const) {
    const out = await Promise.all([1, 2, 3].map(async (threads) => {
      const X = Float32Array.from(X0);
      await addon.alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, f, LAMBDA, solver, 3, threads);
      return X;
    }));
    assert.deepEqual(out[1], out[0], `${solver}: 2 threads vs 1`);
    assert.deepEqual(out[2], out[0], `${solver}: 3 threads vs 1`);
  }
});

test('exact solves over a multi-block Gram matrix equal the dense normal equations (F = 64)', async () => {
  const f = 64;
  const Y = gaussianFactors(ITEMS * f, 0.3, 11);
  const X = new Float32Array(plays.rows * f);
  await addon.alsSweepAsync(plays.indptr, plays.indices, conf, X, Y, f, LAMBDA, 'exact', 1, 2);
  for (const u of [0, 1, 2, 3]) {
    const ref = denseAlsRow(plays, u, Y, f, LAMBDA, conf);
    const d = relMaxDiff(X.subarray(u * f, u * f + f), ref);
    assert.ok(d <= 1e-4, `row ${u}: ${d.toExponential(2)}`);
  }
});

test('the objective over a multi-block Gram matrix equals the all-pairs sum (F = 16)', () => {
  const f = 16;
  const Y = gaussianFactors(ITEMS * f, 0.3, 12);
  const X = gaussianFactors(plays.rows * f, 0.3, 13);
  const direct = denseWmfLoss(plays, X, Y, f, LAMBDA, conf);
  for (const threads of [1, 2]) {
    const loss = wmfLoss(plays, X, Y, { factors: f, lambda: LAMBDA, threads });
    assert.ok(Math.abs(loss - direct) <= 1e-9 * direct, `threads ${threads}: ${loss} vs ${direct}`);
  }
});
