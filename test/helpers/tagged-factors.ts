/**
 * A synthetic catalogue with planted tags, shaped like a bundle's WMF factors (the case of issue 16):
 * each song has one of three styles and k = 6 latent traits t ~ N(its style's centre, I), centres
 * drawn from N(0, 1.44·I); its f factors are a random linear map of the traits plus noise, each
 * factor with its own offset and scale (WMF columns are neither centred nor equal), the whole scaled
 * to a chosen RMS (0.008 in models/default). Tags:
 *   style-0..2  the song's style: well-separated clusters, like a world's styles;
 *   mood-0..2   Bernoulli(σ(2.5·v·t + c)), three offsets c for a common, a less common and a rare
 *               mood (base rates 0.71, 0.15, 0.09 at seed 11): the true probability is logistic
 *               in the traits, like a world's moods.
 * Seeded and deterministic.
 */
import { mulberry32, type Rand } from '../../trainer/eval/prng';

export interface TaggedFactors {
  n: number;
  f: number;
  /** n x f, row-major. */
  x: Float32Array;
  tags: string[];
  /** Per tag: 1 where the song carries it. */
  has: Uint8Array[];
}

function gauss(r: Rand): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const K = 6;
const MOOD_OFFSETS = [-0.9, -2.6, -4.2];

export function taggedFactors(n: number, f: number, seed: number, rms = 0.008): TaggedFactors {
  const r = mulberry32(seed);
  const direction = () => Array.from({ length: K }, () => gauss(r) / Math.sqrt(K));
  const map = Array.from({ length: f }, direction);
  const offset = Array.from({ length: f }, () => 0.5 * gauss(r));
  const scale = Array.from({ length: f }, () => Math.exp(0.5 * gauss(r)));
  const centres = [0, 1, 2].map(() => Array.from({ length: K }, () => 1.2 * gauss(r)));
  const moods = [0, 1, 2].map(direction);
  const tags = ['style-0', 'style-1', 'style-2', 'mood-0', 'mood-1', 'mood-2'];
  const has = tags.map(() => new Uint8Array(n));
  const raw = new Float64Array(n * f);
  const dotK = (u: number[], t: number[]) => u.reduce((s, v, j) => s + v * t[j], 0);
  for (let i = 0; i < n; i++) {
    const style = Math.floor(r() * 3);
    has[style][i] = 1;
    const t = centres[style].map((c) => c + gauss(r));
    for (let a = 0; a < f; a++) raw[i * f + a] = scale[a] * (dotK(map[a], t) + 0.3 * gauss(r) + offset[a]);
    moods.forEach((u, j) => {
      if (r() < 1 / (1 + Math.exp(-(2.5 * dotK(u, t) + MOOD_OFFSETS[j])))) has[3 + j][i] = 1;
    });
  }
  const now = Math.sqrt(raw.reduce((s, v) => s + v * v, 0) / raw.length);
  return { n, f, x: Float32Array.from(raw, (v) => (v * rms) / now), tags, has };
}

/** Rows lo..hi-1 of a row-major n x f matrix, as a new matrix. */
export function sliceRows(x: Float32Array, f: number, lo: number, hi: number): Float32Array {
  return x.slice(lo * f, hi * f);
}

/** AUC by brute force over every (with, without) pair, ties counting 1/2: the reference for rankMetrics' AUC. */
export function pairwiseAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] ? pos : neg).push(scores[i]);
  let wins = 0;
  for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
