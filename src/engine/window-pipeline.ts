/**
 * One stream's audio path: mono PCM at the client's rate → earshot's resampler → native MelStream →
 * WindowScheduler → 3-s mel windows ready for the CNN. The same object analyses a whole file offline
 * (push everything, then finalize), which is why streaming and offline results are equal.
 */
import { StreamResampler } from '../audio/resample';
import { MelStream } from '../dsp/mel';
import type { MelOptions } from '../dsp/mel-options';
import { hopFrames } from './hop-frames';
import { FrameBuffer, WindowScheduler } from './window-scheduler';

export interface MelWindow {
  /** Window number since the last reset, from 0. */
  seq: number;
  start: number;
  frames: number;
  /**
   * frames × bands log-mel, row-major: a copy the caller owns. A consumer done with it may hand it back
   * with recycleWindow(), which empties this field; the array is then another window's.
   */
  mel: Float32Array;
  /** Centre of the first frame and the end of the audio the window depends on (s since the last reset). */
  tStartS: number;
  tEndS: number;
  /** Came from finalize (the tail window). */
  final: boolean;
}

/**
 * Window arrays handed back by their consumers, by length, for the next windows cut: a live server cuts
 * one 66-KB window per stream per second, and that much fresh ArrayBuffer memory (33 MB/s at 500
 * streams) is what makes V8 run most of its full collections. At most POOL_MAX per length (4 MB at 130 × 128).
 */
const POOL_MAX = 64;
const windowPool = new Map<number, Float32Array[]>();
const EMPTY = new Float32Array(0);

/**
 * `w.mel` is no longer needed (its values went into a batch, or the window was dropped): its array is
 * reused for a later window of any stream. Only for a window whose array nobody else reads; twice is harmless.
 */
export function recycleWindow(w: MelWindow): void {
  const mel = w.mel;
  if (mel.length === 0) return;
  w.mel = EMPTY;
  let free = windowPool.get(mel.length);
  if (!free) windowPool.set(mel.length, (free = []));
  if (free.length < POOL_MAX) free.push(mel);
}

export interface WindowPipelineOptions {
  mel: MelOptions & { sampleRateHz: number; hopSamples: number; nMels: number };
  /** The client's sample rate (Hz); resampled to mel.sampleRateHz when different. */
  inputRateHz: number;
  windowFrames: number;
  hopFrames: number;
  minFrames: number;
  /** Hops set later (setHopS) are multiples of this many frames (./hop-frames.ts; default 1). */
  hopStrideFrames?: number;
}

export class WindowPipeline {
  private readonly resampler: StreamResampler | null;
  private readonly mel: MelStream;
  private readonly buffer: FrameBuffer;
  private readonly scheduler: WindowScheduler;
  private seq = 0;
  private finished = false;
  private disposed = false;
  private audioSAtDispose = 0;
  /** Seconds per mel frame (hop / sample rate). */
  readonly frameS: number;
  /** Sees every log-mel frame as it is computed (frames × bands; a view, valid during the call): the track-change detector listens here. */
  onFrames: ((frames: Float32Array) => void) | null = null;

  constructor(private readonly o: WindowPipelineOptions) {
    this.resampler = o.inputRateHz === o.mel.sampleRateHz ? null : new StreamResampler(o.inputRateHz, o.mel.sampleRateHz);
    // MelStream's own history ring is not used: windows are cut from FrameBuffer, which keeps every frame a
    // pending window may still need, however many frames one push completes.
    this.mel = new MelStream({ ...o.mel, historyFrames: 1 });
    this.buffer = new FrameBuffer(o.mel.nMels, o.windowFrames * 2);
    this.scheduler = new WindowScheduler(o.windowFrames, o.hopFrames, o.minFrames);
    this.frameS = o.mel.hopSamples / o.mel.sampleRateHz;
  }

  get hopFrames(): number {
    return this.scheduler.hopFrames;
  }

  /** Seconds between windows (whole frames). */
  get hopS(): number {
    return this.scheduler.hopFrames * this.frameS;
  }

  get windowS(): number {
    return this.o.windowFrames * this.frameS;
  }

  get bands(): number {
    return this.o.mel.nMels;
  }

  /** Mel frames computed since the last reset. */
  get frames(): number {
    return this.buffer.totalFrames;
  }

  /** Seconds of audio (at the analysis rate) pushed since the last reset. */
  get audioS(): number {
    if (this.disposed) return this.audioSAtDispose;
    return this.mel.samplesPushed / this.o.mel.sampleRateHz;
  }

  /**
   * Frees the native mel and resampler state now (a closed stream's ≈ 70 KB would otherwise wait for a
   * garbage collection that native memory does not trigger). The pipeline then stays inert: push and
   * finalize return no windows, reset does nothing — a closed stream's late messages cannot revive it.
   */
  dispose(): void {
    if (this.disposed) return;
    this.audioSAtDispose = this.audioS;
    this.disposed = true;
    this.mel.dispose();
    this.resampler?.dispose();
  }

  /** Changes the hop from the next window on (frames: round(hopS / frame step), at least 1, in whole hopStrideFrames). */
  setHopS(hopS: number): void {
    this.scheduler.setHopFrames(hopFrames(hopS, this.frameS, this.o.hopStrideFrames ?? 1, this.o.windowFrames));
  }

  /** Appends mono samples at inputRateHz; returns the windows they completed. */
  push(samples: Float32Array): MelWindow[] {
    if (this.disposed) return [];
    if (this.finished) throw new Error('WindowPipeline: finalize() was called; reset() before pushing');
    // A view of the resampler's reused output, mel frames written in place: no array per push (~50 a second per live stream).
    const x = this.resampler ? this.resampler.processView(samples) : samples;
    if (x.length > 0) this.pushFrames(x);
    return this.collect(false);
  }

  /** End of the audio: flushes resampler and mel, returns the remaining regular windows and the tail window. */
  finalize(): MelWindow[] {
    if (this.finished || this.disposed) return [];
    if (this.resampler) {
      const tail = this.resampler.flush();
      if (tail.length > 0) this.append(this.mel.push(tail));
    }
    // MelStream with center=true has emitted nothing for zero samples; flush() then emits the padded frames.
    if (this.mel.samplesPushed > 0) this.append(this.mel.flush());
    this.finished = true;
    return this.collect(true);
  }

  reset(): void {
    if (this.disposed) return;
    this.resampler?.reset();
    this.mel.reset();
    this.buffer.reset();
    this.scheduler.reset();
    this.seq = 0;
    this.finished = false;
  }

  /** The mel frames `x` completes, computed straight into the frame buffer. */
  private pushFrames(x: Float32Array): void {
    const at = this.buffer.reserve(this.mel.maxFramesFor(x.length));
    const n = this.mel.pushInto(x, this.buffer.storage, at);
    this.buffer.commit(n);
    if (n > 0 && this.onFrames) this.onFrames(this.buffer.storage.subarray(at, at + n * this.o.mel.nMels));
  }

  private append(frames: Float32Array): void {
    this.buffer.append(frames);
    if (frames.length > 0) this.onFrames?.(frames);
  }

  private window(start: number, frames: number, final: boolean): MelWindow {
    return {
      seq: this.seq++,
      start,
      frames,
      mel: this.buffer.copy(start, frames, windowPool.get(frames * this.o.mel.nMels)?.pop()),
      tStartS: start * this.frameS,
      tEndS: (start + frames) * this.frameS,
      final,
    };
  }

  private collect(final: boolean): MelWindow[] {
    const total = this.buffer.totalFrames;
    const out = this.scheduler.ready(total).map((w) => this.window(w.start, w.frames, false));
    if (final) {
      const tail = this.scheduler.finish(total);
      if (tail) out.push(this.window(tail.start, tail.frames, true));
    } else {
      // Keep what the next regular window or a tail window (the last windowFrames frames) may need.
      this.buffer.trimBefore(Math.min(this.scheduler.neededFrom, total - this.o.windowFrames));
    }
    return out;
  }
}
