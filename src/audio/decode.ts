/**
 * One entry point for audio input: a path or a byte stream in, mono float32 chunks at the source
 * rate out. WAV/RF64 (recognised by magic bytes, not extension) is decoded in-process from a file
 * stream; everything else goes through ffmpeg. Memory stays bounded by the read chunk size
 * (64 KiB) on the streaming path; only decodeAudioFile holds a whole signal, capped by duration.
 */
import { concatFloat32 } from './concat';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { EarshotError } from '../errors';
import { downmixToMono } from './downmix';
import { ffmpegDecodeStream, type DecodedChunk, type FfmpegOptions, type SourceFormat } from './ffmpeg';
import { AudioBudget, type AudioInputLimits } from './input-limits';
import { isWavMagic, SNIFF_BYTES } from './magic';
import { WavStreamDecoder } from './wav';

/** Bytes per file read on the in-process WAV path: 64 KiB ≈ 0.19 s of 44.1 kHz stereo float32. */
const READ_CHUNK_BYTES = 64 * 1024;
/** Default cap for decodeAudioFile, seconds: 1 h of 48 kHz mono float32 is ~690 MB. */
export const DEFAULT_MAX_DURATION_S = 3600;

export interface OpenAudioOptions extends FfmpegOptions {
  /**
   * Bounds on the input (src/audio/input-limits.ts), checked from its header before any sample is used
   * and as it decodes. Default: AUDIO_INPUT_DEFAULTS with no duration limit (a live stream may run for days).
   */
  limits?: Partial<AudioInputLimits>;
  /** The encoded input's size in bytes, when known: bounds how much audio it may claim to hold. */
  inputBytes?: number;
  /** How messages name the input (default: the path, or "<stream>"). */
  label?: string;
}

export interface AudioFormat extends SourceFormat {
  /** Which path decodes it: in-process WAV parser or the ffmpeg child process. */
  decoder: 'wav' | 'ffmpeg';
}

/**
 * Mono chunks (float32, source rate) of one input; iterate once, or close() to stop early.
 * A stream given to openAudio is consumed: stopping early destroys it, as `for await` does.
 */
export interface AudioSource extends AsyncIterable<Float32Array> {
  readonly format: AudioFormat;
  /** Stop decoding and release the file / ffmpeg process. Safe to call more than once. */
  close(): Promise<void>;
}

function ioError(what: string, err: unknown): EarshotError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return new EarshotError('ERR_IO', `${what}: ${detail}`, { cause: err });
}

/** Prefix decoder errors with the input's name so a batch log says which file failed. */
function withLabel(err: unknown, label: string): unknown {
  if (!(err instanceof EarshotError) || err.message.startsWith(label)) return err;
  return new EarshotError(err.code, `${label}: ${err.message}`, { cause: err });
}

async function* wavChunks(bytes: AsyncIterable<Uint8Array>, label: string): AsyncGenerator<DecodedChunk, void, undefined> {
  const dec = new WavStreamDecoder({ downmix: true });
  const it = bytes[Symbol.asyncIterator]();
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await it.next();
      } catch (err) {
        throw ioError(`reading ${label} failed`, err);
      }
      if (r.done) break;
      const mono = dec.push(r.value);
      if (mono.length === 0) continue;
      const f = dec.format!;
      const declared = f.dataBytes === null ? {} : { declaredFrames: Math.floor(f.dataBytes / f.blockAlign), declaredBytes: f.dataBytes };
      yield { format: { sampleRateHz: f.sampleRateHz, channels: f.channels, ...declared }, interleaved: mono, downmixed: true };
    }
    dec.end();
  } catch (err) {
    throw withLabel(err, label);
  } finally {
    await it.return?.();
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, 'r');
  } catch (err) {
    throw ioError(`cannot open audio file "${path}"`, err);
  }
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } catch (err) {
    throw ioError(`cannot read audio file "${path}"`, err);
  } finally {
    await fh.close();
  }
}

/** Read the first SNIFF_BYTES of a stream, then hand back a stream that replays them. */
async function peekStream(stream: NodeJS.ReadableStream): Promise<{ head: Uint8Array; rest: AsyncGenerator<Uint8Array> }> {
  const it = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const peeked: Uint8Array[] = [];
  let total = 0;
  let done = false;
  try {
    while (total < SNIFF_BYTES) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      peeked.push(chunk);
      total += chunk.length;
    }
  } catch (err) {
    throw ioError('reading the audio input stream failed', err);
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      yield* peeked;
      while (!done) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head: Buffer.concat(peeked).subarray(0, SNIFF_BYTES), rest: rest() };
}

async function chunksFor(
  input: string | NodeJS.ReadableStream,
  opts: OpenAudioOptions,
): Promise<{ decoder: AudioFormat['decoder']; gen: AsyncGenerator<DecodedChunk, void, undefined> }> {
  if (typeof input === 'string') {
    const head = await readHead(input);
    if (head.length === 0) throw new EarshotError('ERR_AUDIO_EMPTY', `audio file "${input}" is empty (0 bytes)`);
    if (isWavMagic(head)) {
      const file = fs.createReadStream(input, { highWaterMark: READ_CHUNK_BYTES });
      return { decoder: 'wav', gen: wavChunks(file, input) };
    }
    return { decoder: 'ffmpeg', gen: ffmpegDecodeStream(input, opts, true) };
  }
  const { head, rest } = await peekStream(input);
  if (head.length === 0) throw new EarshotError('ERR_AUDIO_EMPTY', 'audio input stream is empty (0 bytes)');
  if (isWavMagic(head)) return { decoder: 'wav', gen: wavChunks(rest, '<stream>') };
  return { decoder: 'ffmpeg', gen: ffmpegFromStream(rest, opts) };
}

async function* ffmpegFromStream(rest: AsyncGenerator<Uint8Array>, opts: OpenAudioOptions): AsyncGenerator<DecodedChunk, void, undefined> {
  const piped = Readable.from(rest, { objectMode: false });
  try {
    yield* ffmpegDecodeStream(piped, opts, true);
  } finally {
    piped.destroy(); // stop pulling from the caller's stream once decoding ends or is abandoned
  }
}

/** Frames in a decoded chunk (both decoders here downmix as they decode; the fallback keeps any other chunk right). */
function framesOf(c: DecodedChunk): number {
  return c.downmixed ? c.interleaved.length : c.interleaved.length / c.format.channels;
}

function monoOf(c: DecodedChunk): Float32Array {
  return c.downmixed ? c.interleaved : downmixToMono(c.interleaved, c.format.channels);
}

/**
 * Open a file path or byte stream for decoding. Resolves once the format is known (the first
 * samples are decoded), so the caller can configure resampling before iterating.
 */
export async function openAudio(input: string | NodeJS.ReadableStream, opts: OpenAudioOptions = {}): Promise<AudioSource> {
  const label = opts.label ?? (typeof input === 'string' ? `"${input}"` : 'the audio input stream');
  const budget = new AudioBudget({ maxDurationS: Infinity, ...opts.limits }, label, opts.inputBytes);
  const { decoder, gen } = await chunksFor(input, opts);
  let format: AudioFormat;
  let first: IteratorResult<DecodedChunk, void>;
  try {
    first = await gen.next(); // decoders throw ERR_AUDIO_EMPTY rather than finishing empty
    if (first.done) throw new EarshotError('ERR_AUDIO_EMPTY', 'audio input decoded to zero frames');
    const { declaredFrames, declaredBytes, ...sourceFormat } = first.value.format;
    format = { ...sourceFormat, decoder };
    // Before any sample is resampled or kept: a 1-Hz or hour-long header is refused here, not later.
    budget.admit({ ...sourceFormat, declaredFrames, declaredBytes });
    budget.consume(framesOf(first.value));
  } catch (err) {
    await gen.return(undefined);
    throw err;
  }
  const firstChunk = first.value;
  let started = false;
  return {
    format,
    close: async () => {
      await gen.return(undefined);
    },
    async *[Symbol.asyncIterator]() {
      if (started) throw new EarshotError('ERR_INVALID_ARGUMENT', 'an AudioSource can be iterated only once');
      started = true;
      try {
        yield monoOf(firstChunk);
        for await (const chunk of gen) {
          budget.consume(framesOf(chunk));
          yield monoOf(chunk);
        }
      } finally {
        await gen.return(undefined);
      }
    },
  };
}

export interface DecodedAudio {
  sampleRateHz: number;
  /** Channels of the source; `mono` is their mean. */
  channels: number;
  durationS: number;
  mono: Float32Array;
}

export interface DecodeFileOptions extends OpenAudioOptions {
  /** Refuse (ERR_AUDIO_TOO_LONG) inputs longer than this, seconds. Default DEFAULT_MAX_DURATION_S. */
  maxDurationS?: number;
}

/** Decode a whole file to mono float32 at its own sample rate, within the input limits (src/audio/input-limits.ts). */
export async function decodeAudioFile(path: string, opts: DecodeFileOptions = {}): Promise<DecodedAudio> {
  const maxDurationS = opts.maxDurationS ?? opts.limits?.maxDurationS ?? DEFAULT_MAX_DURATION_S;
  if (!(maxDurationS > 0)) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `maxDurationS must be > 0 seconds, got ${maxDurationS}`);
  }
  let inputBytes = opts.inputBytes;
  if (inputBytes === undefined) {
    try {
      inputBytes = (await fs.promises.stat(path)).size;
    } catch (err) {
      throw ioError(`cannot open audio file "${path}"`, err);
    }
  }
  const source = await openAudio(path, { ...opts, inputBytes, limits: { ...opts.limits, maxDurationS } });
  const { sampleRateHz, channels } = source.format;
  const parts: Float32Array[] = [];
  let frames = 0;
  try {
    for await (const mono of source) {
      frames += mono.length;
      parts.push(mono);
    }
  } finally {
    await source.close();
  }
  return { sampleRateHz, channels, durationS: frames / sampleRateHz, mono: concatFloat32(parts) };
}
