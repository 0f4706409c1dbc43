/**
 * Sample-rate conversion to the feature rate (22,050 Hz by default) with the native streaming
 * resampler (native/dsp/resampler.h): a Kaiser-windowed sinc whose passband is flat (< 0.001 dB) to
 * 0.90 x the lower Nyquist and which attenuates everything from the lower Nyquist up by >= 99 dB
 * (design target 100 dB; measured figures in bench/resampler-quality.ts). Output sample j is the
 * band-limited input at time j / outRateHz exactly: no group delay, so features line up with the
 * source's timeline.
 */
import { EarshotError } from '../errors';
import { mapNativeError, nativeAddon, type NativeResampler, type NativeResamplerInfo } from '../native/addon';

export type { NativeResamplerInfo };

/** The rate the mel front end expects (librosa's default `sr`), in Hz. */
export const DEFAULT_TARGET_RATE_HZ = 22050;
/** Highest accepted rate, in Hz (768 kHz interfaces); the lowest is 1 Hz. */
export const MAX_RATE_HZ = 768000;


function checkRate(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_RATE_HZ) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `${name} must be an integer number of Hz in 1..${MAX_RATE_HZ}, got ${String(v)}`);
  }
  return v;
}

/**
 * Streaming converter: feed any chunking of a stream to process(), then flush() once; the
 * concatenated output is bit-identical to converting the whole stream at once and holds exactly
 * ceil(nIn * outRateHz / inRateHz) samples. Outputs lag the input by `info.halfWidth` input
 * samples (the filter's lookahead), which flush() releases. Not thread-safe; one per stream.
 */
export class StreamResampler {
  readonly inRateHz: number;
  readonly outRateHz: number;
  private readonly native: NativeResampler;
  private disposed = false;
  /** processView()'s reused output, and the view last returned. */
  private scratch = new Float32Array(0);
  private view = new Float32Array(0);

  /**
   * @param inRateHz  source rate, integer Hz in 1..768000
   * @param outRateHz target rate, integer Hz in 1..768000 (default 22,050)
   */
  constructor(inRateHz: number, outRateHz: number = DEFAULT_TARGET_RATE_HZ) {
    this.inRateHz = checkRate('inRateHz', inRateHz);
    this.outRateHz = checkRate('outRateHz', outRateHz);
    const Native = nativeAddon().Resampler;
    try {
      this.native = new Native(inRateHz, outRateHz);
    } catch (err) {
      mapNativeError(err);
    }
  }

  /** Converts the next chunk (mono, finite); returns the outputs it completes (possibly none). */
  process(samples: Float32Array): Float32Array {
    if (!(samples instanceof Float32Array)) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
    }
    this.live();
    try {
      return this.native.process(samples);
    } catch (err) {
      mapNativeError(err);
    }
  }

  /**
   * As process(), but the outputs are a view into a buffer this converter reuses: valid only until its
   * next call. For a caller that consumes them at once (a live stream hands them to the mel front end,
   * which copies), and saves an allocation per chunk.
   */
  processView(samples: Float32Array): Float32Array {
    if (!(samples instanceof Float32Array)) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
    }
    this.live();
    // The most one call can emit, from any position in the stream (native/dsp/resampler.h maxOutput).
    const room = Math.ceil((samples.length * this.outRateHz) / this.inRateHz) + 1;
    if (this.scratch.length < room) this.scratch = new Float32Array(Math.max(room, 2 * this.scratch.length));
    let n: number;
    try {
      n = this.native.processInto(samples, this.scratch);
    } catch (err) {
      mapNativeError(err);
    }
    if (this.view.length !== n || this.view.buffer !== this.scratch.buffer) this.view = this.scratch.subarray(0, n);
    return this.view;
  }

  /** Ends the stream (input treated as silence past its end) and returns the remaining outputs;
   *  the resampler then starts a new stream at time 0. */
  flush(): Float32Array {
    this.live();
    return this.native.flush();
  }

  /** Drops all history without emitting; the next sample is time 0 of a new stream. */
  reset(): void {
    this.live();
    this.native.reset();
  }

  /** Frees the native filter tables and history now (see MelStream.dispose); later calls throw ERR_INVALID_STATE. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }

  private live(): void {
    if (this.disposed) throw new EarshotError('ERR_INVALID_STATE', 'StreamResampler was disposed');
  }

  /** The filter design in use (taps, phases, Kaiser beta, band edges in Hz). */
  get info(): NativeResamplerInfo {
    this.live();
    return this.native.info;
  }
}

/**
 * One-shot conversion of a whole mono signal: ceil(samples.length * outRateHz / inRateHz)
 * samples. Equal rates return a copy. Runs on the calling thread (about 2,000x realtime for
 * 44.1 kHz -> 22.05 kHz, i.e. ~0.15 s for a 5-minute track).
 */
export function resample(samples: Float32Array, inRateHz: number, outRateHz: number = DEFAULT_TARGET_RATE_HZ): Float32Array {
  const r = new StreamResampler(inRateHz, outRateHz);
  const head = r.process(samples);
  const tail = r.flush();
  if (tail.length === 0) return head;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
