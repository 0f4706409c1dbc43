/**
 * Wire PCM → mono float32 for one stream. Binary frames may end anywhere, even inside a sample: the
 * bytes of an incomplete sample frame (all channels of one instant) are carried to the next frame, so
 * the decoded audio never depends on how the client chunked it. Channels are averaged (the CNN is mono).
 */
import { EarshotError } from '../errors';
import { BYTES_PER_SAMPLE, type PcmEncoding } from '../protocol/pcm';
import { LITTLE_ENDIAN } from '../audio/wav-samples';

/**
 * |x| above this in pcm_f32le is not audio (nominal full scale is 1.0; +24 dBFS leaves room for hot
 * masters and intersample peaks): such a frame is refused (ERR_AUDIO_SAMPLE) rather than fed to the model.
 */
export const MAX_F32_MAGNITUDE = 16;


function badSample(index: number, x: number): EarshotError {
  return new EarshotError('ERR_AUDIO_SAMPLE', `pcm_f32le sample ${index} of this frame is ${x}; samples must be finite and within ±${MAX_F32_MAGNITUDE} (full scale 1.0); the frame was dropped`);
}

export class PcmDecoder {
  private readonly bytesPerSample: number;
  private readonly frameBytes: number;
  /** The incomplete sample frame carried over: its first carryBytes bytes (< frameBytes). */
  private readonly carry: Uint8Array;
  private carryBytes = 0;
  /**
   * Reused between messages (a live stream decodes ~50 messages/s; a fresh typed array per message costs
   * ≈ 1 µs of allocation and garbage-collector work each): the carry plus a message's whole frames, or a
   * message at an odd byte offset, are staged here, aligned; decodeView()'s result lives in `out`.
   */
  private staging = new Uint8Array(0);
  private out = new Float32Array(0);
  private view = new Float32Array(0);

  constructor(
    readonly encoding: PcmEncoding,
    readonly channels: number,
  ) {
    this.bytesPerSample = BYTES_PER_SAMPLE[encoding];
    this.frameBytes = this.bytesPerSample * channels;
    this.carry = new Uint8Array(this.frameBytes);
  }

  /**
   * Decodes one binary message into a fresh array. Throws EarshotError ERR_AUDIO_SAMPLE — and keeps no
   * part of the message — when a float sample is NaN, infinite or beyond ±MAX_F32_MAGNITUDE.
   */
  decode(chunk: Uint8Array): Float32Array {
    return this.decodeView(chunk).slice();
  }

  /**
   * As decode(), but the samples are a view into a buffer this decoder reuses: valid only until its next
   * call. For a caller that consumes them at once (the server hands them to the resampler or the mel
   * front end, which copy), and saves an allocation per message.
   */
  decodeView(chunk: Uint8Array): Float32Array {
    const fb = this.frameBytes;
    const total = this.carryBytes + chunk.length;
    const frames = Math.floor(total / fb);
    if (frames === 0) {
      this.carry.set(chunk, this.carryBytes);
      this.carryBytes = total;
      return this.samples(0);
    }
    const used = frames * fb;
    // The whole frames' bytes, at an offset the typed-array views can read: the message itself when
    // nothing is carried and it is aligned (ws hands over slices of its socket buffers, at any offset).
    let bytes = chunk;
    if (this.carryBytes > 0 || chunk.byteOffset % this.bytesPerSample !== 0) {
      if (this.staging.length < used) this.staging = new Uint8Array(Math.max(used, 2 * this.staging.length));
      this.staging.set(this.carry.subarray(0, this.carryBytes), 0);
      this.staging.set(chunk.subarray(0, used - this.carryBytes), this.carryBytes);
      bytes = this.staging;
    }
    const out = this.samples(frames);
    if (LITTLE_ENDIAN) this.decodeAligned(bytes, frames, out);
    else this.decodeAnyEndian(bytes, frames, out);
    // Only now, after the whole message decoded cleanly, keep its tail.
    const rest = total - used;
    if (rest > 0) this.carry.set(chunk.subarray(chunk.length - rest), 0);
    this.carryBytes = rest;
    return out;
  }

  /** Bytes of an incomplete sample frame waiting for the next message. */
  get pendingBytes(): number {
    return this.carryBytes;
  }

  reset(): void {
    this.carryBytes = 0;
  }

  /** A view of `frames` samples of the reused output buffer. */
  private samples(frames: number): Float32Array {
    if (this.view.length === frames) return this.view;
    if (this.out.length < frames) this.out = new Float32Array(Math.max(frames, 2 * this.out.length));
    this.view = this.out.subarray(0, frames);
    return this.view;
  }

  /** Little-endian machine, bytes.byteOffset a multiple of the sample size: typed-array views. */
  private decodeAligned(bytes: Uint8Array, frames: number, out: Float32Array): void {
    const ch = this.channels;
    const inv = 1 / ch;
    if (this.encoding === 'pcm_s16le') {
      const v = new Int16Array(bytes.buffer, bytes.byteOffset, frames * ch);
      if (ch === 1) for (let f = 0; f < frames; f++) out[f] = v[f] / 32768;
      else for (let f = 0, i = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < ch; c++) sum += v[i++];
        out[f] = (sum * inv) / 32768;
      }
      return;
    }
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

  /** Big-endian machines: DataView reads little-endian at any offset. */
  private decodeAnyEndian(bytes: Uint8Array, frames: number, out: Float32Array): void {
    const ch = this.channels;
    const inv = 1 / ch;
    const view = new DataView(bytes.buffer, bytes.byteOffset, frames * this.frameBytes);
    if (this.encoding === 'pcm_s16le') {
      for (let f = 0, off = 0; f < frames; f++) {
        let s = 0;
        for (let c = 0; c < ch; c++, off += 2) s += view.getInt16(off, true);
        out[f] = (s * inv) / 32768;
      }
      return;
    }
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
}
