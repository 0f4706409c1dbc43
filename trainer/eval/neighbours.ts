/**
 * Does the model hear what people group together? For clips of real recordings with a human label
 * each (their soundtrack), the share of every clip's k nearest other-track clips (cosine of the
 * predicted factor vectors) that carry its label, against chance (the label's share of the other
 * tracks) and a no-learning reference: the clip's z-scored MFCC mean and standard deviation (the
 * timbre summary a bag-of-frames system starts from). Also the spread of the vectors: the mean
 * cosine over all pairs (near 1: everything sounds alike to the model).
 */
import { EarshotError } from '../../src/errors';

export interface NeighbourResult {
  /** Mean over clips of the same-label share among the k nearest other-track clips. */
  share: number;
  /** Mean over clips of the same-label share among all other-track clips. */
  chance: number;
  /** Clips that had at least one same-label clip of another track (the others add 0 to both means). */
  clipsWithPeers: number;
  clips: number;
}

/** Cosine of two vectors (0 when either is all zeros). */
export function cosine(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * @param vectors one per clip
 * @param labels the clip's human label (soundtrack)
 * @param tracks the clip's track: clips of the same track are never each other's neighbours
 */
export function neighbourShare(vectors: readonly (Float32Array | Float64Array)[], labels: readonly string[], tracks: readonly string[], k = 5): NeighbourResult {
  const n = vectors.length;
  if (labels.length !== n || tracks.length !== n) throw new EarshotError('ERR_INVALID_ARGUMENT', `neighbours: ${n} vectors, ${labels.length} labels, ${tracks.length} tracks`);
  if (!Number.isInteger(k) || k < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `neighbours: k must be a positive integer, got ${k}`);
  let share = 0;
  let chance = 0;
  let withPeers = 0;
  for (let i = 0; i < n; i++) {
    const others: { j: number; c: number }[] = [];
    for (let j = 0; j < n; j++) if (tracks[j] !== tracks[i]) others.push({ j, c: cosine(vectors[i], vectors[j]) });
    if (others.length === 0) continue;
    const same = others.filter((o) => labels[o.j] === labels[i]).length;
    if (same > 0) withPeers++;
    chance += same / others.length;
    // Ties broken by clip order, so the figure does not depend on the sort's stability.
    others.sort((a, b) => b.c - a.c || a.j - b.j);
    const top = others.slice(0, Math.min(k, others.length));
    share += top.filter((o) => labels[o.j] === labels[i]).length / top.length;
  }
  return { share: share / n, chance: chance / n, clipsWithPeers: withPeers, clips: n };
}

/** Mean cosine over all pairs of distinct vectors. */
export function meanPairwiseCosine(vectors: readonly (Float32Array | Float64Array)[]): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      s += cosine(vectors[i], vectors[j]);
      pairs++;
    }
  }
  return pairs > 0 ? s / pairs : NaN;
}

/** Per-coefficient mean then standard deviation of the first `nMfcc` of each frame's `width` values (frames × width). */
export function mfccSummary(mfcc: Float32Array, width: number, nMfcc: number): Float64Array {
  const frames = mfcc.length / width;
  if (!Number.isInteger(frames) || frames < 1 || nMfcc > width) throw new EarshotError('ERR_INVALID_ARGUMENT', `mfccSummary: ${mfcc.length} values are not frames × ${width} with ${nMfcc} coefficients`);
  const out = new Float64Array(2 * nMfcc);
  for (let c = 0; c < nMfcc; c++) {
    let m = 0;
    for (let f = 0; f < frames; f++) m += mfcc[f * width + c];
    m /= frames;
    let v = 0;
    for (let f = 0; f < frames; f++) v += (mfcc[f * width + c] - m) ** 2;
    out[c] = m;
    out[nMfcc + c] = Math.sqrt(v / frames);
  }
  return out;
}

/** Each dimension standardised over the clips (mean 0, sd 1; a constant dimension becomes 0). */
export function zScore(rows: readonly Float64Array[]): Float64Array[] {
  if (rows.length === 0) return [];
  const d = rows[0].length;
  const out = rows.map((r) => Float64Array.from(r));
  for (let c = 0; c < d; c++) {
    const m = rows.reduce((s, r) => s + r[c], 0) / rows.length;
    const sd = Math.sqrt(rows.reduce((s, r) => s + (r[c] - m) ** 2, 0) / rows.length);
    for (const r of out) r[c] = sd > 0 ? (r[c] - m) / sd : 0;
  }
  return out;
}
