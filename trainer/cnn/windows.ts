/**
 * Training examples for the CNN: random 3-s windows (130 frames at hop 512 / 22,050 Hz) cut from
 * training clips (paper Sec. 4.2), read straight from the feature store, and the per-band input
 * standardisation the network trains with. The standardisation is folded into the first layer at
 * export (trainer/cnn/fold-input.ts), so a bundle's model takes raw log-mel dB like the engine computes.
 */
import { EarshotError } from '../../src/errors';
import type { FeatureStore } from '../features/store';
import type { Rand } from '../eval/prng';

/** The paper's window: 130 frames ≈ 3.02 s. */
export const WINDOW_FRAMES = 130;

export interface InputStats {
  /** Per band: mean and standard deviation of the training frames (dB). */
  mean: Float32Array;
  std: Float32Array;
}

/** Mean and std per band over up to `maxClips` training clips (all their frames). */
export function inputStats(store: FeatureStore, ids: readonly string[], maxClips = 500): InputStats {
  const bands = store.melBands;
  const sum = new Float64Array(bands);
  const sq = new Float64Array(bands);
  let n = 0;
  const step = Math.max(1, Math.floor(ids.length / maxClips));
  for (let k = 0; k < ids.length; k += step) {
    const mel = store.melOf(ids[k]);
    const frames = mel.length / bands;
    for (let f = 0; f < frames; f++) {
      for (let b = 0; b < bands; b++) {
        const v = mel[f * bands + b];
        sum[b] += v;
        sq[b] += v * v;
      }
    }
    n += frames;
  }
  if (n === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', 'no training frames to standardise the input with');
  const mean = new Float32Array(bands);
  const std = new Float32Array(bands);
  for (let b = 0; b < bands; b++) {
    mean[b] = sum[b] / n;
    // A floor of 0.1 dB keeps a constant band (digital silence) from blowing up.
    std[b] = Math.max(0.1, Math.sqrt(Math.max(0, sq[b] / n - mean[b] * mean[b])));
  }
  return { mean, std };
}

/** (x − mean) / std per band, in place, over frames × bands. */
export function standardize(x: Float32Array, stats: InputStats): void {
  const bands = stats.mean.length;
  for (let i = 0; i < x.length; i++) {
    const b = i % bands;
    x[i] = (x[i] - stats.mean[b]) / stats.std[b];
  }
}

/**
 * Fills `out` (batch × WINDOW_FRAMES × bands) with one random window from each clip in `ids`
 * (start uniform over the clip; a clip shorter than a window is refused up front by the caller).
 */
export function sampleWindows(store: FeatureStore, ids: readonly string[], rand: Rand, stats: InputStats, out: Float32Array): void {
  const bands = store.melBands;
  const size = WINDOW_FRAMES * bands;
  ids.forEach((id, k) => {
    const frames = store.frames(id);
    const start = Math.floor(rand() * (frames - WINDOW_FRAMES + 1));
    store.melWindow(id, start, WINDOW_FRAMES, out.subarray(k * size, (k + 1) * size));
  });
  standardize(out.subarray(0, ids.length * size), stats);
}

/**
 * The consecutive non-overlapping windows of one clip (the paper's clip prediction averages over
 * them), standardised: floor(frames / 130) windows; the leftover frames at the end are not used.
 */
export function clipWindows(store: FeatureStore, id: string, stats: InputStats): { x: Float32Array; windows: number } {
  const frames = store.frames(id);
  const windows = Math.floor(frames / WINDOW_FRAMES);
  if (windows < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `clip ${id} has ${frames} frames, shorter than one ${WINDOW_FRAMES}-frame window`);
  const x = store.melWindow(id, 0, windows * WINDOW_FRAMES);
  standardize(x, stats);
  return { x, windows };
}
