/**
 * Any supported file -> mono float32 at the analysis rate (default 22,050 Hz): decode (in-process WAV
 * or ffmpeg), downmix, then earshot's band-limited resampler (src/audio/resample.ts) so that every input
 * path goes through the same measured filter.
 */
import { decodeAudioFile, openAudio, type DecodeFileOptions, type OpenAudioOptions } from './decode';
import { resample, StreamResampler } from './resample';

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

/**
 * The streaming form of loadAudio for inputs that must never be held whole (live streams, long
 * files): mono float32 chunks at the analysis rate, in order. Decoder and resampler both stream, and the
 * resampler's output does not depend on chunking, so the concatenated chunks equal loadAudio's samples
 * exactly. Breaking out of the loop closes the decoder (and its ffmpeg process).
 */
export async function* streamAudio(
  input: string | NodeJS.ReadableStream,
  opts: OpenAudioOptions & { sampleRateHz?: number } = {},
): AsyncGenerator<Float32Array, void, undefined> {
  const { sampleRateHz = ANALYSIS_RATE_HZ, ...decodeOpts } = opts;
  const source = await openAudio(input, decodeOpts);
  try {
    yield* resampleChunks(source, source.format.sampleRateHz, sampleRateHz);
  } finally {
    await source.close();
  }
}

/**
 * Mono chunks at `fromHz` → mono chunks at `toHz` through earshot's streaming resampler (the same
 * filter whatever the chunking; none at all when the rates agree), its tail flushed at the end.
 */
export async function* resampleChunks(chunks: AsyncIterable<Float32Array>, fromHz: number, toHz: number): AsyncGenerator<Float32Array, void, undefined> {
  const resampler = fromHz === toHz ? null : new StreamResampler(fromHz, toHz);
  try {
    for await (const mono of chunks) {
      const out = resampler ? resampler.process(mono) : mono;
      if (out.length > 0) yield out;
    }
    if (resampler) {
      const tail = resampler.flush();
      if (tail.length > 0) yield tail;
    }
  } finally {
    resampler?.dispose(); // native filter state freed now (a server's worker decodes upload after upload)
  }
}
