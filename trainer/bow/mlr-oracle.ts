/**
 * The separation oracle of MLR (McFee & Lanckriet, ICML 2010) for the AUC loss: given the current
 * metric W, the most violated ranking of every query, summed into one 1-slack constraint
 * (Joachims, Finley & Yu 2009). The cutting-plane loop lives in mlr.ts; this file is the math of one
 * call, on clean Float64Array inputs (mlr.ts validates).
 *
 * Notation. x_k (d) are the features of song k, d_W(a, b) = (a − b)ᵀ W (a − b), and a query q ranks
 * every other training song k by the score s_qk = −d_W(x_q, x_k) = ⟨W, φ_qk⟩_F with
 * φ_qk = −(x_q − x_k)(x_q − x_k)ᵀ. R (P songs) are q's relevant songs, I (N = n − 1 − P) the rest.
 * A ranking is encoded by y_ij ∈ {+1, −1} for i ∈ R, j ∈ I (+1: i above j); the true one has all +1.
 *   ψ(q, y) = (1/(P·N)) Σ_{i∈R, j∈I} y_ij (φ_qi − φ_qj),   Δ(y*, y) = (1/(P·N)) #{(i, j): y_ij = −1}
 * (Δ is the AUC loss, the fraction of mis-ordered pairs).
 *
 * Loss-augmented inference. Δ(y*, ȳ) + ⟨W, ψ(q, ȳ)⟩ = (1/(P·N)) Σ_ij ( [ȳ_ij = −1] + ȳ_ij (s_qi − s_qj) )
 * decomposes over pairs: keeping a pair earns s_qi − s_qj, flipping it earns 1 − (s_qi − s_qj), so the
 * maximiser flips (i, j) iff 2 (s_qi − s_qj) < 1 (at equality both earn the same; we keep it). These
 * pairwise choices are one consistent ranking, the one sorting relevant songs by s − ¼ and irrelevant
 * ones by s + ¼, so no ordering constraint is lost by deciding pairs independently.
 *
 * The constraint. ψ(q, y*) − ψ(q, ȳ) = (2/(P·N)) Σ_{flipped} (φ_qi − φ_qj)
 *   = Σ_k w_qk (x_q − x_k)(x_q − x_k)ᵀ,
 * with w_qk = +(2/(P·N))·(flipped pairs containing k) for irrelevant k and −(2/(P·N))·(same) for
 * relevant k (φ carries a minus sign, so relevant songs enter negatively). Averaged over the queries,
 * G = (1/n_q) Σ_q Σ_k w_qk (x_q − x_k)(x_q − x_k)ᵀ = (1/n_q) Xᵀ L X with L = D_row + D_col − Wq − Wqᵀ,
 * Wq the n x n matrix of w_qk, D_row/D_col the diagonals of its row/column sums (each row sums to 0:
 * every flipped pair adds +1 to one irrelevant and −1 to one relevant song). No pair's d x d matrix is
 * ever formed: per query the scores cost O(n d), the counts O(N log P) by a binary search in the P
 * sorted relevant scores, m_q = Σ_k w_qk x_k O(n d) and x_q m_qᵀ O(d²). One call is O(n² d + n d²).
 */

export interface MlrConstraint {
  /** G (d x d, row-major, symmetric): the mean of ψ(q, y*_q) − ψ(q, ȳ_q) over the queries used. */
  g: Float64Array;
  /** Δ: the mean AUC loss (fraction of mis-ordered pairs) of the most violated rankings ȳ_q, in [0, 1]. */
  loss: number;
  /** ⟨W, G⟩_F, accumulated from the distances (no d x d product): the constraint's margin under W. */
  margin: number;
  /** Queries with at least one relevant and one irrelevant song (the others carry no constraint). */
  queries: number;
}

/** Z = X W (n x d) and a_k = x_kᵀ W x_k, the pieces of d_W(x_q, x_k) = a_q + a_k − 2 z_q·x_k. */
export function metricProducts(x: Float64Array, n: number, d: number, w: Float64Array): { z: Float64Array; sq: Float64Array } {
  const z = new Float64Array(n * d);
  const sq = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const xo = k * d;
    for (let a = 0; a < d; a++) {
      const v = x[xo + a];
      if (v === 0) continue;
      const wo = a * d;
      for (let b = 0; b < d; b++) z[xo + b] += v * w[wo + b];
    }
    let s = 0;
    for (let a = 0; a < d; a++) s += z[xo + a] * x[xo + a];
    sq[k] = s;
  }
  return { z, sq };
}

/** dist[k] = d_W(x_q, x_k) for every k (dist[q] is 0 up to rounding and never read). */
export function distanceRow(x: Float64Array, z: Float64Array, sq: Float64Array, n: number, d: number, q: number, dist: Float64Array): void {
  const zo = q * d;
  const aq = sq[q];
  for (let k = 0; k < n; k++) {
    const xo = k * d;
    let dot = 0;
    for (let a = 0; a < d; a++) dot += z[zo + a] * x[xo + a];
    dist[k] = aq + sq[k] - 2 * dot;
  }
}

/** Number of entries of the ascending array v[0..len) that are < t. */
function countBelow(v: Float64Array, len: number, t: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Relevant songs of one query ordered by ascending score, their scores alongside. */
function sortRelevant(rel: ArrayLike<number>, dist: Float64Array, order: Int32Array, scores: Float64Array): number {
  const p = rel.length;
  for (let i = 0; i < p; i++) order[i] = rel[i];
  order.subarray(0, p).sort((u, v) => dist[v] - dist[u] || u - v); // descending distance = ascending score
  for (let i = 0; i < p; i++) scores[i] = -dist[order[i]];
  return p;
}

/**
 * Signed pair weights of the most violated ranking of one query, written into weight[k] for every
 * candidate k (0 for q itself and for songs in no flipped pair); returns the number of flipped pairs.
 * `isRelevant` marks q's relevant songs; `order`/`scores`/`counts` are scratch of length >= P + 1.
 */
export function augmentQuery(
  q: number, n: number, rel: ArrayLike<number>, isRelevant: Uint8Array, dist: Float64Array,
  weight: Float64Array, order: Int32Array, scores: Float64Array, counts: Float64Array,
): number {
  const p = sortRelevant(rel, dist, order, scores);
  const nIrr = n - 1 - p;
  const scale = 2 / (p * nIrr);
  counts.fill(0, 0, p + 1);
  let flipped = 0;
  for (let j = 0; j < n; j++) {
    if (j === q || isRelevant[j]) {
      weight[j] = 0;
      continue;
    }
    // Relevant i with s_i < s_j + 1/2 (the m lowest-scoring ones) are flipped against j.
    const m = countBelow(scores, p, -dist[j] + 0.5);
    counts[m] += 1;
    flipped += m;
    weight[j] = scale * m;
  }
  // The relevant song at sorted position t is flipped against every j whose m exceeds t.
  let above = 0;
  for (let t = p - 1; t >= 0; t--) {
    above += counts[t + 1];
    weight[order[t]] = -scale * above;
  }
  return flipped;
}

/** Queries handled together: each x_k loaded once serves BLOCK dot products (≈1.5x faster in V8). */
const BLOCK = 4;

/** dist[b·n + k] = d_W(x_{q0+b}, x_k) for b < BLOCK (rows past n − 1 repeat the last query). */
function distanceBlock(x: Float64Array, z: Float64Array, sq: Float64Array, n: number, d: number, q0: number, dist: Float64Array): void {
  const z0 = Math.min(q0, n - 1) * d;
  const z1 = Math.min(q0 + 1, n - 1) * d;
  const z2 = Math.min(q0 + 2, n - 1) * d;
  const z3 = Math.min(q0 + 3, n - 1) * d;
  const a0 = sq[z0 / d];
  const a1 = sq[z1 / d];
  const a2 = sq[z2 / d];
  const a3 = sq[z3 / d];
  for (let k = 0; k < n; k++) {
    const xo = k * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let a = 0; a < d; a++) {
      const v = x[xo + a];
      s0 += z[z0 + a] * v;
      s1 += z[z1 + a] * v;
      s2 += z[z2 + a] * v;
      s3 += z[z3 + a] * v;
    }
    const ak = sq[k];
    dist[k] = a0 + ak - 2 * s0;
    dist[n + k] = a1 + ak - 2 * s1;
    dist[2 * n + k] = a2 + ak - 2 * s2;
    dist[3 * n + k] = a3 + ak - 2 * s3;
  }
}

/** mq[b·d + a] = Σ_k weight[b·n + k] x_k[a] for the BLOCK queries of a block. */
function weightedSums(x: Float64Array, n: number, d: number, weight: Float64Array, mq: Float64Array): void {
  mq.fill(0);
  for (let k = 0; k < n; k++) {
    const w0 = weight[k];
    const w1 = weight[n + k];
    const w2 = weight[2 * n + k];
    const w3 = weight[3 * n + k];
    if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) continue;
    const xo = k * d;
    for (let a = 0; a < d; a++) {
      const v = x[xo + a];
      mq[a] += w0 * v;
      mq[d + a] += w1 * v;
      mq[2 * d + a] += w2 * v;
      mq[3 * d + a] += w3 * v;
    }
  }
}

/**
 * The 1-slack constraint of the current W: the queries' most violated rankings, averaged.
 * x: n x d (row-major); w: d x d symmetric; relevant[q]: q's relevant songs (distinct, not q).
 */
export function separationOracle(x: Float64Array, n: number, d: number, w: Float64Array, relevant: readonly ArrayLike<number>[]): MlrConstraint {
  const { z, sq } = metricProducts(x, n, d, w);
  const dist = new Float64Array(BLOCK * n);
  const weight = new Float64Array(BLOCK * n);
  const mq = new Float64Array(BLOCK * d);
  const isRelevant = new Uint8Array(n);
  const maxP = relevant.reduce((m, r) => Math.max(m, r.length), 0);
  const order = new Int32Array(maxP + 1);
  const scores = new Float64Array(maxP + 1);
  const counts = new Float64Array(maxP + 1);
  const diag = new Float64Array(n); // D_row + D_col
  const cross = new Float64Array(d * d); // Σ_q x_q m_qᵀ
  let loss = 0;
  let margin = 0;
  let queries = 0;
  for (let q0 = 0; q0 < n; q0 += BLOCK) {
    distanceBlock(x, z, sq, n, d, q0, dist);
    weight.fill(0);
    for (let b = 0; b < BLOCK && q0 + b < n; b++) {
      const q = q0 + b;
      const rel = relevant[q];
      const p = rel.length;
      if (p === 0 || p === n - 1) continue;
      queries++;
      const dq = dist.subarray(b * n, (b + 1) * n);
      const wq = weight.subarray(b * n, (b + 1) * n);
      for (let i = 0; i < p; i++) isRelevant[rel[i]] = 1;
      const flipped = augmentQuery(q, n, rel, isRelevant, dq, wq, order, scores, counts);
      for (let i = 0; i < p; i++) isRelevant[rel[i]] = 0;
      loss += flipped / (p * (n - 1 - p));
      let rowSum = 0;
      for (let k = 0; k < n; k++) {
        const wk = wq[k];
        if (wk === 0) continue;
        rowSum += wk;
        diag[k] += wk;
        margin += wk * dq[k];
      }
      diag[q] += rowSum;
    }
    weightedSums(x, n, d, weight, mq);
    for (let b = 0; b < BLOCK && q0 + b < n; b++) {
      const qo = (q0 + b) * d;
      const mo = b * d;
      for (let a = 0; a < d; a++) {
        const xa = x[qo + a];
        if (xa === 0) continue;
        const co = a * d;
        for (let c = 0; c < d; c++) cross[co + c] += xa * mq[mo + c];
      }
    }
  }
  const g = new Float64Array(d * d);
  if (queries === 0) return { g, loss: 0, margin: 0, queries };
  // Xᵀ diag X − C − Cᵀ, with C = Σ_q x_q m_qᵀ = Xᵀ Wq X.
  for (let k = 0; k < n; k++) {
    const lk = diag[k];
    if (lk === 0) continue;
    const xo = k * d;
    for (let a = 0; a < d; a++) {
      const v = lk * x[xo + a];
      const go = a * d;
      for (let b = 0; b <= a; b++) g[go + b] += v * x[xo + b];
    }
  }
  const inv = 1 / queries;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = (g[a * d + b] - cross[a * d + b] - cross[b * d + a]) * inv;
      g[a * d + b] = v;
      g[b * d + a] = v;
    }
  }
  return { g, loss: loss * inv, margin: margin * inv, queries };
}

/**
 * Mean AUC over the queries under W: per query, the fraction of (relevant, irrelevant) pairs whose
 * relevant song is strictly closer, ties counted half. Queries without both kinds are skipped.
 */
export function meanRankingAuc(x: Float64Array, n: number, d: number, w: Float64Array, relevant: readonly ArrayLike<number>[]): number {
  const { z, sq } = metricProducts(x, n, d, w);
  const dist = new Float64Array(n);
  const isRelevant = new Uint8Array(n);
  const maxP = relevant.reduce((m, r) => Math.max(m, r.length), 0);
  const order = new Int32Array(maxP);
  const scores = new Float64Array(maxP);
  let sum = 0;
  let queries = 0;
  for (let q = 0; q < n; q++) {
    const rel = relevant[q];
    const p = rel.length;
    if (p === 0 || p === n - 1) continue;
    queries++;
    for (let i = 0; i < p; i++) isRelevant[rel[i]] = 1;
    distanceRow(x, z, sq, n, d, q, dist);
    sortRelevant(rel, dist, order, scores);
    let correct = 0;
    for (let j = 0; j < n; j++) {
      if (j === q || isRelevant[j]) continue;
      const s = -dist[j];
      // Relevant scores above s are correct pairs; exactly equal ones count half.
      const below = countBelow(scores, p, s);
      const equal = countEqual(scores, p, below, s);
      correct += p - below - 0.5 * equal;
    }
    for (let i = 0; i < p; i++) isRelevant[rel[i]] = 0;
    sum += correct / (p * (n - 1 - p));
  }
  return queries === 0 ? NaN : sum / queries;
}

function countEqual(v: Float64Array, len: number, from: number, t: number): number {
  let c = 0;
  for (let i = from; i < len && v[i] === t; i++) c++;
  return c;
}
