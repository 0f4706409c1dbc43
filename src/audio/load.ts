/**
 * Any supported file -> mono float32 at the analysis rate (default 22,050 Hz): decode (in-process WAV
 * or ffmpeg), downmix, then earshot's band-limited resampler (src/audio/resample.ts) so that every input
 * path goes through the same measured filter.
 */
import { decodeAudioFile, type DecodeFileOptions } from './decode';
import { resample } from './resample';

export const ANALYSIS_RATE_HZ = 22050;

export interface LoadedAudio {
  samples: Float32Array;
  sampleRateHz: number;
  sourceRateHz: number;
  sourceChannels: number;
  durationS: number;
}

export async function loadAudio(path: string, opts: DecodeFileOptions & { sampleRateHz?: number } = {}): Promise<LoadedAudio> {
  const { sampleRateHz = ANALYSIS_RATE_HZ, ...decodeOpts } = opts;
  const d = await decodeAudioFile(path, decodeOpts);
  const samples = d.sampleRateHz === sampleRateHz ? d.mono : resample(d.mono, d.sampleRateHz, sampleRateHz);
  return { samples, sampleRateHz, sourceRateHz: d.sampleRateHz, sourceChannels: d.channels, durationS: d.durationS };
}
