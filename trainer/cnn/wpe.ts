/**
 * The paper's weighted prediction error (WPE, Sec. 4.2) as per-song quadratic forms. For a song i with
 * predicted factors ŷ and fixed user factors X (users x F):
 *
 *   WPE_i(ŷ) = Σ_u c_ui (p_ui − x_uᵀŷ)² = ŷᵀ A_i ŷ − 2 b_iᵀ ŷ + k_i,
 *   A_i = Σ_u c_ui x_u x_uᵀ = XᵀX + Σ_{u ∈ plays(i)} (c_ui − 1) x_u x_uᵀ,
 *   b_i = Σ_{u ∈ plays(i)} c_ui x_u,        k_i = Σ_{u ∈ plays(i)} c_ui
 *
 * (unobserved pairs have c = 1 and p = 0, so only the song's listeners add to the shared XᵀX: the same
 * trick that keeps ALS proportional to the non-zeros). The network trains on ŷᵀAŷ − 2bᵀŷ (k_i is a
 * constant). Everything is divided by the number of users so the loss is O(1) per song whatever the
 * catalogue size, which keeps one learning rate sane across worlds.
 */
import { EarshotError } from '../../src/errors';
import { checkCsr, type Csr } from '../data/csr';
import { confidence, type ConfidenceOptions } from '../wmf/confidence';

export interface WpeForms {
  /** songs x F x F, row-major, symmetric. */
  a: Float32Array;
  /** songs x F. */
  b: Float32Array;
  /** songs: the constant term, so that loss + k = the full WPE (per user). */
  k: Float64Array;
  factors: number;
  /** The divisor applied to A, b and k (the number of users). */
  scale: number;
}

/**
 * Forms for the songs in `songs` (item ids of `byItem`, an items x users CSR of play counts), in that
 * order, from user factors X (users x F).
 */
export function wpeForms(byItem: Csr, userFactors: Float32Array, factors: number, songs: ArrayLike<number>, o: ConfidenceOptions = {}): WpeForms {
  checkCsr(byItem, 'plays by item');
  const users = byItem.cols;
  if (userFactors.length !== users * factors) throw new EarshotError('ERR_INVALID_ARGUMENT', `user factors hold ${userFactors.length} values, expected ${users} users x ${factors}`);
  const f = factors;
  const gram = new Float64Array(f * f);
  for (let u = 0; u < users; u++) {
    const x = userFactors.subarray(u * f, (u + 1) * f);
    for (let p = 0; p < f; p++) for (let q = 0; q <= p; q++) gram[p * f + q] += x[p] * x[q];
  }
  const n = songs.length;
  const out: WpeForms = { a: new Float32Array(n * f * f), b: new Float32Array(n * f), k: new Float64Array(n), factors: f, scale: users };
  const acc = new Float64Array(f * f);
  const bAcc = new Float64Array(f);
  for (let s = 0; s < n; s++) {
    const i = songs[s];
    if (!Number.isInteger(i) || i < 0 || i >= byItem.rows) throw new EarshotError('ERR_INVALID_ARGUMENT', `song index ${i} outside 0..${byItem.rows - 1}`);
    acc.set(gram);
    bAcc.fill(0);
    const lo = byItem.indptr[i];
    const hi = byItem.indptr[i + 1];
    const c = confidence(byItem.data.subarray(lo, hi), o);
    let k = 0;
    for (let j = lo; j < hi; j++) {
      const x = userFactors.subarray(byItem.indices[j] * f, (byItem.indices[j] + 1) * f);
      const cj = c[j - lo];
      k += cj;
      for (let p = 0; p < f; p++) {
        bAcc[p] += cj * x[p];
        const w = (cj - 1) * x[p];
        for (let q = 0; q <= p; q++) acc[p * f + q] += w * x[q];
      }
    }
    const base = s * f * f;
    for (let p = 0; p < f; p++) {
      for (let q = 0; q <= p; q++) {
        const v = acc[p * f + q] / users;
        out.a[base + p * f + q] = v;
        out.a[base + q * f + p] = v;
      }
      out.b[s * f + p] = bAcc[p] / users;
    }
    out.k[s] = k / users;
  }
  return out;
}

/** ŷᵀAŷ − 2bᵀŷ + k for song s of `forms`: the WPE per user (tests and reports). */
export function wpeValue(forms: WpeForms, s: number, y: ArrayLike<number>): number {
  const f = forms.factors;
  let v = forms.k[s];
  for (let p = 0; p < f; p++) {
    v -= 2 * forms.b[s * f + p] * y[p];
    for (let q = 0; q < f; q++) v += y[p] * forms.a[s * f * f + p * f + q] * y[q];
  }
  return v;
}
