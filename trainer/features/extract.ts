/**
 * One clip -> its training features, exactly as the library computes them: loadAudio (decode, downmix,
 * resample to 22,050 Hz), computeMel with the library defaults (128 Slaney bands, 1024-sample window,
 * hop 512 ≈ 23.2 ms, power_to_db with amin 1e-10, ref 1, no top_db), then MFCC + Δ + ΔΔ of that dB
 * spectrogram (13 coefficients, the library and librosa default: 39 values per frame, width-9 deltas).
 */
import { loadAudio } from '../../src/audio/load';
import { computeMel } from '../../src/dsp/mel';
import { resolveMelOptions, type MelOptions } from '../../src/dsp/mel-options';
import { MFCC_DEFAULTS, mfccWithDeltas } from '../../src/dsp/mfcc';

/** Library defaults, spelled out so the manifest records them (resolved by resolveMelOptions). */
export const FEATURE_MEL_OPTIONS: MelOptions = {};
export const FEATURE_N_MFCC = MFCC_DEFAULTS.nMfcc;
export const FEATURE_DELTA_WIDTH = MFCC_DEFAULTS.deltaWidth;
/** A clip longer than this is refused (recorded as failed), bounding a worker's memory (≈ 0.5 GiB). */
export const FEATURE_MAX_CLIP_S = 3600;

export interface ClipFeatures {
  /** frames × nMels, dB. */
  mel: Float32Array;
  /** frames × 3·nMfcc. */
  mfcc: Float32Array;
  frames: number;
  melBands: number;
  mfccWidth: number;
  seconds: number;
}

export function featureMelConfig() {
  return resolveMelOptions(FEATURE_MEL_OPTIONS);
}

export async function extractClip(path: string): Promise<ClipFeatures> {
  const cfg = featureMelConfig();
  const audio = await loadAudio(path, { sampleRateHz: cfg.sampleRateHz, maxDurationS: FEATURE_MAX_CLIP_S });
  const spec = computeMel(audio.samples, FEATURE_MEL_OPTIONS);
  const m = mfccWithDeltas(spec, FEATURE_N_MFCC);
  return { mel: spec.data, mfcc: m.data, frames: spec.frames, melBands: spec.bands, mfccWidth: m.width, seconds: audio.durationS };
}
