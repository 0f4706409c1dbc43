/**
 * Log-mel spectrograms, batch and streaming, computed by the native kernels.
 * Layout everywhere: frames x bands, row-major (the transpose of librosa's bands x frames).
 */
import { EarshotError } from '../errors';
import { resolveMelOptions, type MelOptions } from './mel-options';
import { mapNativeError, nativeAddon, type NativeMelConfig, type NativeMelStream } from '../native/addon';

export interface Spectrogram {
  /** frames x bands, row-major. */
  data: Float32Array;
  frames: number;
  bands: number;
  /** Seconds between frame centres (hop / sample rate). */
  frameStepS: number;
}

function checkSamples(samples: Float32Array): void {
  if (!(samples instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
  if (samples.length === 0) throw new EarshotError('ERR_AUDIO_EMPTY', 'no audio samples: the input is empty');
}

function wrap(cfg: NativeMelConfig, data: Float32Array): Spectrogram {
  return { data, frames: data.length / cfg.nMels, bands: cfg.nMels, frameStepS: cfg.hopSamples / cfg.sampleRateHz };
}

/**
 * Whole signal -> spectrogram, on the calling thread (≈1.4 µs per frame: fine for clips). The result
 * must fit one Float32Array (frames × bands ≤ 2^32 − 1), else ERR_INVALID_ARGUMENT before any work.
 */
export function computeMel(samples: Float32Array, options?: MelOptions): Spectrogram {
  checkSamples(samples);
  const cfg = resolveMelOptions(options);
  try {
    return wrap(cfg, nativeAddon().melBatch(samples, cfg));
  } catch (err) {
    mapNativeError(err);
  }
}

/** Same as computeMel on libuv's thread pool: long recordings never block the event loop. */
export async function computeMelAsync(samples: Float32Array, options?: MelOptions): Promise<Spectrogram> {
  checkSamples(samples);
  const cfg = resolveMelOptions(options);
  try {
    return wrap(cfg, await nativeAddon().melBatchAsync(samples, cfg));
  } catch (err) {
    mapNativeError(err);
  }
}

/** The dense filterbank (nMels x (nFft/2 + 1), row-major, float64), as librosa.filters.mel returns it. */
export function melFilterbank(options?: MelOptions): { weights: Float64Array; bands: number; bins: number } {
  const cfg = resolveMelOptions(options);
  try {
    return { weights: nativeAddon().melFilterbank(cfg), bands: cfg.nMels, bins: cfg.nFft / 2 + 1 };
  } catch (err) {
    mapNativeError(err);
  }
}

export interface MelStreamOptions extends MelOptions {
  /**
   * Frames kept for lastFrames(), 1..65,536 (default 130 ≈ 3.0 s at hop 512 / 22,050 Hz: the CNN's window),
   * with historyFrames × nMels ≤ 8,388,608 (65,536 frames of 128 bands: the ring is 64 MiB at most).
   */
  historyFrames?: number;
}

/**
 * Streaming log-mel. push() PCM chunks of any length and get the frames they complete.
 *
 * Relation to computeMel on the concatenated audio (tested bit for bit): with center=true the stream
 * starts with the same nFft/2 zeros as the batch padding, so stream frame t equals batch frame t as
 * soon as its window has arrived (t·hop + nFft/2 samples pushed); the batch's last frames reach into
 * the right-hand padding and only come out of flush(). push…push + flush == computeMel exactly.
 * topDb needs the whole signal and is refused.
 */
export class MelStream {
  readonly bands: number;
  readonly historyFrames: number;
  readonly frameStepS: number;
  private readonly hopSamples: number;
  private readonly native: NativeMelStream;
  /** Set by flush(), cleared by reset(): push() in between is refused with a coded error. */
  private flushed = false;
  private disposed = false;

  constructor(options: MelStreamOptions = {}) {
    const { historyFrames = 130, ...mel } = options;
    if (!Number.isInteger(historyFrames) || historyFrames < 1 || historyFrames > 65_536) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `historyFrames must be an integer in 1..65536, got ${String(historyFrames)}`);
    }
    const cfg = resolveMelOptions(mel);
    if (cfg.log === 'db' && cfg.topDb >= 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', 'log.topDb clips relative to the loudest frame of the whole signal, so a stream cannot apply it; use topDb: null');
    }
    const { MelStream: NativeStream } = nativeAddon();
    try {
      this.native = new NativeStream(cfg, historyFrames);
    } catch (err) {
      mapNativeError(err); // e.g. historyFrames x nMels over the ring cap: ERR_INVALID_ARGUMENT, not a bare RangeError
    }
    this.bands = cfg.nMels;
    this.historyFrames = historyFrames;
    this.frameStepS = cfg.hopSamples / cfg.sampleRateHz;
    this.hopSamples = cfg.hopSamples;
  }

  /** Appends mono samples; returns the frames they completed (frames x bands, a fresh array). */
  push(samples: Float32Array): Float32Array {
    if (!(samples instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
    this.live();
    // The addon refuses too, but with a plain Error that has no code (docs/errors.md: every error has one).
    if (this.flushed) throw new EarshotError('ERR_INVALID_ARGUMENT', 'MelStream was flushed; call reset() before pushing more audio');
    try {
      return this.native.push(samples);
    } catch (err) {
      mapNativeError(err);
    }
  }

  /**
   * push() without a new array: the frames go into `out` from element `offset` on, and the count is
   * returned. `out` must have room for the most a push of n samples completes, floor(n / hopSamples) + 1
   * frames (maxFramesFor); else ERR_INVALID_ARGUMENT and nothing is pushed. A live stream pushes ~50 times a
   * second, and a fresh typed array costs about as much as computing a frame (bench/README.md, engine).
   */
  pushInto(samples: Float32Array, out: Float32Array, offset: number): number {
    if (!(samples instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
    if (!(out instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'out must be a Float32Array');
    this.live();
    if (this.flushed) throw new EarshotError('ERR_INVALID_ARGUMENT', 'MelStream was flushed; call reset() before pushing more audio');
    try {
      return this.native.pushInto(samples, out, offset);
    } catch (err) {
      mapNativeError(err);
    }
  }

  /** The most frames a push of `samples` samples can complete: the room pushInto needs (frames, not values). */
  maxFramesFor(samples: number): number {
    return Math.floor(samples / this.hopSamples) + 1;
  }

  /** End of the audio: emits the trailing edge frames. push() then fails until reset(). */
  flush(): Float32Array {
    this.live();
    const out = this.native.flush();
    this.flushed = true;
    return out;
  }

  /** A new track starts: forgets all audio, frames and counters. */
  reset(): void {
    this.live();
    this.native.reset();
    this.flushed = false;
  }

  /**
   * Frees the native buffers now rather than when the garbage collector finds this object (it does not
   * see native memory, so thousands of closed streams could wait minutes). Every later call but
   * dispose() throws ERR_INVALID_STATE; views from lastFrames() stay valid.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }

  private live(): void {
    if (this.disposed) throw new EarshotError('ERR_INVALID_STATE', 'MelStream was disposed');
  }

  /**
   * The newest `count` frames, oldest first, as a view into the stream's ring (no copy): valid until
   * the next push/flush/reset. count ≤ min(historyFrames, framesEmitted).
   */
  lastFrames(count: number = this.historyFrames): Float32Array {
    if (!Number.isInteger(count) || count < 1 || count > this.historyFrames || count > this.framesEmitted) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `lastFrames(count): count must be an integer in 1..min(historyFrames=${this.historyFrames}, framesEmitted=${this.framesEmitted}), got ${String(count)}`);
    }
    return this.native.lastFrames(count);
  }

  get framesEmitted(): number {
    this.live();
    return this.native.framesEmitted;
  }

  get samplesPushed(): number {
    this.live();
    return this.native.samplesPushed;
  }
}
