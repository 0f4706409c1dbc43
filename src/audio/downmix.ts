/**
 * Interleaved multichannel -> mono by the mean of the channels, as librosa.to_mono does. The mean
 * (not the sum) keeps a full-scale mono signal duplicated on every channel at full scale.
 */
import { EarshotError } from '../errors';

/**
 * Mean of `channels` interleaved channels, one output sample per frame.
 * With `channels === 1` the input itself is returned (no copy).
 */
export function downmixToMono(interleaved: Float32Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `channels must be a positive integer, got ${channels}`);
  }
  if (interleaved.length % channels !== 0) {
    throw new EarshotError(
      'ERR_INVALID_ARGUMENT',
      `interleaved length ${interleaved.length} is not a multiple of ${channels} channels`,
    );
  }
  if (channels === 1) return interleaved;
  const mono = new Float32Array(interleaved.length / channels);
  downmixInto(interleaved, channels, mono, 0);
  return mono;
}

/** The mean of each frame's `channels` interleaved samples (channels >= 2, checked by the caller) into `out` from `outOffset`. */
export function downmixInto(interleaved: Float32Array, channels: number, out: Float32Array, outOffset: number): void {
  const frames = interleaved.length / channels;
  if (channels === 2) {
    for (let f = 0, i = 0; f < frames; f++, i += 2) out[outOffset + f] = (interleaved[i] + interleaved[i + 1]) * 0.5;
    return;
  }
  const scale = 1 / channels;
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0; // float64 accumulator: up to 256 channels without float32 rounding build-up
    for (let c = 0; c < channels; c++, i++) sum += interleaved[i];
    out[outOffset + f] = sum * scale;
  }
}
