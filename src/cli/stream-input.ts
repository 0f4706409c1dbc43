/**
 * The audio `earshot stream` sends: a container the decoder recognises (WAV in-process; Ogg, FLAC, MP3,
 * Opus, M4A… through ffmpeg: src/client/audio-input.ts), or headerless PCM described on the command line
 * with --encoding, --sample-rate and --channels, as `ffmpeg … -f f32le -ar 44100 -ac 2 - | earshot stream -
 * --encoding f32le --sample-rate 44100 --channels 2` writes it. Raw PCM goes through the engine's own
 * wire decoder (sample frames split anywhere are carried over, channels averaged) and earshot's resampler,
 * so the samples equal those of the same audio in a container.
 */
import { resampleChunks } from '../audio/load';
import { inputLabel, openBytes, openInput, primed } from '../client/audio-input';
import { MAX_F32_MAGNITUDE, PcmDecoder } from '../engine/pcm-decoder';
import { EarshotError } from '../errors';
import { BYTES_PER_SAMPLE, type PcmEncoding } from '../protocol/pcm';
import { STREAM_QUERY } from '../protocol/query';
import { choiceArg, intArg } from './args';

/** The --encoding names (ffmpeg's -f names) and the wire encodings they are. */
const RAW_ENCODINGS = { f32le: 'pcm_f32le', s16le: 'pcm_s16le' } as const satisfies Record<string, PcmEncoding>;
type RawEncodingName = keyof typeof RAW_ENCODINGS;

/** Headerless PCM: little-endian samples, channels interleaved. */
export interface RawPcmFormat {
  encoding: PcmEncoding;
  sampleRateHz: number;
  channels: number;
}

/** What --help says about the raw-PCM options (one place for the stream command's usage). */
export const RAW_PCM_USAGE = `  --encoding <f32le|s16le>  the input is raw PCM (no header), little-endian, channels interleaved,
                       as ffmpeg's -f f32le / -f s16le writes it; needs --sample-rate
  --sample-rate <Hz>   raw PCM: samples per second per channel (${STREAM_QUERY.sample_rate.min}..${STREAM_QUERY.sample_rate.max})
  --channels <n>       raw PCM: interleaved channels (${STREAM_QUERY.channels.min}..${STREAM_QUERY.channels.max}, default ${STREAM_QUERY.channels.default}); averaged to mono`;

/**
 * The raw-PCM format the options describe, or null when none is given (the input is sniffed). Raw PCM
 * carries no header, so a rate is never guessed: --encoding needs --sample-rate, and --sample-rate or
 * --channels without --encoding is refused rather than ignored.
 */
export function rawPcmFormat(values: { encoding?: string; 'sample-rate'?: string; channels?: string }): RawPcmFormat | null {
  const name = choiceArg('encoding', values.encoding, Object.keys(RAW_ENCODINGS) as RawEncodingName[]);
  const { sample_rate: rate, channels: ch } = STREAM_QUERY;
  const sampleRateHz = intArg('sample-rate', values['sample-rate'], rate.min, rate.max);
  const channels = intArg('channels', values.channels, ch.min, ch.max);
  if (name === undefined) {
    if (sampleRateHz === undefined && channels === undefined) return null;
    throw new EarshotError('ERR_INVALID_ARGUMENT', `--${sampleRateHz !== undefined ? 'sample-rate' : 'channels'} describes raw PCM input: give --encoding f32le or s16le with it (a file or stream with a header needs neither)`);
  }
  if (sampleRateHz === undefined) throw new EarshotError('ERR_INVALID_ARGUMENT', `--encoding ${name} needs --sample-rate <Hz>: raw PCM has no header to tell the rate`);
  return { encoding: RAW_ENCODINGS[name], sampleRateHz, channels: channels ?? ch.default };
}

/** Where a raw input ended inside a sample frame: its bytes so far and the incomplete frame's bytes. */
interface RawTail {
  bytes: number;
  pendingBytes: number;
}

/** Mono float32 at the input's rate, one chunk per read; `tail` says at the end what was left over. */
async function* decodeRaw(bytes: AsyncIterable<Uint8Array | string>, format: RawPcmFormat, label: string, tail: RawTail): AsyncGenerator<Float32Array, void, undefined> {
  const decoder = new PcmDecoder(format.encoding, format.channels);
  for await (const chunk of bytes) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let mono: Float32Array;
    try {
      mono = decoder.decode(data);
    } catch (err) {
      if (!(err instanceof EarshotError) || err.code !== 'ERR_AUDIO_SAMPLE') throw err;
      // ffmpeg never writes such a float: the bytes are not f32le with this many channels.
      throw new EarshotError('ERR_AUDIO_SAMPLE', `${label} is not f32le audio: a sample in bytes ${tail.bytes}..${tail.bytes + data.length} is NaN, infinite or beyond ±${MAX_F32_MAGNITUDE} (full scale 1.0); check --encoding (s16le?) and --channels`, { cause: err });
    }
    tail.bytes += data.length;
    if (mono.length > 0) yield mono;
  }
  tail.pendingBytes = decoder.pendingBytes;
}

/**
 * Raw PCM from a file, an http(s) URL or stdin (-) → mono float32 chunks at `sampleRateHz`. Every whole
 * sample frame is decoded and sent, the resampler's tail too; only then does an input that ended inside
 * a frame fail (ERR_AUDIO_TRUNCATED, saying how many bytes were left over), so nothing before is lost.
 */
async function* rawChunks(input: string, format: RawPcmFormat, opts: { sampleRateHz: number; signal?: AbortSignal }): AsyncGenerator<Float32Array, void, undefined> {
  const label = inputLabel(input);
  const bytes = (await openBytes(input, opts.signal)) as AsyncIterable<Uint8Array | string>;
  const tail: RawTail = { bytes: 0, pendingBytes: 0 };
  yield* resampleChunks(decodeRaw(bytes, format, label, tail), format.sampleRateHz, opts.sampleRateHz);
  if (tail.bytes === 0) throw new EarshotError('ERR_AUDIO_EMPTY', `${label} is empty (0 bytes of raw PCM)`);
  if (tail.pendingBytes > 0) {
    const frameBytes = BYTES_PER_SAMPLE[format.encoding] * format.channels;
    const name = format.encoding.replace('pcm_', '');
    throw new EarshotError(
      'ERR_AUDIO_TRUNCATED',
      `${label} ended ${tail.pendingBytes} byte(s) into a sample frame (${tail.bytes} bytes in all, not a multiple of ${frameBytes}: ${format.channels} channel(s) × ${BYTES_PER_SAMPLE[format.encoding]}-byte ${name}); ` +
        'every whole frame before them was analysed; the input was cut mid-sample, or --encoding/--channels do not match it',
    );
  }
}

/** True when ffmpeg could not decode the bytes (no container it knows) or is not installed: raw PCM needs neither. */
function notDecodable(err: unknown): boolean {
  return err instanceof EarshotError && (err.code === 'ERR_DECODER_FAILED' || err.code === 'ERR_TOOL_MISSING');
}

/**
 * The stream command's audio as mono float32 chunks at `sampleRateHz`, its first chunk already decoded
 * (an unreadable input fails before anything connects). `raw` null: the container is sniffed; raw PCM on
 * stdin then fails with a hint naming the options that describe it.
 */
export async function openStreamInput(input: string, raw: RawPcmFormat | null, opts: { sampleRateHz: number; signal?: AbortSignal }): Promise<AsyncGenerator<Float32Array, void, undefined>> {
  if (raw) return primed(rawChunks(input, raw, opts));
  try {
    return await openInput(input, opts);
  } catch (err) {
    if (input !== '-' || !notDecodable(err)) throw err;
    const e = err as EarshotError;
    throw new EarshotError(e.code, `${e.message}; if stdin is raw PCM (ffmpeg -f f32le or -f s16le), describe it: --encoding f32le|s16le --sample-rate <Hz> [--channels <n>]`, { cause: err });
  }
}
