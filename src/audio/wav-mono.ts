/**
 * Little-endian sample bytes -> mono float32 in one pass: the mean of each frame's channels, as
 * decodeSamples (wav-samples.ts) followed by downmixToMono (downmix.ts) would give it, bit for bit,
 * without the interleaved float array between them. Every upload and every ffmpeg pipe is decoded this
 * way (a 30-s stereo clip is 2.6 M samples: the interleaved array cost a pass, a 10.6-MB allocation per
 * file and its garbage collection).
 *
 * Stereo s16 and f32 at aligned offsets (what WAV files and ffmpeg's pipe almost always give) have
 * their own loops; everything else decodes a bounded piece into a reused interleaved scratch and
 * downmixes that, i.e. runs the two reference steps themselves.
 */
import { downmixInto } from './downmix';
import type { SampleEncoding } from './wav-format';
import { bytesPerSample, decodeSamples, throwNotFinite } from './wav-samples';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** (a + b) / 2 of two s16 samples scaled by 2^-15: (a + b) * 2^-16, exact in float32 (17-bit integer). */
const S16_PAIR_SCALE = 0.5 / 32768;
/** Frames decoded at a time on the general path (scratch of at most this × channels floats). */
const SCRATCH_FRAMES = 4096;

/** One decoder's reused scratch for the general path. */
export interface MonoScratch {
  interleaved: Float32Array;
}

/**
 * Decode `frames` frames of `channels` interleaved samples from `src` at byte `srcOffset` into `out` at
 * `outOffset`, one sample per frame (their mean). `firstSampleIndex` is the interleaved index of the first
 * sample in the whole stream, so a non-finite float is reported by the same position decodeSamples gives.
 */
export function decodeFramesMono(
  encoding: SampleEncoding,
  channels: number,
  src: Uint8Array,
  srcOffset: number,
  frames: number,
  out: Float32Array,
  outOffset: number,
  firstSampleIndex: number,
  scratch: MonoScratch,
): void {
  if (channels === 1) return decodeSamples(encoding, src, srcOffset, frames, out, outOffset, firstSampleIndex);
  if (channels === 2 && LITTLE_ENDIAN) {
    const at = src.byteOffset + srcOffset;
    if (encoding === 's16' && at % 2 === 0) {
      const v = new Int16Array(src.buffer, at, frames * 2);
      for (let f = 0, i = 0; f < frames; f++, i += 2) out[outOffset + f] = (v[i] + v[i + 1]) * S16_PAIR_SCALE;
      return;
    }
    if (encoding === 'f32' && at % 4 === 0) {
      const v = new Float32Array(src.buffer, at, frames * 2);
      for (let f = 0, i = 0; f < frames; f++, i += 2) {
        const a = v[i];
        const b = v[i + 1];
        if (a - a !== 0) throwNotFinite(a, firstSampleIndex + i); // NaN or ±Inf, in decodeSamples' order
        if (b - b !== 0) throwNotFinite(b, firstSampleIndex + i + 1);
        out[outOffset + f] = (a + b) * 0.5;
      }
      return;
    }
  }
  const step = bytesPerSample(encoding) * channels;
  if (scratch.interleaved.length < SCRATCH_FRAMES * channels) scratch.interleaved = new Float32Array(SCRATCH_FRAMES * channels);
  for (let done = 0; done < frames; ) {
    const n = Math.min(SCRATCH_FRAMES, frames - done);
    const piece = scratch.interleaved.subarray(0, n * channels);
    decodeSamples(encoding, src, srcOffset + done * step, n * channels, piece, 0, firstSampleIndex + done * channels);
    downmixInto(piece, channels, out, outOffset + done);
    done += n;
  }
}
