/**
 * Streaming RIFF/WAVE and RF64 parser. Bytes arrive in arbitrary pieces (a file stream, an ffmpeg
 * pipe), so this is a small state machine: header chunks are accumulated into a bounded buffer,
 * unknown chunks are skipped by counting (never buffered), and sample data is decoded frame by
 * frame with at most one partial frame (< blockAlign bytes) carried between pushes.
 *
 * Chunk layout: 4-byte ASCII id, u32 LE size, body, then one pad byte when size is odd (RIFF
 * aligns chunks to 2 bytes). Only sample-bearing frames are ever returned, so every output holds
 * a whole number of interleaved frames.
 */
import { EarshotError } from '../errors';
import { describeFirstBytes } from './magic';
import { parseFmtChunk, type FmtFields, type WavFormat } from './wav-format';
import { decodeFramesMono, type MonoScratch } from './wav-mono';
import { bytesPerSample, decodeSamples } from './wav-samples';

export type { WavFormat } from './wav-format';

/** fmt/ds64 bodies are 16..40 bytes in practice; anything past this is corrupt, not buffered. */
const MAX_HEADER_CHUNK_BYTES = 4096;
/** u32 size meaning "unknown": ffmpeg writes it for pipes; RF64 uses it to point at ds64. */
const SIZE_UNKNOWN = 0xffffffff;

type State = 'riff' | 'chunkHeader' | 'fmt' | 'ds64' | 'skip' | 'data' | 'done' | 'failed';

const EMPTY = new Float32Array(0);

export interface WavStreamDecoderOptions {
  /**
   * Return each frame's mean over its channels (one sample per frame, as downmixToMono of the interleaved
   * frames gives, bit for bit) instead of the interleaved frames: one pass, no interleaved array.
   */
  downmix?: boolean;
}

export class WavStreamDecoder {
  private readonly downmix: boolean;
  private readonly monoScratch: MonoScratch = { interleaved: new Float32Array(0), bytes: new Uint8Array(0) };
  private state: State = 'riff';
  private container: 'RIFF' | 'RF64' = 'RIFF';
  /** Accumulates the current header piece (RIFF header, chunk header, fmt or ds64 body). */
  private hdr = new Uint8Array(12);
  private hdrLen = 0;
  private hdrNeed = 12;
  /** Bytes left to skip in the current unknown chunk, pad byte included. */
  private skipLeft = 0;
  private fmt: FmtFields | null = null;
  /** 64-bit data size from an RF64 ds64 chunk (bytes), used when the data header says 0xFFFFFFFF. */
  private ds64DataBytes: number | null = null;
  private fmtValue: WavFormat | null = null;
  /** Data bytes still expected, or Infinity when the data chunk runs to end of stream. */
  private dataLeft = 0;
  private dataGot = 0;
  private carry = new Uint8Array(0);
  private carryLen = 0;
  private samplesOut = 0;
  private bytesIn = 0;
  private firstBytes = new Uint8Array(12);
  private failure: unknown = null;

  constructor(options: WavStreamDecoderOptions = {}) {
    this.downmix = options.downmix === true;
  }

  /** The stream format, available once the data chunk header has been read; null before. */
  get format(): WavFormat | null {
    return this.fmtValue;
  }

  /** Interleaved frames decoded so far. */
  get framesDecoded(): number {
    return this.fmtValue ? this.samplesOut / this.fmtValue.channels : 0;
  }

  /** Feed the next bytes; returns the newly completed interleaved frames, or their mono mean with `downmix` (possibly empty). */
  push(bytes: Uint8Array): Float32Array {
    this.checkUsable();
    try {
      if (this.bytesIn < 12) this.firstBytes.set(bytes.subarray(0, 12 - this.bytesIn), this.bytesIn);
      this.bytesIn += bytes.length;
      let off = 0;
      while (off < bytes.length && this.state !== 'data' && this.state !== 'done') {
        off = this.step(bytes, off);
      }
      if (this.state === 'data' && off < bytes.length) return this.decodeData(bytes.subarray(off));
      return EMPTY;
    } catch (err) {
      this.state = 'failed';
      this.failure = err;
      throw err;
    }
  }

  /** Declare end of stream. Throws if the header or data was cut short, or no frames came. */
  end(): void {
    this.checkUsable();
    const state = this.state;
    this.state = 'failed';
    this.failure = new EarshotError('ERR_INVALID_ARGUMENT', 'WavStreamDecoder.end() was already called');
    if (state === 'riff') {
      if (this.bytesIn === 0) throw new EarshotError('ERR_AUDIO_EMPTY', 'WAV input is empty (0 bytes)');
      this.checkMagic(); // a short non-WAV is a format error, not a truncation
      throw truncated(`WAV input ended after ${this.bytesIn} bytes, inside the 12-byte RIFF header`);
    }
    if (state !== 'data' && state !== 'done') {
      throw truncated(`WAV input ended after ${this.bytesIn} bytes, inside the header (no data chunk reached)`);
    }
    const blockAlign = this.fmtValue!.blockAlign;
    if (state === 'data' && Number.isFinite(this.dataLeft)) {
      const expected = this.dataGot + this.dataLeft;
      throw truncated(`WAV data chunk declares ${expected} bytes but the input ended after ${this.dataGot} bytes`);
    }
    if (this.carryLen > 0) {
      throw truncated(
        `WAV input ended mid-frame: ${this.carryLen} trailing bytes of a ${blockAlign}-byte frame ` +
          `(${this.dataGot} data bytes in all)`,
      );
    }
    if (this.samplesOut === 0) throw new EarshotError('ERR_AUDIO_EMPTY', 'WAV data chunk holds no sample frames');
  }

  private checkUsable(): void {
    if (this.state === 'failed') throw this.failure;
  }

  private checkMagic(): void {
    const n = Math.min(this.bytesIn, 4);
    const id = String.fromCharCode(...this.firstBytes.subarray(0, n));
    const ok = ['RIFF', 'RF64', 'BW64'].some((m) => m.startsWith(id));
    const formOk = this.bytesIn < 12 || String.fromCharCode(...this.firstBytes.subarray(8, 12)) === 'WAVE';
    if (!ok || !formOk) {
      const hint = id === 'RIFX' ? ' (big-endian RIFX is not supported)' : '';
      throw new EarshotError(
        'ERR_AUDIO_FORMAT',
        `not a WAV file${hint}: expected "RIFF....WAVE" or "RF64....WAVE", first bytes were ` +
          describeFirstBytes(this.firstBytes.subarray(0, Math.min(this.bytesIn, 12))),
      );
    }
  }

  /** Copy header bytes into `hdr` until `hdrNeed` are present; returns the new input offset. */
  private fill(bytes: Uint8Array, off: number): number {
    const n = Math.min(this.hdrNeed - this.hdrLen, bytes.length - off);
    this.hdr.set(bytes.subarray(off, off + n), this.hdrLen);
    this.hdrLen += n;
    return off + n;
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.hdrNeed = need;
    this.hdrLen = 0;
    if (this.hdr.length < need) this.hdr = new Uint8Array(need);
  }

  /** Advance the header state machine by as many bytes as it can use; returns the new offset. */
  private step(bytes: Uint8Array, off: number): number {
    if (this.state === 'skip') {
      const n = Math.min(this.skipLeft, bytes.length - off);
      this.skipLeft -= n;
      if (this.skipLeft === 0) this.expect('chunkHeader', 8);
      return off + n;
    }
    off = this.fill(bytes, off);
    if (this.state === 'riff' && this.bytesIn >= 4) this.checkMagic();
    if (this.hdrLen < this.hdrNeed) return off;
    const h = this.hdr;
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    switch (this.state) {
      case 'riff':
        this.container = h[1] === 0x49 ? 'RIFF' : 'RF64'; // 'I' of RIFF vs 'F' of RF64/'W' of BW64
        this.expect('chunkHeader', 8); // the RIFF size field is ignored: pipes write 0xFFFFFFFF
        break;
      case 'chunkHeader':
        this.onChunkHeader(String.fromCharCode(h[0], h[1], h[2], h[3]), view.getUint32(4, true));
        break;
      case 'fmt':
        if (this.fmt) throw new EarshotError('ERR_AUDIO_FORMAT', 'WAV has two fmt chunks');
        this.fmt = parseFmtChunk(h.subarray(0, this.hdrNeed));
        this.afterBody(this.hdrNeed);
        break;
      case 'ds64':
        // u64 riffSize at 0, u64 dataSize at 8: 16 bytes at least (a 12..15-byte ds64 was read past its
        // end, found by fuzzing); 2^53 bytes is far beyond any real file.
        if (this.hdrNeed < 16) throw new EarshotError('ERR_AUDIO_FORMAT', `RF64 ds64 chunk is ${this.hdrNeed} bytes; need 16`);
        this.ds64DataBytes = view.getUint32(8, true) + view.getUint32(12, true) * 2 ** 32;
        this.afterBody(this.hdrNeed);
        break;
      default:
        throw new Error(`unreachable WAV state ${this.state}`);
    }
    return off;
  }

  private afterBody(size: number): void {
    if (size % 2 === 1) {
      this.state = 'skip';
      this.skipLeft = 1;
    } else {
      this.expect('chunkHeader', 8);
    }
  }

  private onChunkHeader(id: string, size: number): void {
    if (id === 'fmt ' || id === 'ds64') {
      if (size > MAX_HEADER_CHUNK_BYTES) {
        throw new EarshotError('ERR_AUDIO_FORMAT', `WAV "${id}" chunk declares ${size} bytes; at most ${MAX_HEADER_CHUNK_BYTES} are plausible`);
      }
      if (id === 'ds64' && this.container !== 'RF64') {
        // A ds64 in a plain RIFF file is meaningless; skip it like any unknown chunk.
        this.state = 'skip';
        this.skipLeft = size + (size % 2);
        if (this.skipLeft === 0) this.expect('chunkHeader', 8);
        return;
      }
      this.expect(id === 'fmt ' ? 'fmt' : 'ds64', size);
      if (size === 0) this.step(new Uint8Array(0), 0);
      return;
    }
    if (id === 'data') {
      if (!this.fmt) throw new EarshotError('ERR_AUDIO_FORMAT', 'WAV data chunk comes before the fmt chunk');
      let dataBytes: number | null = size;
      if (this.container === 'RF64' && size === SIZE_UNKNOWN && this.ds64DataBytes !== null) {
        dataBytes = this.ds64DataBytes;
      } else if (size === SIZE_UNKNOWN || size === 0) {
        dataBytes = null; // "until end of stream": what ffmpeg writes when its output is a pipe
      }
      this.fmtValue = { container: this.container, ...this.fmt, dataBytes };
      this.dataLeft = dataBytes ?? Infinity;
      this.carry = new Uint8Array(this.fmt.blockAlign);
      this.state = 'data';
      return;
    }
    this.state = 'skip';
    this.skipLeft = size + (size % 2);
    if (this.skipLeft === 0) this.expect('chunkHeader', 8);
  }

  private decodeData(input: Uint8Array): Float32Array {
    const fmt = this.fmtValue!;
    const ba = fmt.blockAlign;
    const avail = input.length > this.dataLeft ? input.subarray(0, this.dataLeft) : input;
    this.dataLeft -= avail.length;
    this.dataGot += avail.length;
    const frames = Math.floor((this.carryLen + avail.length) / ba);
    const ch = fmt.channels;
    const perFrame = this.downmix ? 1 : ch; // output samples per frame
    const out = frames === 0 ? EMPTY : new Float32Array(frames * perFrame);
    let p = 0;
    let f = 0;
    if (this.carryLen > 0) {
      const need = ba - this.carryLen;
      const n = Math.min(need, avail.length);
      this.carry.set(avail.subarray(0, n), this.carryLen);
      this.carryLen += n;
      p = n;
      if (this.carryLen === ba) {
        this.decodeFrames(this.carry, 0, 1, out, 0, this.samplesOut);
        f = 1;
        this.carryLen = 0;
      }
    }
    const whole = Math.floor((avail.length - p) / ba);
    this.decodeFrames(avail, p, whole, out, f * perFrame, this.samplesOut + f * ch);
    p += whole * ba;
    if (p < avail.length) {
      this.carry.set(avail.subarray(p), this.carryLen);
      this.carryLen += avail.length - p;
    }
    this.samplesOut += frames * ch; // interleaved samples, whatever the output's shape (error positions)
    if (this.dataLeft === 0) {
      // Declared size reached. A size that is not a multiple of blockAlign leaves a partial frame
      // that no writer meant as audio; drop it. Trailing chunks (LIST, id3) are ignored.
      this.carryLen = 0;
      this.state = 'done';
    }
    return out;
  }

  /** `frames` whole frames from `src` at byte `p` into `out` at `o`, interleaved or (downmix) one per frame. */
  private decodeFrames(src: Uint8Array, p: number, frames: number, out: Float32Array, o: number, firstSampleIndex: number): void {
    const { encoding, channels } = this.fmtValue!;
    if (this.downmix) decodeFramesMono(encoding, channels, src, p, frames, out, o, firstSampleIndex, this.monoScratch);
    else decodeSamples(encoding, src, p, frames * channels, out, o, firstSampleIndex);
  }
}

function truncated(message: string): EarshotError {
  return new EarshotError('ERR_AUDIO_TRUNCATED', message);
}

export interface DecodedWav {
  sampleRateHz: number;
  channels: number;
  frames: number;
  /** Samples in [-1, 1), frame-major: frame f channel c is at f * channels + c. */
  interleaved: Float32Array;
  format: WavFormat;
}

/** Decode a whole WAV/RF64 file held in memory. */
export function parseWav(buf: Uint8Array): DecodedWav {
  const dec = new WavStreamDecoder();
  const interleaved = dec.push(buf);
  dec.end();
  const format = dec.format!;
  return {
    sampleRateHz: format.sampleRateHz,
    channels: format.channels,
    frames: interleaved.length / format.channels,
    interleaved,
    format,
  };
}
