/**
 * Little-endian sample bytes -> mono float32 in one pass: the mean of each frame's channels, as
 * decodeSamples (wav-samples.ts) followed by downmixToMono (downmix.ts) would give it, bit for bit,
 * without the interleaved float array between them. Every upload and every ffmpeg pipe is decoded this
 * way (a 30-s stereo clip is 2.6 M samples: the interleaved array cost a pass, a 10.6-MB allocation per
 * file and its garbage collection).
 *
 * Stereo s16 and f32 have their own loops over typed-array views (unaligned bytes, as every chunk of
 * ffmpeg's pipe has, are first copied to an aligned scratch); everything else decodes a bounded piece into a reused interleaved scratch and
 * downmixes that, i.e. runs the two reference steps themselves.
 */
import { downmixInto } from './downmix';
import type { SampleEncoding } from './wav-format';
import { LITTLE_ENDIAN, bytesPerSample, decodeSamples, throwNotFinite } from './wav-samples';

/** (a + b) / 2 of two s16 samples scaled by 2^-15: (a + b) * 2^-16, exact in float32 (17-bit integer). */
const S16_PAIR_SCALE = 0.5 / 32768;
/** Frames decoded at a time on the general path (scratch of at most this × channels floats). */
const SCRATCH_FRAMES = 4096;

/** One decoder's reused scratch for the general path. */
export interface MonoScratch {
  interleaved: Float32Array;
  /** Aligned copy of unaligned sample bytes (its own ArrayBuffer, offset 0). */
  bytes: Uint8Array;
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
  const width = bytesPerSample(encoding);
  const step = width * channels;
  if (LITTLE_ENDIAN && (encoding === 's16' || encoding === 'f32') && (src.byteOffset + srcOffset) % width !== 0) {
    // Unaligned: ffmpeg's float WAV on a pipe puts its data at byte 98, so every pipe chunk's samples sit 2
    // bytes off; reading them one DataView call at a time cost more than the copy (a memcpy of 64 KiB)
    // that lets the typed-array loops below read them.
    if (scratch.bytes.length < SCRATCH_FRAMES * step) scratch.bytes = new Uint8Array(SCRATCH_FRAMES * step);
    for (let done = 0; done < frames; ) {
      const n = Math.min(SCRATCH_FRAMES, frames - done);
      const start = srcOffset + done * step;
      scratch.bytes.set(src.subarray(start, start + n * step));
      decodeFramesMono(encoding, channels, scratch.bytes, 0, n, out, outOffset + done, firstSampleIndex + done * channels, scratch);
      done += n;
    }
    return;
  }
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
  if (scratch.interleaved.length < SCRATCH_FRAMES * channels) scratch.interleaved = new Float32Array(SCRATCH_FRAMES * channels);
  for (let done = 0; done < frames; ) {
    const n = Math.min(SCRATCH_FRAMES, frames - done);
    const piece = scratch.interleaved.subarray(0, n * channels);
    decodeSamples(encoding, src, srcOffset + done * step, n * channels, piece, 0, firstSampleIndex + done * channels);
    downmixInto(piece, channels, out, outOffset + done);
    done += n;
  }
}
