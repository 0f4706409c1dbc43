/**
 * Log-mel spectrograms as images: the picture of what the CNN hears. Time runs left to right (one
 * column per hop: 512 samples = 23.2 ms at 22,050 Hz), mel band 0 (lowest pitch) is the bottom row,
 * and the loudest `rangeDb` dB below the top value are coloured with magma (dark = quiet). The mel
 * front-end is the library's own (computeMel, librosa defaults: 128 bands, nFft 1024, hop 512, dB).
 */
import { ANALYSIS_RATE_HZ, streamAudio } from '../audio/load';
import { concatFloat32 } from '../audio/concat';
import { DEFAULT_MAX_DURATION_S } from '../audio/decode';
import { computeMel, type Spectrogram } from '../dsp/mel';
import type { MelOptions } from '../dsp/mel-options';
import { EarshotError } from '../errors';
import { magmaTable } from './colormap';
import type { RgbImage } from './raster';

export interface SpectrogramImageOptions {
  /** Dynamic range shown, dB > 0: values below top − rangeDb are the darkest colour. Default 80 (librosa's top_db). */
  rangeDb?: number;
  /** The dB value drawn brightest. Default null: the spectrogram's own maximum (librosa's ref=np.max). */
  topDb?: number | null;
  /** Image columns per frame, integer 1..64. Default 1. */
  pixelsPerFrame?: number;
  /** Image rows per mel band, integer 1..64. Default 1 (128 px tall for 128 bands). */
  pixelsPerBand?: number;
}

/** Colour levels of the lookup table: finer than 8-bit output, so no banding is added. */
const LEVELS = 1024;
let lut: Uint8Array | null = null;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function intOption(name: string, v: number | undefined, fallback: number, lo: number, hi: number): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) bad(`${name} must be an integer in ${lo}..${hi}, got ${String(x)}`);
  return x;
}

/**
 * Colours a dB spectrogram (frames × bands, as computeMel returns it). A spectrogram with no variation
 * at all (digital silence: every value at the dB floor) is drawn darkest, not brightest: there is
 * nothing loud in it, whatever the top-relative scale would say. NaN is drawn darkest too.
 */
export function spectrogramImage(spec: Spectrogram, options: SpectrogramImageOptions = {}): RgbImage {
  const { frames, bands, data } = spec;
  if (!Number.isInteger(frames) || !Number.isInteger(bands) || frames < 1 || bands < 1 || data.length !== frames * bands) {
    bad(`spectrogram must hold frames x bands values (frames, bands >= 1), got ${String(frames)} x ${String(bands)} for ${data.length}`);
  }
  const rangeDb = options.rangeDb ?? 80;
  if (typeof rangeDb !== 'number' || !Number.isFinite(rangeDb) || rangeDb <= 0) bad(`rangeDb must be a finite number of dB > 0, got ${String(rangeDb)}`);
  const ppf = intOption('pixelsPerFrame', options.pixelsPerFrame, 1, 1, 64);
  const ppb = intOption('pixelsPerBand', options.pixelsPerBand, 1, 1, 64);
  let max = -Infinity, min = Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] > max) max = data[i];
    if (data[i] < min) min = data[i];
  }
  const flat = !(max > min); // also true when every value is NaN
  let top = max;
  if (options.topDb != null) {
    if (typeof options.topDb !== 'number' || !Number.isFinite(options.topDb)) bad(`topDb must be a finite number of dB or null, got ${String(options.topDb)}`);
    top = options.topDb;
  }
  lut ??= magmaTable(LEVELS);
  const width = frames * ppf, height = bands * ppb;
  if (width * height * 3 > 2 ** 32 - 1) bad(`spectrogram image ${width} x ${height} is too large (over 4 GiB of RGB); render a shorter clip`);
  const rgb = new Uint8Array(width * height * 3);
  // Colour one image row per band (band 0 at the bottom), then repeat it ppb times.
  const row = new Uint8Array(width * 3);
  const scale = (LEVELS - 1) / rangeDb;
  const lo = top - rangeDb;
  for (let b = 0; b < bands; b++) {
    for (let f = 0; f < frames; f++) {
      const v = data[f * bands + b];
      // (v − lo)/rangeDb in 0..1 → table index; NaN and flat images fall to level 0.
      const level = flat || !(v > lo) ? 0 : Math.min(LEVELS - 1, Math.round((v - lo) * scale));
      for (let k = 0, o = 3 * f * ppf; k < ppf; k++, o += 3) {
        row[o] = lut[3 * level];
        row[o + 1] = lut[3 * level + 1];
        row[o + 2] = lut[3 * level + 2];
      }
    }
    const y0 = (bands - 1 - b) * ppb;
    for (let k = 0; k < ppb; k++) rgb.set(row, (y0 + k) * width * 3);
  }
  return { width, height, rgb };
}

export interface SpectrogramTileOptions extends SpectrogramImageOptions {
  /** Mel front-end options (librosa defaults when omitted; sampleRateHz must match the samples). Log is always dB. */
  mel?: Omit<MelOptions, 'log'>;
}

/** Mono samples → dB log-mel (computeMel) → image. Also returns the spectrogram's size. */
export function spectrogramTile(samples: Float32Array, options: SpectrogramTileOptions = {}): RgbImage & { frames: number; bands: number; frameStepS: number } {
  const { mel, ...image } = options;
  const spec = computeMel(samples, { ...mel, log: { kind: 'db' } });
  return { ...spectrogramImage(spec, image), frames: spec.frames, bands: spec.bands, frameStepS: spec.frameStepS };
}

export interface Clip {
  /** Mono samples at ANALYSIS_RATE_HZ (22,050 Hz). */
  samples: Float32Array;
  sampleRateHz: number;
  offsetS: number;
  /** Seconds actually read: less than asked when the file ends first. */
  durationS: number;
}

/**
 * `seconds` of a file from `offsetS` (default 0) as mono at the analysis rate, decoded as a stream
 * and stopped once enough has arrived, so a 10 s tile of an hour-long file decodes 10 s (plus the
 * offset). seconds null = to the end, capped at DEFAULT_MAX_DURATION_S (ERR_AUDIO_TOO_LONG beyond).
 * An offset at or past the end is ERR_INVALID_ARGUMENT naming the file's length.
 */
export async function readClip(path: string, { offsetS = 0, seconds = null }: { offsetS?: number; seconds?: number | null } = {}): Promise<Clip> {
  if (typeof offsetS !== 'number' || !Number.isFinite(offsetS) || offsetS < 0) bad(`offset must be a finite number of seconds >= 0, got ${String(offsetS)}`);
  if (seconds !== null && (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > DEFAULT_MAX_DURATION_S)) {
    bad(`seconds must be in (0, ${DEFAULT_MAX_DURATION_S}] or null (to the end), got ${String(seconds)}`);
  }
  const rate = ANALYSIS_RATE_HZ;
  const start = Math.round(offsetS * rate);
  const want = seconds === null ? Math.round(DEFAULT_MAX_DURATION_S * rate) + 1 : Math.max(1, Math.round(seconds * rate));
  const parts: Float32Array[] = [];
  let seen = 0, kept = 0;
  for await (const chunk of streamAudio(path, { sampleRateHz: rate })) {
    const from = Math.max(0, start - seen);
    seen += chunk.length;
    if (from < chunk.length) {
      const take = chunk.subarray(from, Math.min(chunk.length, from + want - kept));
      parts.push(take.slice()); // the decoder may reuse its chunk buffers
      kept += take.length;
    }
    if (kept >= want) break; // leaving the loop closes the decoder (and any ffmpeg process)
  }
  if (seconds === null && kept > DEFAULT_MAX_DURATION_S * rate) {
    throw new EarshotError('ERR_AUDIO_TOO_LONG', `"${path}" runs past ${DEFAULT_MAX_DURATION_S} s after the offset; pass a length in seconds`);
  }
  if (kept === 0) bad(`offset ${offsetS} s is at or past the end of "${path}" (${(seen / rate).toFixed(2)} s long)`);
  return { samples: concatFloat32(parts), sampleRateHz: rate, offsetS, durationS: kept / rate };
}
