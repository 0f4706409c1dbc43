// The symmetric eigensolver (native/linalg/sym_eigen.h) and PCA (trainer/bow/pca.ts) against analytic
// oracles: A v = λ v and orthonormality on random matrices, closed-form spectra (tridiagonal Toeplitz;
// a known diagonal rotated by a known orthogonal matrix, with repeated eigenvalues), a slow cyclic
// Jacobi written out here, the covariance and Gram routes agreeing, and the 95 % rule on data whose
// spectrum is known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarshotError } from '../../../src/errors';
import { mulberry32, type Rand } from '../../../trainer/eval/prng';
import { symmetricEigen } from '../../../trainer/bow/sym-eigen';
import { fitPca, transformPca } from '../../../trainer/bow/pca';

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r() * 2 - 1;
  return a;
}

/** Q = H1 H2 H3 for three random Householder reflections: an exactly known orthogonal matrix (n x n). */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let h = 0; h < 3; h++) {
    const w = Array.from({ length: n }, () => gauss(r));
    const w2 = w.reduce((s, v) => s + v * v, 0);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j] * w[j];
      for (let j = 0; j < n; j++) q[i * n + j] -= (2 * s * w[j]) / w2; // Q <- Q (I − 2wwᵀ/|w|²)
    }
  }
  return q;
}

/** Q diag(λ) Qᵀ. */
function rotatedDiagonal(q: Float64Array, lambda: number[]): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
    a[i * n + j] = s;
  }
  return a;
}

function checkDecomposition(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array, count: number, tol: number): void {
  for (let p = 1; p < n; p++) assert.ok(values[p] <= values[p - 1], 'eigenvalues descend');
  let worstResidual = 0;
  let worstOrth = 0;
  for (let p = 0; p < count; p++) {
    const v = vectors.subarray(p * n, (p + 1) * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
      worstResidual = Math.max(worstResidual, Math.abs(s - values[p] * v[i]));
    }
    for (let q = 0; q <= p; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i] * vectors[q * n + i];
      worstOrth = Math.max(worstOrth, Math.abs(s - (p === q ? 1 : 0)));
    }
  }
  assert.ok(worstResidual < tol, `max |Av − λv| = ${worstResidual}`);
  assert.ok(worstOrth < tol, `max |VᵀV − I| = ${worstOrth}`);
}

/** Cyclic Jacobi: slow, obviously right; eigenvalues only, ascending. */
function jacobiEigenvalues(a0: Float64Array, n: number): number[] {
  const a = Float64Array.from(a0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q];
      if (apq === 0) continue;
      const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < n; k++) { // columns p, q
        const akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) { // rows p, q
        const apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]).sort((x, y) => x - y);
}

// n = 600 records more rotations than one buffer holds (2^18), so they are applied in several batches.
test('eigensolver: A v = λ v and orthonormal vectors on random symmetric matrices (n = 1 .. 600)', async () => {
  for (const n of [1, 2, 3, 50, 300, 600]) {
    const a = randomSymmetric(n, n);
    const e = await symmetricEigen(a, n, { threads: 2 });
    assert.equal(e.count, n);
    checkDecomposition(a, n, e.values, e.vectors, n, 1e-9);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    assert.ok(Math.abs(e.values.reduce((s, v) => s + v, 0) - trace) < 1e-9);
  }
});

test('eigensolver: eigenvalues equal a slow Jacobi reference; fewer vectors on request; same for any threads', async () => {
  const n = 40;
  const a = randomSymmetric(n, 77);
  const e = await symmetricEigen(a, n, { threads: 1 });
  const ref = jacobiEigenvalues(a, n).reverse();
  for (let i = 0; i < n; i++) assert.ok(Math.abs(e.values[i] - ref[i]) < 1e-12, `λ${i} ${e.values[i]} vs ${ref[i]}`);
  const few = await symmetricEigen(a, n, { vectors: 5, threads: 2 });
  assert.equal(few.count, 5);
  assert.equal(few.vectors.length, 5 * n);
  assert.deepEqual(few.values, e.values);
  assert.deepEqual(few.vectors, e.vectors.subarray(0, 5 * n));
});

test('eigensolver: tridiagonal Toeplitz matrix has eigenvalues a + 2b cos(kπ/(n+1))', async () => {
  const n = 200, diag = 2, off = -1;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = diag;
    if (i + 1 < n) a[(i + 1) * n + i] = a[i * n + i + 1] = off;
  }
  const e = await symmetricEigen(a, n);
  // Descending: k = 1 .. n with b < 0 gives ascending cosines times −1.
  const expected = Array.from({ length: n }, (_, k) => diag + 2 * off * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => y - x);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(e.values[i] - expected[i]) < 1e-12, `λ${i}: ${e.values[i]} vs ${expected[i]}`);
  checkDecomposition(a, n, e.values, e.vectors, n, 1e-12);
});

test('eigensolver: a known diagonal rotated by a known orthogonal matrix, repeated eigenvalues included', async () => {
  const n = 120;
  const lambda = Array.from({ length: n }, (_, i) => (i < 10 ? 5 : i < 30 ? 10 - i * 0.25 : i % 4 === 0 ? -1 : 0.01 * i));
  const q = randomOrthogonal(n, 5);
  const a = rotatedDiagonal(q, lambda);
  const e = await symmetricEigen(a, n, { threads: 2 });
  const sorted = [...lambda].sort((x, y) => y - x);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(e.values[i] - sorted[i]) < 1e-12, `λ${i}: ${e.values[i]} vs ${sorted[i]}`);
  checkDecomposition(a, n, e.values, e.vectors, n, 1e-12);
  // A simple eigenvalue's vector is ± the matching column of Q.
  const lead = sorted.findIndex((v) => v === 10 - 10 * 0.25); // λ = 7.5, from i = 10, unique
  const v = e.vectors.subarray(lead * n, (lead + 1) * n);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += v[i] * q[i * n + 10];
  assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-12, `|v·q| = ${Math.abs(dot)}`);
});

/**
 * Rows ±s_j q_j (q_j: column j of a known orthogonal Q; n = 2d rows, mean exactly 0): the covariance
 * is Q diag(2 s_j² / (n − 1)) Qᵀ, so the variance along q_j is known (up to the float32 rounding of x).
 */
function knownSpectrum(variances: number[], seed: number): { x: Float32Array; n: number; d: number; q: Float64Array } {
  const d = variances.length;
  const n = 2 * d;
  const q = randomOrthogonal(d, seed);
  const x = new Float32Array(n * d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt((variances[j] * (n - 1)) / 2);
    for (let t = 0; t < d; t++) {
      x[2 * j * d + t] = s * q[t * d + j];
      x[(2 * j + 1) * d + t] = -s * q[t * d + j];
    }
  }
  return { x, n, d, q };
}

test('PCA keeps the fewest components explaining >= 95 % of a known spectrum', async () => {
  const variances = [50, 20, 10, 8, 5, 3, 2, 1, 0.5, 0.5]; // cumulative 50 70 80 88 93 96 ...
  const { x, n, d } = knownSpectrum(variances, 8);
  for (const [kept, count] of [[0.95, 6], [0.9, 5], [0.6, 2], [0.999, 10]] as const) {
    for (const method of ['covariance', 'gram'] as const) {
      const m = await fitPca(x, n, d, { varianceKept: kept, method });
      assert.equal(m.count, count, `${method}, varianceKept ${kept}`);
      assert.ok(Math.abs(m.totalVariance - 100) < 1e-3, `total ${m.totalVariance}`);
      for (let i = 0; i < count; i++) assert.ok(Math.abs(m.explainedVariance[i] - variances[i]) < 1e-4 * variances[0], `var ${i}: ${m.explainedVariance[i]}`);
      assert.ok(Math.abs(m.explainedVarianceRatio[0] - 0.5) < 1e-6);
    }
  }
  const fixed = await fitPca(x, n, d, { components: 3 });
  assert.equal(fixed.count, 3);
});

test('PCA: covariance and Gram routes give the same projections (up to sign)', async () => {
  const r = mulberry32(3);
  for (const [n, d] of [[60, 40], [30, 80]]) {
    // Correlated data: a few latent factors plus noise, an offset to exercise the centring.
    const latent = Array.from({ length: 5 * d }, () => gauss(r));
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: 5 }, () => gauss(r) * 3);
      for (let t = 0; t < d; t++) {
        let s = 10 + 0.3 * gauss(r);
        for (let f = 0; f < 5; f++) s += z[f] * latent[f * d + t];
        x[i * d + t] = s;
      }
    }
    const cov = await fitPca(x, n, d, { method: 'covariance' });
    const gram = await fitPca(x, n, d, { method: 'gram' });
    assert.equal((await fitPca(x, n, d)).method, d <= n ? 'covariance' : 'gram');
    assert.equal(cov.count, gram.count);
    for (let i = 0; i < cov.count; i++) assert.ok(Math.abs(cov.explainedVariance[i] - gram.explainedVariance[i]) < 1e-9 * cov.explainedVariance[0]);
    const pc = await transformPca(cov, x, n);
    const pg = await transformPca(gram, x, n);
    const m = cov.count;
    for (let j = 0; j < m; j++) {
      const scale = Math.sqrt(cov.explainedVariance[j]);
      let sign = 0;
      for (let i = 0; i < n; i++) sign += pc[i * m + j] * pg[i * m + j];
      sign = Math.sign(sign);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(pc[i * m + j] - sign * pg[i * m + j]) < 1e-4 * scale, `component ${j} row ${i}`);
      // Projections of the training rows: mean 0, variance = explainedVariance.
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) { s += pc[i * m + j]; s2 += pc[i * m + j] ** 2; }
      assert.ok(Math.abs(s / n) < 1e-4 * scale);
      assert.ok(Math.abs(s2 / (n - 1) - cov.explainedVariance[j]) < 1e-4 * cov.explainedVariance[j]);
    }
    const white = await transformPca(cov, x, n, { whiten: true });
    let v0 = 0;
    for (let i = 0; i < n; i++) v0 += white[i * m] ** 2;
    assert.ok(Math.abs(v0 / (n - 1) - 1) < 1e-4);
  }
});

test('bad inputs are EarshotErrors that name the argument', async () => {
  const x = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
  const code = (c: string, re: RegExp) => (e: unknown) => e instanceof EarshotError && e.code === c && re.test(e.message);
  const bad = 'ERR_INVALID_ARGUMENT';
  await assert.rejects(fitPca(x, 1, 30), code(bad, /x rows must be an integer in 2\.\./));
  await assert.rejects(fitPca(x, 10, 4), code(bad, /x holds 30 values, expected 10 x 4/));
  await assert.rejects(fitPca(x, 10, 3, { varianceKept: 0 }), code(bad, /varianceKept/));
  await assert.rejects(fitPca(x, 10, 3, { varianceKept: 1.5 }), code(bad, /varianceKept/));
  await assert.rejects(fitPca(x, 10, 3, { components: 4 }), code(bad, /components must be an integer in 1\.\.3/));
  await assert.rejects(fitPca(x, 10, 3, { components: 2, varianceKept: 0.9 }), code(bad, /either components or varianceKept/));
  await assert.rejects(fitPca(x, 10, 3, { method: 'svd' as never }), code(bad, /method must be/));
  await assert.rejects(fitPca(new Float32Array(30).fill(1), 10, 3), code(bad, /zero variance/));
  const nan = x.slice();
  nan[4] = NaN;
  await assert.rejects(fitPca(nan, 10, 3), code('ERR_NOT_FINITE', /x\[4\] is NaN/));
  await assert.rejects(symmetricEigen(new Float64Array(5), 2), code(bad, /a holds 5 values, expected n x n = 4/));
  await assert.rejects(symmetricEigen(new Float32Array(4) as never, 2), code(bad, /a must be a Float64Array/));
  await assert.rejects(symmetricEigen(new Float64Array(4), 2, { vectors: 3 }), code(bad, /vectors/));
  const model = await fitPca(x, 10, 3);
  await assert.rejects(transformPca(model, x, 5), code(bad, /x holds 30 values, expected 5 x 3/));
});
