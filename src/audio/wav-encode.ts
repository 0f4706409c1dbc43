/**
 * WAV encoder for 16-bit PCM mono or interleaved audio: what the benchmark world writes (every player,
 * DAW and decoder reads it). Samples outside [-1, 1] are clipped; rounding is to nearest (no dither:
 * output must be byte-identical for identical input).
 */
import { EarshotError } from '../errors';

const HEADER_BYTES = 44;

export function encodeWavPcm16(samples: Float32Array, sampleRateHz: number, channels = 1): Buffer {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1 || sampleRateHz > 768000) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `sample rate must be an integer in 1..768000 Hz, got ${sampleRateHz}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 256) throw new EarshotError('ERR_INVALID_ARGUMENT', `channels must be 1..256, got ${channels}`);
  if (samples.length % channels !== 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `${samples.length} samples is not a whole number of ${channels}-channel frames`);
  const dataBytes = samples.length * 2;
  if (dataBytes > 0xffffffff - HEADER_BYTES) throw new EarshotError('ERR_INVALID_ARGUMENT', `${samples.length} samples exceed a RIFF file's 4 GiB`);
  const buf = Buffer.alloc(HEADER_BYTES + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRateHz, 24);
  buf.writeUInt32LE(sampleRateHz * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (Number.isNaN(x)) throw new EarshotError('ERR_NOT_FINITE', `sample ${i} is NaN`);
    const v = x >= 1 ? 32767 : x <= -1 ? -32767 : Math.round(x * 32767);
    buf.writeInt16LE(v, HEADER_BYTES + 2 * i);
  }
  return buf;
}
