/**
 * Wire PCM → mono float32 for one stream. Binary frames may end anywhere, even inside a sample: the
 * bytes of an incomplete sample frame (all channels of one instant) are carried to the next frame, so
 * the decoded audio never depends on how the client chunked it. Channels are averaged (the CNN is mono).
 */
import { EarshotError } from '../errors';
import { BYTES_PER_SAMPLE, type PcmEncoding } from '../protocol/pcm';

/**
 * |x| above this in pcm_f32le is not audio (nominal full scale is 1.0; +24 dBFS leaves room for hot
 * masters and intersample peaks): such a frame is refused (ERR_AUDIO_SAMPLE) rather than fed to the model.
 */
export const MAX_F32_MAGNITUDE = 16;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function badSample(index: number, x: number): EarshotError {
  return new EarshotError('ERR_AUDIO_SAMPLE', `pcm_f32le sample ${index} of this frame is ${x}; samples must be finite and within ±${MAX_F32_MAGNITUDE} (full scale 1.0); the frame was dropped`);
}

export class PcmDecoder {
  private readonly bytesPerSample: number;
  private readonly frameBytes: number;
  /** Bytes of the incomplete sample frame carried over (< frameBytes). */
  private carry = new Uint8Array(0);

  constructor(
    readonly encoding: PcmEncoding,
    readonly channels: number,
  ) {
    this.bytesPerSample = BYTES_PER_SAMPLE[encoding];
    this.frameBytes = this.bytesPerSample * channels;
  }

  /**
   * Decodes one binary message. Throws EarshotError ERR_AUDIO_SAMPLE — and keeps no part of the message —
   * when a float sample is NaN, infinite or beyond ±MAX_F32_MAGNITUDE.
   */
  decode(chunk: Uint8Array): Float32Array {
    let bytes = chunk;
    if (this.carry.length > 0) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry, 0);
      bytes.set(chunk, this.carry.length);
    }
    const frames = Math.floor(bytes.length / this.frameBytes);
    const used = frames * this.frameBytes;
    const out = new Float32Array(frames);
    const ch = this.channels;
    const inv = 1 / ch;
    // Fast path: typed-array views where the bytes are aligned (ws hands over pooled Buffers, usually
    // aligned) on a little-endian machine; otherwise DataView, which reads at any offset.
    if (LITTLE_ENDIAN && bytes.byteOffset % this.bytesPerSample === 0) {
      if (this.encoding === 'pcm_s16le') {
        const v = new Int16Array(bytes.buffer, bytes.byteOffset, frames * ch);
        if (ch === 1) for (let f = 0; f < frames; f++) out[f] = v[f] / 32768;
        else for (let f = 0, i = 0; f < frames; f++) {
          let sum = 0;
          for (let c = 0; c < ch; c++) sum += v[i++];
          out[f] = (sum * inv) / 32768;
        }
      } else {
        const v = new Float32Array(bytes.buffer, bytes.byteOffset, frames * ch);
        for (let f = 0, i = 0; f < frames; f++) {
          let sum = 0;
          for (let c = 0; c < ch; c++, i++) {
            const x = v[i];
            if (!(x >= -MAX_F32_MAGNITUDE && x <= MAX_F32_MAGNITUDE)) throw badSample(i, x);
            sum += x;
          }
          out[f] = sum * inv;
        }
      }
      this.carry = bytes.slice(used);
      return out;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, used);
    if (this.encoding === 'pcm_s16le') {
      for (let f = 0, off = 0; f < frames; f++) {
        let s = 0;
        for (let c = 0; c < ch; c++, off += 2) s += view.getInt16(off, true);
        out[f] = (s * inv) / 32768;
      }
    } else {
      for (let f = 0, off = 0; f < frames; f++) {
        let s = 0;
        for (let c = 0; c < ch; c++, off += 4) {
          const x = view.getFloat32(off, true);
          if (!(x >= -MAX_F32_MAGNITUDE && x <= MAX_F32_MAGNITUDE)) throw badSample(f * ch + c, x);
          s += x;
        }
        out[f] = s * inv;
      }
    }
    // Only now, after the whole message decoded cleanly, keep its tail.
    this.carry = bytes.slice(used);
    return out;
  }

  /** Bytes of an incomplete sample frame waiting for the next message. */
  get pendingBytes(): number {
    return this.carry.length;
  }

  reset(): void {
    this.carry = new Uint8Array(0);
  }
}
