/**
 * Song-level bag-of-words vectors: how often each codeword (k-means cluster, trainer/bow/kmeans.ts)
 * is the nearest one over a song's MFCC frames. The paper (van den Oord et al. 2013, Sec. 4.1) uses the
 * plain counts ("a histogram of codeword counts") before PCA; its clips all have the same length, so
 * counts and frequencies differ only by a constant there. The other scalings are offered for songs of
 * different lengths and for sparser, burstier codebooks.
 */
import { invalid, intArg, describe } from '../../src/native/args';

/**
 * - 'count': frames per codeword (the paper's).
 * - 'frequency': count / frames of the song (rows sum to 1; a song of length 0 stays all zero).
 * - 'log1p': ln(1 + count), damping codewords that one long sustained sound repeats.
 * - 'tfidf': count × idf, idf = ln((1 + songs) / (1 + songs using the codeword)) + 1, each row then
 *   scaled to unit Euclidean norm (scikit-learn TfidfTransformer's defaults: smooth_idf, norm 'l2').
 */
export type HistogramScaling = 'count' | 'frequency' | 'log1p' | 'tfidf';

export interface HistogramOptions {
  /** Default 'count' (the paper's). */
  scaling?: HistogramScaling;
  /** tfidf only: the training songs' idf (k values), to scale held-out songs like the training ones. */
  idf?: Float64Array;
}

export interface Histograms {
  /** songs x k, row-major float32. */
  values: Float32Array;
  songs: number;
  k: number;
  scaling: HistogramScaling;
  /** tfidf: the idf used (computed from these songs unless passed in). */
  idf?: Float64Array;
}

/**
 * labels: the codeword of every frame (assignKmeans), songs' frames consecutive; songOffsets: songs + 1
 * non-decreasing frame offsets, [0] = 0 and [songs] = labels.length (song s = frames
 * songOffsets[s] .. songOffsets[s+1] − 1).
 */
export function codewordHistograms(labels: Int32Array, songOffsets: ArrayLike<number>, k: number, options: HistogramOptions = {}): Histograms {
  if (!(labels instanceof Int32Array)) throw invalid(`labels must be an Int32Array, got ${describe(labels)}`);
  intArg('k', k, 1, 1 << 20);
  const scaling = options.scaling ?? 'count';
  if (!['count', 'frequency', 'log1p', 'tfidf'].includes(scaling)) throw invalid(`scaling must be 'count', 'frequency', 'log1p' or 'tfidf', got ${String(scaling)}`);
  if (options.idf !== undefined && scaling !== 'tfidf') throw invalid(`idf is only used with scaling 'tfidf', got scaling '${scaling}'`);
  if (!songOffsets || typeof songOffsets.length !== 'number' || songOffsets.length < 1) throw invalid('songOffsets must hold songs + 1 frame offsets');
  const songs = songOffsets.length - 1;
  if (songOffsets[0] !== 0 || songOffsets[songs] !== labels.length) {
    throw invalid(`songOffsets must start at 0 and end at labels.length (${labels.length}), got ${songOffsets[0]} .. ${songOffsets[songs]}`);
  }
  const values = new Float32Array(songs * k);
  for (let s = 0; s < songs; s++) {
    const b = songOffsets[s];
    const e = songOffsets[s + 1];
    if (!Number.isInteger(e) || e < b) throw invalid(`songOffsets must be non-decreasing integers: [${s + 1}] = ${e} after ${b}`);
    const row = s * k;
    for (let f = b; f < e; f++) {
      const c = labels[f];
      if (c < 0 || c >= k) throw invalid(`labels[${f}] = ${c} is outside 0..${k - 1}`);
      values[row + c] += 1;
    }
  }
  const out: Histograms = { values, songs, k, scaling };
  if (scaling === 'frequency') {
    for (let s = 0; s < songs; s++) {
      const frames = songOffsets[s + 1] - songOffsets[s];
      if (frames > 0) for (let c = 0; c < k; c++) values[s * k + c] /= frames;
    }
  } else if (scaling === 'log1p') {
    for (let i = 0; i < values.length; i++) values[i] = Math.log1p(values[i]);
  } else if (scaling === 'tfidf') {
    out.idf = options.idf ?? inverseDocumentFrequency(values, songs, k);
    if (!(out.idf instanceof Float64Array) || out.idf.length !== k) throw invalid(`idf must be a Float64Array of k = ${k} values`);
    applyTfidf(values, songs, k, out.idf);
  }
  return out;
}

/** ln((1 + songs) / (1 + df)) + 1 per codeword, df = songs whose count is > 0. */
function inverseDocumentFrequency(counts: Float32Array, songs: number, k: number): Float64Array {
  const df = new Float64Array(k);
  for (let s = 0; s < songs; s++) for (let c = 0; c < k; c++) if (counts[s * k + c] > 0) df[c] += 1;
  const idf = new Float64Array(k);
  for (let c = 0; c < k; c++) idf[c] = Math.log((1 + songs) / (1 + df[c])) + 1;
  return idf;
}

function applyTfidf(values: Float32Array, songs: number, k: number, idf: Float64Array): void {
  const row = new Float64Array(k);
  for (let s = 0; s < songs; s++) {
    let norm2 = 0;
    for (let c = 0; c < k; c++) {
      row[c] = values[s * k + c] * idf[c];
      norm2 += row[c] * row[c];
    }
    const scale = norm2 > 0 ? 1 / Math.sqrt(norm2) : 0;
    for (let c = 0; c < k; c++) values[s * k + c] = row[c] * scale;
  }
}
