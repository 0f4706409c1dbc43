/**
 * How much work one audio input may cause, decided from what the input declares before anything is
 * allocated for it. One place for every decode path: the CLI (`earshot analyze|mel|catalog add`), the
 * server's uploads (POST /v1/analyze, /v1/catalog), the trainer's feature extraction.
 *
 * Why each bound exists (all measured against the 22,050-Hz analysis rate the mel front end needs):
 * - sample rate: resampling multiplies samples by 22,050 / rate, so a 44-KB WAV declaring 1 Hz becomes
 *   485 M samples (≈ 2 GB) — real recordings are never below 4 kHz (old telephone/8-bit game audio is 8 kHz);
 * - channels: decoded bytes per frame grow with them (a chunk of 64 KiB is bounded either way);
 * - duration at the *source* rate, checked as frames arrive and against the container's declared length
 *   before the first sample is decoded, so nothing is resampled or held past the limit;
 * - input bytes per second of audio: a compressed file may not decode to more audio than its size can
 *   honestly carry (16 B/s = 128 bit/s, far under any codec's lowest bitrate: Opus 6 kbit/s, FLAC of
 *   digital silence ≈ 100 B/s), so a tiny upload cannot claim half an hour.
 */
import { EarshotError } from '../errors';

export interface AudioInputLimits {
  /** Longest input, seconds of source audio. Default 3600 (1 h of 48-kHz float32 mono is ≈ 690 MB). */
  maxDurationS: number;
  /** Lowest source sample rate, Hz. Default 4000. */
  minSampleRateHz: number;
  /** Highest source sample rate, Hz. Default 768,000 (the top rate of current audio interfaces). */
  maxSampleRateHz: number;
  /** Most channels. Default 64 (beyond that a file is almost surely corrupt or not music). */
  maxChannels: number;
  /** Fewest input bytes per second of decoded audio, when the input's size is known. Default 16 B/s. */
  minInputBytesPerSecond: number;
}

export const AUDIO_INPUT_DEFAULTS: Readonly<AudioInputLimits> = Object.freeze({
  maxDurationS: 3600,
  minSampleRateHz: 4000,
  maxSampleRateHz: 768_000,
  maxChannels: 64,
  minInputBytesPerSecond: 16,
});

/** What a decoder knows about an input once its header is read. */
export interface DeclaredAudio {
  sampleRateHz: number;
  channels: number;
  /** Frames the container declares (WAV data chunk size / block align); undefined when it does not say. */
  declaredFrames?: number;
  /** The bytes those frames take in the container, to tell an honest header from a truncated file's. */
  declaredBytes?: number;
}

function positive(name: keyof AudioInputLimits, v: number, allowInfinite: boolean): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (!allowInfinite && !Number.isFinite(v))) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `audio input limit ${name} must be a positive number, got ${String(v)}`);
  }
  return v;
}

/** Defaults overlaid with `partial`, each value checked (Infinity allowed for the duration: live streams). */
export function audioInputLimits(partial: Partial<AudioInputLimits> = {}): AudioInputLimits {
  const l = { ...AUDIO_INPUT_DEFAULTS, ...partial };
  positive('maxDurationS', l.maxDurationS, true);
  positive('minSampleRateHz', l.minSampleRateHz, false);
  positive('maxSampleRateHz', l.maxSampleRateHz, false);
  positive('maxChannels', l.maxChannels, false);
  if (!(typeof l.minInputBytesPerSecond === 'number' && l.minInputBytesPerSecond >= 0 && Number.isFinite(l.minInputBytesPerSecond))) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `audio input limit minInputBytesPerSecond must be a number >= 0, got ${String(l.minInputBytesPerSecond)}`);
  }
  if (l.minSampleRateHz > l.maxSampleRateHz) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `minSampleRateHz (${l.minSampleRateHz}) exceeds maxSampleRateHz (${l.maxSampleRateHz})`);
  }
  return l;
}

function seconds(s: number): string {
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`;
}

/**
 * The running account of one input: `admit` once the format is known (before any sample is used),
 * then `consume` for every decoded chunk (before it is resampled or stored).
 */
export class AudioBudget {
  readonly limits: AudioInputLimits;
  private rateHz = 0;
  private maxFrames = Infinity;
  private frames = 0;
  private why = '';

  /**
   * @param label      what the input is called in messages (a file name, "the upload")
   * @param inputBytes the encoded input's size in bytes when known (a file, an upload body)
   */
  constructor(
    partial: Partial<AudioInputLimits> | undefined,
    private readonly label: string,
    private readonly inputBytes?: number,
  ) {
    this.limits = audioInputLimits(partial);
  }

  /** Checks rate, channels and the declared length; throws ERR_AUDIO_FORMAT or ERR_AUDIO_TOO_LONG. */
  admit(d: DeclaredAudio): void {
    const l = this.limits;
    if (!(d.sampleRateHz >= l.minSampleRateHz && d.sampleRateHz <= l.maxSampleRateHz)) {
      throw new EarshotError('ERR_AUDIO_FORMAT', `${this.label} has a sample rate of ${d.sampleRateHz} Hz; supported: ${l.minSampleRateHz}..${l.maxSampleRateHz} Hz`);
    }
    if (!(d.channels >= 1 && d.channels <= l.maxChannels)) {
      throw new EarshotError('ERR_AUDIO_FORMAT', `${this.label} has ${d.channels} channels; supported: 1..${l.maxChannels}`);
    }
    this.rateHz = d.sampleRateHz;
    let maxS = l.maxDurationS;
    this.why = seconds(l.maxDurationS);
    if (this.inputBytes !== undefined && l.minInputBytesPerSecond > 0) {
      const bySize = this.inputBytes / l.minInputBytesPerSecond;
      if (bySize < maxS) {
        maxS = bySize;
        this.why = `${seconds(bySize)}, the most a ${this.inputBytes}-byte input may decode to (${l.minInputBytesPerSecond} B/s)`;
      }
    }
    this.maxFrames = Math.floor(maxS * d.sampleRateHz);
    // A header claiming more bytes than the input has is a truncated (or lying) file: decoding what is
    // there finds that, and says so, without the claim costing anything.
    const honest = this.inputBytes === undefined || d.declaredBytes === undefined || d.declaredBytes <= this.inputBytes;
    if (honest && d.declaredFrames !== undefined && d.declaredFrames > this.maxFrames) {
      throw this.tooLong(`declares ${seconds(d.declaredFrames / d.sampleRateHz)}`);
    }
  }

  /** Counts `frames` more source frames; throws ERR_AUDIO_TOO_LONG past the limit. */
  consume(frames: number): void {
    if (this.rateHz === 0) throw new EarshotError('ERR_INVALID_STATE', 'AudioBudget.consume() before admit()');
    this.frames += frames;
    if (this.frames > this.maxFrames) throw this.tooLong(`is longer than ${seconds(this.maxFrames / this.rateHz)}`);
  }

  /** Source frames consumed so far. */
  get framesConsumed(): number {
    return this.frames;
  }

  private tooLong(what: string): EarshotError {
    return new EarshotError('ERR_AUDIO_TOO_LONG', `${this.label} ${what}; the limit is ${this.why}`);
  }
}
