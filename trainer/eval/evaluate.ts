/**
 * The evaluation every model is judged by (van den Oord et al. 2013, section 5): for each user with
 * held-out plays, rank the candidate songs by predicted preference score(u, i) = U[u] . V[i], leave out
 * the songs the user already had in training, and report mean AP@500 (MSD Challenge) and mean AUC.
 *
 * The rows of one results table, all through `evaluate` with different item factors:
 *  - a model: V = the model's factors (WMF for warm items; for cold-start songs, the factors the CNN
 *    predicts from audio, written into the held-out rows of V);
 *  - the random baseline: `randomBaseline` (seeded uniform scores; AUC ~ 0.5, MAP ~ m/n);
 *  - the upper bound: V's held-out rows = factors learned from those songs' own test plays, which the
 *    trainer gets by fold-in (trainer/wmf/fold-in.ts, each song solved against the fixed user factors
 *    from its test column). The paper's "latent factors" upper bound: what a perfect audio model
 *    could reach. Here it is just another V.
 *
 * Conventions (see metrics.ts for the formulas and the tie rule):
 *  - candidates: default every item; or a subset (cold start: the held-out songs).
 *  - relevant: the user's test items that are candidates and NOT in the user's training row; a
 *    training item is never ranked, even if it also appears in test.
 *  - users with no relevant candidate are skipped (usersSkipped); users with relevant items but no
 *    irrelevant candidate count in MAP but have no AUC (aucUndefined), so `auc` averages over aucUsers.
 *
 * Speed: users are scored in blocks of USER_BLOCK against every candidate, so each item-factor row is
 * read from memory once per block rather than once per user; the metrics cost O(n log m) per user
 * (metrics.ts). Measured on the 2-core development VM (AMD EPYC, Node 20, one thread, machine shared):
 * 2,000 users x 20,000 items, F = 50, 10 test items per user: 1.6-2.1 s, of which scoring is most;
 * randomBaseline on the same problem 0.85 s.
 */
import { EarshotError } from '../../src/errors';
import { checkCsr, type Csr } from '../data/csr';
import { DEFAULT_K, rankMetrics, ROLE_EXCLUDED, ROLE_IRRELEVANT, ROLE_RELEVANT } from './metrics';
import { mulberry32 } from './prng';

export interface EvaluateOptions {
  /** users x items interactions the factors were trained on; excluded from each user's ranking. */
  train: Csr;
  /** users x items held-out interactions, same shape; the relevant items. */
  test: Csr;
  /** users x factors, row-major. */
  userFactors: Float32Array;
  /** items x factors, row-major. */
  itemFactors: Float32Array;
  factors: number;
  /** Item ids to rank (unique); default all items. */
  candidates?: Int32Array;
  /** AP cut-off. Default 500 (MSD Challenge). */
  k?: number;
  /** Users to evaluate (e.g. a sample); default all rows. */
  users?: Int32Array;
  /** Also return every evaluated user's AP and AUC. */
  perUser?: boolean;
}

export interface EvaluationResult {
  /** Mean AP@k over `users` users (NaN if none). */
  map: number;
  /** Mean AUC over `aucUsers` users (NaN if none). */
  auc: number;
  /** Users evaluated: at least one relevant candidate. */
  users: number;
  /** Users passed over: no test item among the candidates (outside training). */
  usersSkipped: number;
  /** Users in the AUC mean. */
  aucUsers: number;
  /** Users in MAP but not AUC: every ranked candidate was relevant. */
  aucUndefined: number;
  k: number;
  candidates: number;
  perUser?: { users: Int32Array; ap: Float64Array; auc: Float64Array };
}

export type RandomBaselineOptions = Omit<EvaluateOptions, 'userFactors' | 'itemFactors' | 'factors'> & { seed?: number };

/** Users per scoring block: 16 x 20,000 doubles = 2.5 MB of scores, a block of U in L1. */
const USER_BLOCK = 16;

/** Fills out[b * nCand + c] with user users[from + b]'s score of candidate c, b < count. */
type Scorer = (users: Int32Array, from: number, count: number, out: Float64Array) => void;

export function evaluate(o: EvaluateOptions): EvaluationResult {
  const setup = prepare(o);
  const f = o.factors;
  if (!Number.isInteger(f) || f < 1) bad(`factors must be an integer >= 1, got ${String(f)}`);
  if (o.userFactors.length !== o.train.rows * f) bad(`userFactors has ${o.userFactors.length} values, expected users x factors = ${o.train.rows} x ${f}`);
  if (o.itemFactors.length !== o.train.cols * f) bad(`itemFactors has ${o.itemFactors.length} values, expected items x factors = ${o.train.cols} x ${f}`);
  checkFinite(o.userFactors, 'userFactors');
  checkFinite(o.itemFactors, 'itemFactors');
  const U = o.userFactors;
  const V = o.itemFactors;
  const cand = setup.candidates;
  const nCand = cand.length;
  const scorer: Scorer = (users, from, count, out) => {
    // Item-major: one V row stays in L1 while the block's users (count x f floats) use it, and four
    // users share each load of V[i][x]. Every dot product still sums in factor order, in double
    // (float32 x float32 products are exact in double), so a score does not depend on the blocking.
    for (let c = 0; c < nCand; c++) {
      const vi = cand[c] * f;
      let b = 0;
      for (; b + 4 <= count; b += 4) {
        const u0 = users[from + b] * f;
        const u1 = users[from + b + 1] * f;
        const u2 = users[from + b + 2] * f;
        const u3 = users[from + b + 3] * f;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let x = 0; x < f; x++) {
          const v = V[vi + x];
          s0 += U[u0 + x] * v;
          s1 += U[u1 + x] * v;
          s2 += U[u2 + x] * v;
          s3 += U[u3 + x] * v;
        }
        out[b * nCand + c] = s0;
        out[(b + 1) * nCand + c] = s1;
        out[(b + 2) * nCand + c] = s2;
        out[(b + 3) * nCand + c] = s3;
      }
      for (; b < count; b++) {
        const ub = users[from + b] * f;
        let s = 0;
        for (let x = 0; x < f; x++) s += U[ub + x] * V[vi + x];
        out[b * nCand + c] = s;
      }
    }
  };
  return run(o, setup, scorer);
}

/**
 * The random row of the table: every (user, candidate) score drawn uniformly from a PRNG seeded by
 * `seed` (default 1), through the same exclusion and metrics as `evaluate`. Expected AUC 0.5.
 */
export function randomBaseline(o: RandomBaselineOptions): EvaluationResult {
  const setup = prepare(o);
  const rand = mulberry32(o.seed ?? 1);
  const nCand = setup.candidates.length;
  const scorer: Scorer = (_users, _from, count, out) => {
    for (let j = 0; j < count * nCand; j++) out[j] = rand();
  };
  return run(o, setup, scorer);
}

interface Setup {
  candidates: Int32Array;
  /** item -> position in candidates, or -1. */
  position: Int32Array;
  k: number;
  /** Users with at least one relevant candidate, in evaluation order. */
  active: Int32Array;
  skipped: number;
}

function prepare(o: Omit<EvaluateOptions, 'userFactors' | 'itemFactors' | 'factors'>): Setup {
  const { train, test } = o;
  checkCsr(train, 'train');
  checkCsr(test, 'test');
  if (train.rows !== test.rows || train.cols !== test.cols) bad(`train is ${train.rows} x ${train.cols} but test is ${test.rows} x ${test.cols}; they must have the same shape`);
  const k = o.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) bad(`k must be an integer >= 1, got ${String(k)}`);
  const nItems = train.cols;
  const candidates = o.candidates ?? Int32Array.from({ length: nItems }, (_, i) => i);
  const position = new Int32Array(nItems).fill(-1);
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c];
    if (!(i >= 0 && i < nItems)) bad(`candidates[${c}] = ${i} is outside 0..${nItems - 1}`);
    if (position[i] !== -1) bad(`item ${i} appears twice in candidates`);
    position[i] = c;
  }
  const users = o.users ?? Int32Array.from({ length: train.rows }, (_, u) => u);
  const active: number[] = [];
  for (let j = 0; j < users.length; j++) {
    const u = users[j];
    if (!(u >= 0 && u < train.rows)) bad(`users[${j}] = ${u} is outside 0..${train.rows - 1}`);
    if (countRelevant(train, test, position, u) > 0) active.push(u);
  }
  return { candidates, position, k, active: Int32Array.from(active), skipped: users.length - active.length };
}

/** Test items of u that are candidates and not in u's training row (both rows sorted: a merge). */
function countRelevant(train: Csr, test: Csr, position: Int32Array, u: number): number {
  let t = train.indptr[u];
  const tEnd = train.indptr[u + 1];
  let count = 0;
  for (let j = test.indptr[u]; j < test.indptr[u + 1]; j++) {
    const i = test.indices[j];
    while (t < tEnd && train.indices[t] < i) t++;
    if (position[i] >= 0 && !(t < tEnd && train.indices[t] === i)) count++;
  }
  return count;
}

function run(o: { train: Csr; test: Csr; perUser?: boolean }, setup: Setup, scorer: Scorer): EvaluationResult {
  const { train, test } = o;
  const { candidates: cand, position, k, active } = setup;
  const nCand = cand.length;
  const scores = new Float64Array(USER_BLOCK * nCand);
  const roles = new Uint8Array(nCand); // all ROLE_IRRELEVANT between users
  const apOut = new Float64Array(active.length);
  const aucOut = new Float64Array(active.length);
  for (let from = 0; from < active.length; from += USER_BLOCK) {
    const count = Math.min(USER_BLOCK, active.length - from);
    scorer(active, from, count, scores);
    for (let b = 0; b < count; b++) {
      const u = active[from + b];
      // Test first, then training: an item in both is excluded, as the header says.
      setRoles(test, u, position, roles, ROLE_RELEVANT);
      setRoles(train, u, position, roles, ROLE_EXCLUDED);
      const r = rankMetrics(scores.subarray(b * nCand, (b + 1) * nCand), cand, roles, nCand, k);
      setRoles(test, u, position, roles, ROLE_IRRELEVANT);
      setRoles(train, u, position, roles, ROLE_IRRELEVANT);
      apOut[from + b] = r.ap;
      aucOut[from + b] = r.auc;
    }
  }
  let apSum = 0;
  let aucSum = 0;
  let aucUsers = 0;
  for (let j = 0; j < active.length; j++) {
    apSum += apOut[j];
    if (!Number.isNaN(aucOut[j])) { aucSum += aucOut[j]; aucUsers++; }
  }
  const result: EvaluationResult = {
    map: active.length > 0 ? apSum / active.length : NaN,
    auc: aucUsers > 0 ? aucSum / aucUsers : NaN,
    users: active.length,
    usersSkipped: setup.skipped,
    aucUsers,
    aucUndefined: active.length - aucUsers,
    k,
    candidates: nCand,
  };
  if (o.perUser) result.perUser = { users: active, ap: apOut, auc: aucOut };
  return result;
}

function setRoles(m: Csr, u: number, position: Int32Array, roles: Uint8Array, role: number): void {
  for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) {
    const c = position[m.indices[j]];
    if (c >= 0) roles[c] = role;
  }
}

function checkFinite(a: Float32Array, name: string): void {
  for (let j = 0; j < a.length; j++) {
    if (!Number.isFinite(a[j])) bad(`${name}[${j}] is ${a[j]}; factors must be finite`);
  }
}

function bad(msg: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', msg);
}
