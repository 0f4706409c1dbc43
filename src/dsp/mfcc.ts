/**
 * MFCCs and their deltas as librosa computes them (feature.mfcc on a dB mel spectrogram, orthonormal
 * DCT-II; feature.delta: Savitzky-Golay, mode 'interp'). Layout: frames x coefficients.
 */
import { EarshotError } from '../errors';
import type { Spectrogram } from './mel';
import { mapNativeError, nativeAddon } from '../native/addon';

export const MFCC_DEFAULTS = { nMfcc: 13, deltaWidth: 9 } as const;

/** dB mel spectrogram -> frames x nMfcc. */
export function mfcc(melDb: Spectrogram, nMfcc: number = MFCC_DEFAULTS.nMfcc): Float32Array {
  if (!Number.isInteger(nMfcc) || nMfcc < 1 || nMfcc > melDb.bands) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `nMfcc must be an integer in 1..${melDb.bands} (the number of mel bands), got ${String(nMfcc)}`);
  }
  try {
    return nativeAddon().mfcc(melDb.data, melDb.bands, nMfcc);
  } catch (err) {
    mapNativeError(err);
  }
}

/**
 * librosa.feature.delta(values, width, order, mode='interp') along time; values frames x nCoeffs.
 * width: odd, 3..1001 frames (needs frames >= width); order: 1..min(width - 1, 8).
 */
export function delta(values: Float32Array, nCoeffs: number, order: 1 | 2 = 1, width: number = MFCC_DEFAULTS.deltaWidth): Float32Array {
  const frames = values.length / nCoeffs;
  if (!Number.isInteger(width) || width < 3 || width % 2 === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `delta width must be an odd integer >= 3, got ${String(width)}`);
  if (frames < width) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `delta needs at least width=${width} frames (librosa's mode='interp'), got ${frames}: the audio is shorter than ${width} frames`);
  }
  try {
    return nativeAddon().delta(values, nCoeffs, width, order);
  } catch (err) {
    mapNativeError(err);
  }
}

/**
 * The bag-of-words front end: per frame [mfcc(13), Δ(13), ΔΔ(13)] = 39 values (frames x 39).
 */
export function mfccWithDeltas(melDb: Spectrogram, nMfcc: number = MFCC_DEFAULTS.nMfcc): { data: Float32Array; frames: number; width: number } {
  const c = mfcc(melDb, nMfcc);
  const d1 = delta(c, nMfcc, 1);
  const d2 = delta(c, nMfcc, 2);
  const width = 3 * nMfcc;
  const out = new Float32Array(melDb.frames * width);
  for (let f = 0; f < melDb.frames; f++) {
    out.set(c.subarray(f * nMfcc, (f + 1) * nMfcc), f * width);
    out.set(d1.subarray(f * nMfcc, (f + 1) * nMfcc), f * width + nMfcc);
    out.set(d2.subarray(f * nMfcc, (f + 1) * nMfcc), f * width + 2 * nMfcc);
  }
  return { data: out, frames: melDb.frames, width };
}
