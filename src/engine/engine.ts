/**
 * The realtime engine: one loaded bundle (model, catalogue, tags), the micro-batcher every stream's
 * windows go through, and the streams themselves. Offline analysis (`earshot analyze`, POST
 * /v1/analyze) cuts windows with the same WindowPipeline, so it agrees with a stream of the same audio.
 */
import * as path from 'node:path';
import { EarshotError } from '../errors';
import { melOptionsFromConfig } from '../dsp/mel-options';
import { nativeAddon } from '../native/addon';
import { loadBundle, type Bundle } from '../model/bundle';
import { bundleCatalogSource, userCatalogSource, type CatalogSource } from '../model/catalog-source';
import type { FactorModelOptions } from '../model/onnx-factor-model';
import type { Suggestion, TagScore } from '../protocol/events';
import { STREAM_QUERY } from '../protocol/query';
import type { AudioInputLimits } from '../audio/input-limits';
import { AnalysisPool, type AnalysisPoolOptions, type AnalysisTicket } from './analysis-pool';
import { EngineStats } from './engine-stats';
import { MemoryTrimmer } from './memory-trim';
import { InferenceThread } from './inference-thread';
import { EngineStream, type StreamSettings, type StreamSink } from './engine-stream';
import { hopFrames } from './hop-frames';
import { BATCHER_DEFAULTS, MicroBatcher, type BatcherOptions, type StreamRelease, type WindowRunner } from './micro-batcher';
import { StreamTrunk } from './stream-trunk';
import { Recommender } from './recommender';
import { WindowMean } from './window-mean';
import { WindowPipeline, type WindowPipelineOptions } from './window-pipeline';

export interface EngineOptions {
  bundleDir: string;
  /**
   * A user catalogue (src/model/user-catalog.ts) to suggest from instead of the bundle's own songs;
   * it must have been made for the bundle's model (ERR_INVALID_ARGUMENT otherwise). Songs added are saved there.
   */
  catalogDir?: string;
  batcher?: Partial<BatcherOptions>;
  model?: FactorModelOptions;
  /**
   * Where stream windows run through the CNN: 'worker' (default), a worker thread with its own ONNX
   * Runtime session, so inference never blocks the event loop and a second core is used; or 'main'.
   */
  inferenceThread?: 'worker' | 'main';
  /**
   * How stream windows run through the CNN: 'stream', the bundle's streaming pair (trunk once per stream,
   * head per window: ./stream-trunk.ts; a bundle without one is refused), or 'window', the whole-window
   * model for every window. Default: 'stream' when the bundle has the pair, else 'window'. A pair that is
   * named but broken (missing file, wrong SHA-256, another model's) is refused with ERR_MODEL_FORMAT
   * rather than served on the slower path unnoticed; 'window' serves such a bundle.
   */
  cnnPath?: CnnPath;
  /** Worker threads, queue and time limit for uploads (analyzeUpload). */
  analysis?: Partial<AnalysisPoolOptions>;
  /** Bounds on uploaded audio (analyzeUpload); default AUDIO_INPUT_DEFAULTS. */
  inputLimits?: Partial<AudioInputLimits>;
  log?: (line: string) => void;
}

export type CnnPath = 'stream' | 'window';

export interface AnalyzeOptions {
  hopS?: number;
  k?: number;
  tags?: number;
  /** Catalogue row excluded from the suggestions (the analysed song itself, when it is in the catalogue). */
  exclude?: number;
}

export interface AnalysisResult {
  factors: Float32Array;
  windows: number;
  durationS: number;
  suggestions: Suggestion[];
  tags: TagScore[];
  /**
   * The catalogue song taken for this clip itself by its factors (cosine ≥ SAME_TRACK_COSINE,
   * src/catalog/same-track.ts) and therefore not among the suggestions; null when none.
   */
  sameTrack: Suggestion | null;
}

export class Engine {
  readonly stats = new EngineStats();
  readonly batcher: MicroBatcher;
  readonly streams = new Set<EngineStream>();
  /** Uploads are analysed here, off the event loop (analyzeUpload). */
  readonly analysisPool: AnalysisPool;
  /** Returns closed streams' freed native memory to the OS after bursts. */
  readonly memory = new MemoryTrimmer(() => this.streams.size);
  private current: Recommender;
  /** Bumped by each reload (a new bundle). */
  generation = 1;

  private constructor(
    bundle: Bundle,
    songs: CatalogSource,
    private thread: InferenceThread | null,
    private readonly options: EngineOptions,
  ) {
    this.current = new Recommender(bundle, songs);
    this.analysisPool = new AnalysisPool(options.analysis);
    const batcherOptions = { ...BATCHER_DEFAULTS, ...options.batcher };
    const r = Engine.runnerFor(bundle, thread);
    this.batcher = new MicroBatcher(r.run, bundle.manifest.factors, batcherOptions, this.stats, r.release);
  }

  /** The batcher's runner: the worker thread's, or on this thread the streaming trunk or the whole-window model. */
  private static runnerFor(bundle: Bundle, thread: InferenceThread | null): { run: WindowRunner; release?: StreamRelease } {
    if (thread) return { run: thread.run, release: thread.release };
    if (!bundle.stream) return { run: bundle.model.predictWindows };
    const trunk = new StreamTrunk(bundle.stream, bundle.model.predictWindows, bundle.manifest.windowFrames);
    return { run: trunk.run, release: trunk.release };
  }

  static async open(options: EngineOptions): Promise<Engine> {
    // Every stream needs the native mel and resampler: a server without them must not start (and then
    // fail on its first stream), so the addon is loaded now and ERR_NATIVE_UNAVAILABLE stops the start.
    nativeAddon();
    const bundle = await Engine.loadChecked(options.bundleDir, options);
    let thread: InferenceThread | null;
    let songs: CatalogSource;
    try {
      songs = Engine.songsFor(bundle, options);
      thread = await Engine.startThread(bundle, options);
    } catch (err) {
      await bundle.close();
      throw err;
    }
    return new Engine(bundle, songs, thread, options);
  }

  /** The songs to suggest from: the user catalogue when one is given (checked against the model), else the bundle's. */
  private static songsFor(bundle: Bundle, options: EngineOptions): CatalogSource {
    return options.catalogDir === undefined ? bundleCatalogSource(bundle) : userCatalogSource(options.catalogDir, bundle);
  }

  private static async startThread(bundle: Bundle, options: EngineOptions): Promise<InferenceThread | null> {
    if (options.inferenceThread === 'main') return null;
    const m = bundle.manifest;
    const pair = bundle.stream && m.stream ? { dir: bundle.dir, entry: m.stream, windowFrames: m.windowFrames } : null;
    return InferenceThread.start(path.join(bundle.dir, m.files.model), options.model ?? {}, bundle.model.predictWindows, options.log, pair);
  }

  /** Which CNN path stream windows take (EngineOptions.cnnPath): reported by /metrics and the startup line. */
  get cnnPath(): CnnPath {
    return this.bundle.stream ? 'stream' : 'window';
  }

  get bundle(): Bundle {
    return this.current.bundle;
  }

  get recommender(): Recommender {
    return this.current;
  }

  get factors(): number {
    return this.current.factors;
  }

  /**
   * The model's name for clients (health, begin and reload events): the bundle directory's base name,
   * never its path (unauthenticated /healthz must not reveal the server's file layout). The full
   * directory, for local logs, is `bundle.dir`.
   */
  get modelName(): string {
    return path.basename(path.resolve(this.bundle.dir));
  }

  private pipelineOptions(inputRateHz: number, hopS: number): WindowPipelineOptions {
    const m = this.bundle.manifest;
    const frameS = m.mel.hopSamples / m.mel.sampleRateHz;
    return {
      mel: { ...melOptionsFromConfig(m.mel), sampleRateHz: m.mel.sampleRateHz, hopSamples: m.mel.hopSamples, nMels: m.mel.nMels },
      inputRateHz,
      windowFrames: m.windowFrames,
      // Hops in whole trunk strides when the bundle has a streaming pair, whichever path runs, so that the
      // window path (the benchmark's baseline) cuts the same windows.
      hopFrames: hopFrames(hopS, frameS, m.stream?.strideFrames ?? 1, m.windowFrames),
      hopStrideFrames: m.stream?.strideFrames ?? 1,
      minFrames: this.bundle.model.minFrames,
    };
  }

  createPipeline(inputRateHz: number, hopS: number): WindowPipeline {
    return new WindowPipeline(this.pipelineOptions(inputRateHz, hopS));
  }

  createStream(settings: StreamSettings, sink: StreamSink): EngineStream {
    const s = new EngineStream(this, { ...settings }, sink);
    this.streams.add(s);
    return s;
  }

  closeStream(s: EngineStream): void {
    s.close();
    this.streams.delete(s);
    this.memory.noteClosed();
  }

  /** The default analysis hop: one window length (non-overlapping windows, as the paper's clip mean). */
  get defaultAnalysisHopS(): number {
    const m = this.bundle.manifest;
    return m.windowFrames * (m.mel.hopSamples / m.mel.sampleRateHz);
  }

  /** The WindowPipeline settings `analyze` uses for input at `rateHz` (also sent to the analysis workers). */
  analysisPipelineOptions(rateHz: number, hopS: number = this.defaultAnalysisHopS): WindowPipelineOptions {
    return this.pipelineOptions(rateHz, hopS);
  }

  /** Whole-clip analysis: mono samples at `rateHz` → the mean prediction of the same windows a stream would cut. */
  async analyze(samples: Float32Array, rateHz: number, o: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const rec = this.current;
    const pipeline = this.createPipeline(rateHz, o.hopS ?? this.defaultAnalysisHopS);
    const mean = new WindowMean(rec.bundle.model.predictWindows, rec.factors);
    try {
      await mean.add(pipeline.push(samples));
      await mean.add(pipeline.finalize());
    } finally {
      pipeline.dispose();
    }
    const windows = mean.windows;
    return this.answer(await mean.mean(), windows, samples.length / rateHz, o, rec);
  }

  /**
   * An encoded upload (WAV or anything ffmpeg reads) → the same answer as `analyze`, computed on an
   * analysis worker thread. Take the ticket (analysisPool.reserve(): ERR_BUSY when full) before reading
   * the body. Errors: the input limits' ERR_AUDIO_FORMAT / ERR_AUDIO_TOO_LONG, the decoders' codes, ERR_TIMEOUT.
   */
  async analyzeUpload(ticket: AnalysisTicket, bytes: Uint8Array, o: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const rec = this.current;
    const b = rec.bundle;
    const rate = b.manifest.mel.sampleRateHz;
    const r = await ticket.run({
      bytes,
      model: { path: path.join(b.dir, b.manifest.files.model), key: `${b.dir}#${this.generation}`, options: this.options.model ?? {} },
      pipeline: this.analysisPipelineOptions(rate, o.hopS ?? this.defaultAnalysisHopS),
      limits: { ...this.options.inputLimits },
    });
    // A reload during the analysis: the factors are the old model's, so answer from the old catalogue.
    return this.answer(r.factors, r.windows, r.durationS, o, rec);
  }

  /** Suggestions and tags for a clip's mean factors (from `analyze` or an analysis worker). */
  answer(factors: Float32Array, windows: number, durationS: number, o: AnalyzeOptions = {}, rec: Recommender = this.current): AnalysisResult {
    const exclude = new Set<number>(o.exclude !== undefined && o.exclude >= 0 ? [o.exclude] : []);
    const any = windows > 0;
    let sameTrack: Suggestion | null = null;
    const onSameTrack = (m: { row: number; cosine: number }): void => {
      sameTrack = rec.suggestion(m.row, m.cosine);
    };
    return {
      factors,
      windows,
      durationS,
      suggestions: any ? rec.suggest(factors, o.k ?? STREAM_QUERY.k.default, exclude, null, { onSameTrack }) : [],
      tags: any ? rec.tags(factors, o.tags ?? STREAM_QUERY.tags.default) : [],
      sameTrack,
    };
  }

  /**
   * Hot reload: loads `dir` (default: the current bundle's directory again) while the old bundle keeps
   * serving; then swaps. Streams continue; their running means restart in the new factor space (and
   * their audio pipeline too if the mel front end changed). A bundle that fails to load changes nothing.
   */
  async reload(dir: string = this.bundle.dir): Promise<void> {
    const next = await Engine.loadChecked(dir, this.options);
    let thread: InferenceThread | null;
    let songs: CatalogSource;
    try {
      songs = Engine.songsFor(next, this.options); // a retrained model refuses a catalogue of the old one's factors
      thread = await Engine.startThread(next, this.options);
    } catch (err) {
      await next.close();
      throw err;
    }
    const old = this.current;
    const oldThread = this.thread;
    this.thread = thread;
    const frontEnd = (b: Bundle): string => JSON.stringify([b.manifest.mel, b.manifest.windowFrames, b.model.minFrames]);
    const changed = frontEnd(old.bundle) !== frontEnd(next);
    this.current = new Recommender(next, songs);
    this.generation++;
    const r = Engine.runnerFor(next, thread);
    this.batcher.setRunner(r.run, next.manifest.factors, r.release);
    for (const s of this.streams) s.modelChanged(changed);
    // Batches already running on the old session finish first; their results are ignored (stale generation).
    await this.batcher.idle();
    await oldThread?.close();
    await old.bundle.close();
  }

  private static async loadChecked(dir: string, options: Pick<EngineOptions, 'model' | 'cnnPath'>): Promise<Bundle> {
    const b = await loadBundle(dir, options.model, options.cnnPath === 'window' ? 'ignore' : 'load');
    if (b.model.inputKind !== 'mel') {
      await b.close();
      throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: the engine needs a mel-input model`);
    }
    if (options.cnnPath === 'stream' && !b.stream) {
      await b.close();
      throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: the stream CNN path needs a streaming pair, and manifest.json names none (add one: earshot-train stream-pair --bundle ${dir})`);
    }
    return b;
  }

  async close(): Promise<void> {
    await this.analysisPool.close();
    this.memory.stop();
    for (const s of this.streams) s.close();
    this.streams.clear();
    await this.batcher.idle();
    await this.thread?.close();
    await this.bundle.close();
  }
}
