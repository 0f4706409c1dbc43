/**
 * Tuning the track-change detector on recorded cues (bench/track-change-record.ts, recorded with no
 * change ever accepted, so every candidate's left side is the full LEFT_S):
 *
 * 1. the cue weights: an L2 logistic regression of "a true change lies within ±1.5 s" on the six cues
 *    of every candidate (candidates 1.5–4 s from a true change are left out: neither clearly a change
 *    nor clearly not), on standardised cues, mapped back to raw-cue weights;
 * 2. the threshold, the peak window and the minimum gap: the detector's own peak picking (PeakPicker)
 *    replayed on the recorded scores for a grid of them, scored like the measurement (±3 s).
 *
 * The replay keeps the left side at LEFT_S where the live detector restarts it at each change, so the
 * chosen parameters are then measured by the real detector (`measure`), never quoted from the replay.
 */
import { fitLogistic } from '../trainer/tags/logistic';
import type { ChangeCues, TrackChangeParams } from '../src/engine/track-change-detector';
import { BLOCK_FRAMES } from '../src/engine/track-change-blocks';
import { PeakPicker } from '../src/engine/track-change-peaks';
import { addScores, type ChangeScore, scoreChanges } from './track-change-score';

export interface RecordedStream {
  kind: 'mix' | 'playlist';
  cues: ChangeCues[];
  truth: number[];
  durationS: number;
}

const CUES = ['envelope', 'texture', 'loudness', 'flux', 'rhythm', 'factors'] as const;
type CueName = (typeof CUES)[number];
const POSITIVE_S = 1.5;
const AMBIGUOUS_S = 4;

function cueRow(c: ChangeCues, factorsMissing: number): number[] {
  return CUES.map((k) => (k === 'factors' && Number.isNaN(c.factors) ? factorsMissing : c[k]));
}

function nearest(t: number, truth: readonly number[]): number {
  let d = Infinity;
  for (const x of truth) d = Math.min(d, Math.abs(x - t));
  return d;
}

export interface FittedWeights {
  weights: Record<CueName, number>;
  /** The logistic intercept: score = Σ w·cue + intercept is the log-odds of a change within ±1.5 s. */
  intercept: number;
  factorsMissing: number;
  rows: number;
  positives: number;
}

/** Σ w·cue (the score before the threshold) of a recorded candidate; −∞ where it has no cues. */
export function cueScore(c: ChangeCues, fit: Pick<FittedWeights, 'weights' | 'factorsMissing'>): number {
  if (Number.isNaN(c.envelope)) return -Infinity;
  return cueRow(c, fit.factorsMissing).reduce((acc, v, a) => acc + fit.weights[CUES[a]] * v, 0);
}

/** Indices of the candidates whose score under `fit` is the highest within ±n candidates. */
function localMaxima(cues: readonly ChangeCues[], fit: FittedWeights, n: number): Set<number> {
  const s = cues.map((c) => cueScore(c, fit));
  const out = new Set<number>();
  for (let i = 0; i < s.length; i++) {
    let top = true;
    for (let k = Math.max(0, i - n); k <= Math.min(s.length - 1, i + n) && top; k++) if (s[k] > s[i]) top = false;
    if (top && s[i] > -Infinity) out.add(i);
  }
  return out;
}

/**
 * The logistic fit. With `peaksOf` (a first fit) only the candidates that are local maxima (±peakN
 * candidates) of its score are fitted: the peak picker only ever compares such peaks with the threshold,
 * so the second fit separates exactly the peaks at changes from the peaks inside songs.
 */
export function fitWeights(streams: readonly RecordedStream[], lambda: number, peaksOf?: FittedWeights, peakN = 0): FittedWeights {
  // The factor cue where a side has no whole window: its mean over candidates that are not changes.
  let fs = 0;
  let fn = 0;
  for (const s of streams) for (const c of s.cues) if (!Number.isNaN(c.factors) && nearest(c.tS, s.truth) > AMBIGUOUS_S) (fs += c.factors), fn++;
  const factorsMissing = fn > 0 ? fs / fn : 0;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const s of streams) {
    const peaks = peaksOf ? localMaxima(s.cues, peaksOf, peakN) : null;
    for (const [i, c] of s.cues.entries()) {
      if (Number.isNaN(c.envelope) || (peaks && !peaks.has(i))) continue;
      const d = nearest(c.tS, s.truth);
      if (d > POSITIVE_S && d <= AMBIGUOUS_S) continue;
      rows.push(cueRow(c, factorsMissing));
      labels.push(d <= POSITIVE_S ? 1 : 0);
    }
  }
  const d = CUES.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of rows) r.forEach((v, a) => (mean[a] += v / rows.length));
  for (const r of rows) r.forEach((v, a) => (sd[a] += (v - mean[a]) ** 2 / rows.length));
  for (let a = 0; a < d; a++) sd[a] = Math.sqrt(sd[a]) || 1;
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => r.forEach((v, a) => (x[i * d + a] = (v - mean[a]) / sd[a])));
  const all = Int32Array.from(rows.keys());
  const m = fitLogistic(x, d, Uint8Array.from(labels), all, lambda, 50);
  const weights = {} as Record<CueName, number>;
  let intercept = m.w[d];
  CUES.forEach((k, a) => {
    weights[k] = m.w[a] / sd[a];
    intercept -= (m.w[a] * mean[a]) / sd[a];
  });
  return { weights, intercept, factorsMissing, rows: rows.length, positives: labels.filter((y) => y === 1).length };
}

/** The changes the detector's peak picking finds in a recorded stream with these weights and threshold. */
export type Picking = Pick<TrackChangeParams, 'behindS' | 'aheadS' | 'minGapS'>;

export function replay(s: RecordedStream, fit: FittedWeights, threshold: number, params: Picking, frameS: number): number[] {
  const blockS = BLOCK_FRAMES * frameS;
  const picker = new PeakPicker(Math.round(params.behindS / blockS), Math.round(params.aheadS / blockS), Math.round(params.minGapS / blockS));
  const found: number[] = [];
  for (const c of s.cues) for (const d of picker.push(cueScore(c, fit) - threshold)) found.push(d * blockS);
  for (const d of picker.finish()) found.push(d * blockS);
  return found;
}

export interface SweepRow {
  threshold: number;
  picking: Picking;
  mix: ChangeScore;
  playlist: ChangeScore;
}

export function sweep(streams: readonly RecordedStream[], fit: FittedWeights, thresholds: readonly number[], pickings: readonly Picking[], frameS: number): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const picking of pickings) {
    for (const threshold of thresholds) {
      const by = (kind: RecordedStream['kind']): ChangeScore =>
        addScores(streams.filter((s) => s.kind === kind).map((s) => scoreChanges(replay(s, fit, threshold, picking, frameS), s.truth, s.durationS)));
      rows.push({ threshold, picking, mix: by('mix'), playlist: by('playlist') });
    }
  }
  return rows;
}
