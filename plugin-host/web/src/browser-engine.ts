/**
 * Browser mode: the engine's analysis without a server. Mono PCM at 22,050 Hz → log-mel in TypeScript
 * (src/dsp/js, the same numbers as the native front end) → the engine's own window cutting
 * (src/engine/window-scheduler.ts) → the bundle's CNN in onnxruntime-web → float64 running mean of the
 * window predictions → cosine suggestions and tags. Emits the same `window` / `final` events as a stream.
 */
import { SameTrackMemory } from '../../../src/catalog/same-track';
import { MelStreamJs } from '../../../src/dsp/js/mel';
import { hopFrames } from '../../../src/engine/hop-frames';
import { FrameBuffer, WindowScheduler } from '../../../src/engine/window-scheduler';
import type { WindowEvent } from '../../../src/protocol';
import { loadOrt, type Ort, type OrtSession } from './ort-loader';
import { WebBundle } from './web-bundle';

export interface BrowserEngineOptions {
  bundleUrl: string;
  /** Where ort.wasm.min.js, ort-wasm-simd-threaded.mjs and .wasm are served. */
  ortUrl: string;
}

export interface AnalysisSettings {
  /** Seconds between windows, rounded as a stream's `hop` is (whole trunk strides with a streaming pair: 1 s → 40 frames). Default 1. */
  hopS?: number;
  k?: number;
  tags?: number;
  /** Only songs with a uri are suggested (as the stream parameter `playable`). */
  playable?: boolean;
  /** The playing track's catalogue id or uri (e.g. the media element's src): never suggested. */
  track?: string;
}

export interface BrowserTiming {
  windows: number;
  /** ONNX Runtime time per window (ms), mean. */
  inferenceMsPerWindow: number;
  /** Log-mel time per window's worth of audio (hop frames) (ms), mean. */
  melMsPerWindow: number;
}

export class BrowserEngine {
  private constructor(
    readonly bundle: WebBundle,
    private readonly ort: Ort,
    private readonly session: OrtSession,
  ) {}

  static async load(o: BrowserEngineOptions): Promise<BrowserEngine> {
    const [bundle, ort] = await Promise.all([WebBundle.load(o.bundleUrl), loadOrt(o.ortUrl)]);
    const session = await ort.InferenceSession.create(bundle.modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    return new BrowserEngine(bundle, ort, session);
  }

  /** Factors [F] of one window of `frames` x 128 dB values. */
  async predict(mel: Float32Array, frames: number): Promise<Float32Array> {
    const bands = this.bundle.manifest.mel.nMels;
    const input = new this.ort.Tensor('float32', mel, [1, frames, bands]);
    const out = await this.session.run({ [this.session.inputNames[0]]: input });
    return out[this.session.outputNames[0]].data;
  }

  stream(settings: AnalysisSettings, onEvent: (e: WindowEvent) => void): BrowserStream {
    return new BrowserStream(this, settings, onEvent);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** One track's analysis, fed live (push) or whole (push once, then finalize). */
export class BrowserStream {
  readonly hopFrames: number;
  private readonly mel: MelStreamJs;
  private readonly frames: FrameBuffer;
  private readonly scheduler: WindowScheduler;
  private readonly frameS: number;
  private sum: Float64Array;
  private count = 0;
  private seq = 0;
  /** Windows run one after another, in order: each link of this chain is one window's inference. */
  private chain: Promise<void> = Promise.resolve();
  private finished = false;
  private inferMs = 0;
  private melMs = 0;
  /** Rows of the playing track by name, and those its factors were taken for (the engine's EngineStream does the same). */
  private track: Set<number>;
  private readonly sameTrack = new SameTrackMemory();

  constructor(private readonly engine: BrowserEngine, private readonly settings: AnalysisSettings, private readonly onEvent: (e: WindowEvent) => void) {
    const m = engine.bundle.manifest;
    this.frameS = m.mel.hopSamples / m.mel.sampleRateHz;
    // The engine's rule (src/engine/hop-frames.ts): with a streaming pair in the bundle the hop is whole
    // trunk strides (1 s → 40 frames), so the page cuts the same windows as a stream or `earshot analyze`.
    this.hopFrames = hopFrames(settings.hopS ?? 1, this.frameS, m.stream?.strideFrames ?? 1, m.windowFrames);
    this.mel = new MelStreamJs(m.mel);
    this.frames = new FrameBuffer(m.mel.nMels, m.windowFrames * 2);
    this.scheduler = new WindowScheduler(m.windowFrames, this.hopFrames, engine.bundle.minFrames);
    this.sum = new Float64Array(m.factors);
    this.track = this.rowsOf(settings.track);
  }

  private rowsOf(track: string | undefined): Set<number> {
    return new Set(track === undefined || track === '' ? [] : this.engine.bundle.rowsOf(track));
  }

  get timing(): BrowserTiming {
    const n = Math.max(1, this.count);
    return { windows: this.count, inferenceMsPerWindow: this.inferMs / n, melMsPerWindow: this.melMs / n };
  }

  /** Mono samples at the bundle's rate (22,050 Hz). */
  push(samples: Float32Array): void {
    if (this.finished) throw new Error('BrowserStream: finalize() was called; reset() before pushing');
    const t0 = performance.now();
    this.frames.append(this.mel.push(samples));
    this.melMs += performance.now() - t0;
    this.cut(false);
  }

  /** End of the track: the tail window, then resolves with the `final` event once every window is in the mean. */
  finalize(): Promise<WindowEvent> {
    if (!this.finished) {
      if (this.mel.samplesPushed > 0) this.frames.append(this.mel.flush());
      this.finished = true;
      this.cut(true);
    }
    return this.chain.then(() => {
      const e = this.event('final');
      this.onEvent(e);
      return e;
    });
  }

  /** A new track starts (`track`: its id or uri, if known): audio, windows and the running mean start over (after pending windows finish). */
  reset(track?: string): void {
    this.mel.reset();
    this.frames.reset();
    this.scheduler.reset();
    this.finished = false;
    const rows = this.rowsOf(track);
    this.chain = this.chain.then(() => {
      this.sum = new Float64Array(this.sum.length);
      this.count = 0;
      this.seq = 0;
      this.track = rows;
      this.sameTrack.clear();
    });
  }

  private cut(final: boolean): void {
    const total = this.frames.totalFrames;
    const spans = this.scheduler.ready(total);
    if (final) {
      const tail = this.scheduler.finish(total);
      if (tail) spans.push(tail);
    }
    for (const w of spans) {
      const mel = this.frames.copy(w.start, w.frames);
      const tStart = w.start * this.frameS, tEnd = (w.start + w.frames) * this.frameS;
      this.chain = this.chain.then(async () => {
        const t0 = performance.now();
        const y = await this.engine.predict(mel, w.frames);
        this.inferMs += performance.now() - t0;
        for (let j = 0; j < this.sum.length; j++) this.sum[j] += y[j];
        this.count++;
        if (!final) this.onEvent(this.event('window', tStart, tEnd));
      });
    }
    // Keep what the next regular window or a tail window (the last windowFrames frames) may need.
    if (!final) this.frames.trimBefore(Math.min(this.scheduler.neededFrom, total - this.engine.bundle.manifest.windowFrames));
  }

  private event(type: 'window' | 'final', tStart = 0, tEnd = this.mel.samplesPushed / this.engine.bundle.manifest.mel.sampleRateHz): WindowEvent {
    const mean = Float32Array.from(this.sum, (s) => (this.count > 0 ? s / this.count : 0));
    const any = this.count > 0;
    return {
      type,
      seq: this.seq++,
      t_start: Math.round(tStart * 1e6) / 1e6,
      t_end: Math.round(tEnd * 1e6) / 1e6,
      windows: this.count,
      dropped: 0,
      suggestions: any ? this.engine.bundle.suggest(mean, this.settings.k ?? 10, { exclude: this.track, sameTrack: this.sameTrack, playable: this.settings.playable }) : [],
      tags: any ? this.engine.bundle.tags(mean, this.settings.tags ?? 5) : [],
      factors: Array.from(mean),
    };
  }
}
