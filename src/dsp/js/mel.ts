/**
 * Log-mel spectrograms in pure TypeScript, batch and streaming: the same contract and the same numbers
 * (within float rounding, ~1e-5 dB) as the native src/dsp/mel.ts, for places without the native addon
 * (browsers: plugin-host/web). Layout: frames x bands, row-major. No Node APIs here.
 */
import { EarshotError } from '../../errors';
import type { Spectrogram } from '../mel';
import { resolveMelOptions, type MelOptions } from '../mel-options';
import { MelFrameJs, type MelConfig } from './mel-frame';

export type { Spectrogram } from '../mel';
export { MelFrameJs, type MelConfig } from './mel-frame';

/** Frames of a whole signal of n samples (librosa: center → 1 + n // hop; else 1 + (n − nFft) // hop). */
export function melFrameCount(cfg: MelConfig, n: number): number {
  if (cfg.center) return 1 + Math.floor(n / cfg.hopSamples);
  return n < cfg.nFft ? 0 : 1 + Math.floor((n - cfg.nFft) / cfg.hopSamples);
}

function checkSamples(samples: Float32Array): void {
  if (!(samples instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
  if (samples.length === 0) throw new EarshotError('ERR_AUDIO_EMPTY', 'no audio samples: the input is empty');
}

/** Accepts MelOptions or an already resolved config (a bundle manifest's `mel`), checked either way. */
function configOf(options: MelOptions | MelConfig | undefined): MelConfig {
  if (options && typeof (options as MelConfig).log === 'string') {
    const c = options as MelConfig;
    const log = c.log === 'db' ? { kind: 'db' as const, aminPower: c.aminPower, refPower: c.refPower, topDb: c.topDb < 0 ? null : c.topDb }
      : c.log === 'log1p' ? { kind: 'log1p' as const, scale: c.log1pScale } : { kind: 'power' as const };
    return resolveMelOptions({
      sampleRateHz: c.sampleRateHz, nFft: c.nFft, hopSamples: c.hopSamples, nMels: c.nMels, fminHz: c.fminHz,
      fmaxHz: c.fmaxHz < 0 ? null : c.fmaxHz, melScale: c.htk ? 'htk' : 'slaney', melNorm: c.slaneyNorm ? 'slaney' : 'none', center: c.center, log,
    });
  }
  return resolveMelOptions(options as MelOptions | undefined);
}

/** Whole signal → spectrogram (librosa.feature.melspectrogram + power_to_db, transposed). */
export function computeMelJs(samples: Float32Array, options?: MelOptions | MelConfig): Spectrogram {
  checkSamples(samples);
  const cfg = configOf(options);
  const proc = new MelFrameJs(cfg);
  const n = samples.length;
  const frames = melFrameCount(cfg, n);
  const out = new Float32Array(frames * cfg.nMels);
  const pad = cfg.center ? cfg.nFft / 2 : 0;
  // Frames inside the signal read it in place; only edge frames reaching into the zero padding are copied.
  const edge = new Float32Array(cfg.nFft);
  for (let f = 0; f < frames; f++) {
    const start = f * cfg.hopSamples - pad;
    if (start >= 0 && start + cfg.nFft <= n) {
      proc.frame(samples, start, out, f * cfg.nMels);
    } else {
      for (let i = 0; i < cfg.nFft; i++) {
        const j = start + i;
        edge[i] = j >= 0 && j < n ? samples[j] : 0;
      }
      proc.frame(edge, 0, out, f * cfg.nMels);
    }
  }
  if (cfg.log === 'db' && cfg.topDb >= 0 && out.length > 0) {
    let max = -Infinity;
    for (let i = 0; i < out.length; i++) if (out[i] > max) max = out[i];
    const floor = Math.fround(max - cfg.topDb);
    for (let i = 0; i < out.length; i++) if (out[i] < floor) out[i] = floor;
  }
  return { data: out, frames, bands: cfg.nMels, frameStepS: cfg.hopSamples / cfg.sampleRateHz };
}

/**
 * Streaming log-mel: push() PCM chunks of any length, get the frames they complete. Same relation to
 * computeMelJs as the native MelStream to computeMel: with center=true the stream starts with the
 * batch's nFft/2 zeros, so frame t comes out once t·hop + nFft/2 samples have been pushed, and flush()
 * appends the trailing nFft/2 zeros: push…push + flush equals the batch result bit for bit.
 */
export class MelStreamJs {
  readonly bands: number;
  readonly frameStepS: number;
  readonly config: MelConfig;
  private readonly proc: MelFrameJs;
  /** Samples of the next frame(s): buf[0] is the first sample of the next frame; filled ≤ nFft. */
  private readonly buf: Float32Array;
  private filled = 0;
  private flushed = false;
  private emitted = 0;
  private pushed = 0;

  constructor(options?: MelOptions | MelConfig) {
    const cfg = configOf(options);
    if (cfg.log === 'db' && cfg.topDb >= 0) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', 'log.topDb clips relative to the loudest frame of the whole signal, so a stream cannot apply it; use topDb: null');
    }
    this.config = cfg;
    this.proc = new MelFrameJs(cfg);
    this.buf = new Float32Array(cfg.nFft);
    this.bands = cfg.nMels;
    this.frameStepS = cfg.hopSamples / cfg.sampleRateHz;
    this.reset();
  }

  get framesEmitted(): number {
    return this.emitted;
  }

  get samplesPushed(): number {
    return this.pushed;
  }

  /** Appends mono samples; returns the frames they completed (frames x bands, a fresh array). */
  push(samples: Float32Array): Float32Array {
    if (!(samples instanceof Float32Array)) throw new EarshotError('ERR_INVALID_ARGUMENT', 'samples must be a Float32Array of mono PCM');
    if (this.flushed) throw new EarshotError('ERR_INVALID_ARGUMENT', 'MelStreamJs was flushed; call reset() before pushing more audio');
    this.pushed += samples.length;
    return this.consume(samples);
  }

  /** End of the audio: emits the frames that reach into the right-hand padding. push() then fails until reset(). */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    // Without any audio the batch has no frames either (it refuses empty input).
    if (this.pushed === 0 || !this.config.center) return new Float32Array(0);
    return this.consume(new Float32Array(this.config.nFft / 2));
  }

  /** A new track: forgets all audio and counters. */
  reset(): void {
    this.buf.fill(0);
    this.filled = this.config.center ? this.config.nFft / 2 : 0; // center: the batch's left zero padding
    this.flushed = false;
    this.emitted = 0;
    this.pushed = 0;
  }

  private consume(x: Float32Array): Float32Array {
    const { nFft, hopSamples: hop, nMels } = this.config;
    const total = this.filled + x.length;
    const count = total < nFft ? 0 : 1 + Math.floor((total - nFft) / hop);
    const out = new Float32Array(count * nMels);
    let read = 0;
    for (let f = 0; f < count; f++) {
      const take = nFft - this.filled;
      this.buf.set(x.subarray(read, read + take), this.filled);
      read += take;
      this.proc.frame(this.buf, 0, out, f * nMels);
      // Keep the nFft − hop samples the next frame shares with this one.
      this.buf.copyWithin(0, hop, nFft);
      this.filled = nFft - hop;
    }
    this.buf.set(x.subarray(read), this.filled);
    this.filled += x.length - read;
    this.emitted += count;
    return out;
  }
}
