/**
 * Per-user ranking metrics of van den Oord et al. 2013 (section 5): mean average precision at 500, as
 * in the Million Song Dataset Challenge, and the area under the ROC curve over ALL candidates.
 *
 * One user's ranking is given as n candidates, each with a score, an item id and a role:
 *   ROLE_RELEVANT   a held-out (test) item of the user,
 *   ROLE_IRRELEVANT any other candidate,
 *   ROLE_EXCLUDED   not ranked at all (items the user had in training: recommending them is not the task).
 *
 * Order: score descending, ties broken by item id ascending. The tie rule is arbitrary but fixed, so a
 * score vector always gives the same AP; it matters only where scores are exactly equal (quantised or
 * constant scores). AUC needs no tie rule: a tied (relevant, irrelevant) pair counts 1/2.
 *
 *   AP@K  = (1 / min(m, K)) * sum over relevant items j with rank r_j <= K of precision@r_j,
 *           precision@r = (relevant items at ranks 1..r) / r,  m = number of relevant candidates.
 *   AUC   = (pairs (relevant, irrelevant) with s_rel > s_irr  +  1/2 * pairs with s_rel == s_irr)
 *           / (m * number of irrelevant candidates); undefined (NaN) when there is no irrelevant one.
 *
 * How, fast and exact: both metrics only need, for each relevant item, how many irrelevant candidates
 * rank ahead of it (and how many tie with it). The m relevant items (a handful per user) are sorted once
 * by the ranking order; each irrelevant candidate then finds by binary search which relevant items it
 * precedes. That is O(n log m) per user with no sort of the n candidates and no truncation: the ranks
 * are the exact ranks a full sort would give (test/trainer/eval/metrics.test.ts checks against one), and AUC
 * is exact over every candidate, not estimated from the top K.
 */
import { EarshotError } from '../../src/errors';

export const ROLE_IRRELEVANT = 0;
export const ROLE_RELEVANT = 1;
export const ROLE_EXCLUDED = 2;

/** The MSD Challenge's cut-off. */
export const DEFAULT_K = 500;

export interface RankMetrics {
  /** AP@K; NaN when the user has no relevant candidate. */
  ap: number;
  /** Full AUC; NaN when there is no relevant or no irrelevant candidate. */
  auc: number;
  /** m: relevant candidates (roles === ROLE_RELEVANT). */
  relevant: number;
  /** Ranked candidates that are not relevant. */
  irrelevant: number;
}

/**
 * AP@K and AUC of one user's ranking.
 * @param scores candidate scores (finite or ±Infinity; NaN is an error), positions 0..n-1
 * @param itemIds item id per position, the tie-breaker; unique among ranked positions
 * @param roles ROLE_* per position
 * @param n number of positions to read from the three arrays
 * @param k the AP cut-off K (>= 1)
 */
export function rankMetrics(scores: ArrayLike<number>, itemIds: ArrayLike<number>, roles: Uint8Array, n: number, k: number): RankMetrics {
  // The relevant positions, sorted by (score desc, item asc): relScore/relItem hold them in rank order.
  let m = 0;
  for (let c = 0; c < n; c++) if (roles[c] === ROLE_RELEVANT) m++;
  if (m === 0) return { ap: NaN, auc: NaN, relevant: 0, irrelevant: countIrrelevant(roles, n) };
  const rel = new Int32Array(m);
  for (let c = 0, j = 0; c < n; c++) if (roles[c] === ROLE_RELEVANT) rel[j++] = c;
  for (let j = 0; j < m; j++) if (Number.isNaN(scores[rel[j]])) nanScore(rel[j]);
  rel.sort((a, b) => scores[b] - scores[a] || itemIds[a] - itemIds[b] || 0);
  const relScore = new Float64Array(m);
  const relItem = new Float64Array(m);
  for (let j = 0; j < m; j++) { relScore[j] = scores[rel[j]]; relItem[j] = itemIds[rel[j]]; }

  // ahead[p]++ records an irrelevant candidate that ranks ahead of relevant items p..m-1 (and behind
  // 0..p-1); a prefix sum turns it into "irrelevant candidates ahead of relevant item j".
  const ahead = new Int32Array(m + 1);
  const lowest = relScore[m - 1];
  let irrelevant = 0;
  let belowAll = 0; // irrelevant candidates under every relevant one: no search (most, for a good model)
  let correctPairs = 0; // (relevant, irrelevant) pairs ordered correctly, ties counting 1/2, times 2
  for (let c = 0; c < n; c++) {
    if (roles[c] !== ROLE_IRRELEVANT) continue;
    const s = scores[c];
    irrelevant++;
    if (s < lowest) { belowAll++; continue; }
    if (s !== s) nanScore(c);
    const gt = firstNotAbove(relScore, m, s); // relevant items with score > s: they beat c outright
    let p = gt;
    if (gt < m && relScore[gt] === s) {
      const ge = firstBelow(relScore, gt, m, s); // relScore[gt..ge-1] tie with c
      correctPairs += 2 * gt + (ge - gt);
      p = firstItemAbove(relItem, gt, ge, itemIds[c]); // among the tied, smaller ids rank first
    } else {
      correctPairs += 2 * gt;
    }
    ahead[p]++;
  }
  ahead[m] += belowAll;
  correctPairs += 2 * m * belowAll;

  let sumPrecision = 0;
  let irrelevantAhead = 0;
  for (let j = 0; j < m; j++) {
    irrelevantAhead += ahead[j];
    const rank = j + 1 + irrelevantAhead; // 1-based: j relevant and irrelevantAhead irrelevant before it
    if (rank > k) break; // ranks only grow with j
    sumPrecision += (j + 1) / rank;
  }
  const ap = sumPrecision / Math.min(m, k);
  const auc = irrelevant === 0 ? NaN : correctPairs / (2 * m * irrelevant);
  return { ap, auc, relevant: m, irrelevant };
}

function countIrrelevant(roles: Uint8Array, n: number): number {
  let x = 0;
  for (let c = 0; c < n; c++) if (roles[c] === ROLE_IRRELEVANT) x++;
  return x;
}

function nanScore(position: number): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', `score of candidate ${position} is NaN; scores must not be NaN (check the factors)`);
}

/** First index i in a[0..m) (sorted descending) with a[i] <= s, or m. */
function firstNotAbove(a: Float64Array, m: number, s: number): number {
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] > s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in a[lo..hi) (sorted descending) with a[i] < s, or hi. */
function firstBelow(a: Float64Array, lo: number, hi: number, s: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] >= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in a[lo..hi) (sorted ascending) with a[i] > id, or hi. */
function firstItemAbove(a: Float64Array, lo: number, hi: number, id: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
