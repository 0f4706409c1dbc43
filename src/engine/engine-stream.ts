/**
 * One live stream inside the engine: its audio pipeline, its place in the micro-batcher, and the
 * average of its window predictions (./stream-averager.ts: since the last reset or detected song
 * change, or over the last seconds), turned into window and track_change events. Knows
 * nothing about sockets: the server hands it decoded PCM and forwards what it emits.
 */
import { SameTrackMemory } from '../catalog/same-track';
import { EarshotError } from '../errors';
import { ProtocolError } from '../protocol/errors';
import { type MeanMode, meanLengthMisplaced, type SegmentMode, STREAM_QUERY } from '../protocol/query';
import type { ConfiguredEvent, ResetEvent, TrackChangeEvent, WindowEvent } from '../protocol/events';
import type { HistoryEntry } from '../protocol/messages';
import type { BatchClient, MicroBatcher } from './micro-batcher';
import type { Listener, Recommender } from './recommender';
import { type AveragingSettings, StreamAverager } from './stream-averager';
import { type MelWindow, recycleWindow, type WindowPipeline } from './window-pipeline';

/**
 * What a stream needs of its engine, and no more (Engine implements it and passes itself): the batcher
 * its windows queue in, the current model's recommender and factor count (both change on a reload), and
 * new pipelines. Typed here so that this module never imports the engine.
 */
export interface StreamHost {
  readonly batcher: Pick<MicroBatcher, 'submit' | 'cancel'>;
  readonly recommender: Pick<Recommender, 'suggest' | 'tags' | 'listener' | 'trackRows'>;
  readonly factors: number;
  createPipeline(inputRateHz: number, hopS: number): WindowPipeline;
}

export interface StreamSettings {
  inputRateHz: number;
  hopS: number;
  k: number;
  tags: number;
  factors: boolean;
  overflow: 'drop' | 'block';
  /** Only songs with a uri are suggested (default false). */
  playable?: boolean;
  /** How window predictions are averaged, and song-change detection (default: track, 20 s, off). */
  mean?: AveragingSettings['mean'];
  meanS?: number;
  segment?: AveragingSettings['segment'];
}

export interface StreamSink {
  event(e: WindowEvent): void;
  /** segment=auto: the music changed at e.t (before the window event whose average restarted). */
  trackChange?(e: TrackChangeEvent): void;
  /** Inference failed for a window (the stream goes on; the window is not in the mean). */
  error(err: Error): void;
  /** overflow=block: pause (true) / resume (false) reading the client's audio. */
  blocked(blocked: boolean): void;
}

export class EngineStream implements BatchClient {
  readonly overflow: 'drop' | 'block';
  private pipeline: WindowPipeline;
  /** The factor vector the events report: the chosen average, restarted by detected song changes. */
  private readonly average: StreamAverager;
  /** Bumped by reset and model reload: results queued under an older generation are ignored. */
  private generation = 0;
  private outstanding = 0;
  private droppedTotal = 0;
  private lastWindow: MelWindow | null = null;
  private finalizing: { resolve: (e: WindowEvent) => void } | null = null;
  /** Catalogue rows of the playing track as the client named it (reset.track, the URL's track). */
  private track: number[] = [];
  /** Rows taken for the playing track by their factors (src/catalog/same-track.ts), until it changes. */
  private readonly sameTrack = new SameTrackMemory();
  private listener: Listener | null = null;
  private closed = false;

  constructor(
    private readonly engine: StreamHost,
    private settings: StreamSettings,
    private readonly sink: StreamSink,
  ) {
    this.overflow = settings.overflow;
    this.pipeline = engine.createPipeline(settings.inputRateHz, settings.hopS);
    const p = this.pipeline;
    this.average = new StreamAverager(engine.factors, { bands: p.bands, frameS: p.frameS }, {
      mean: settings.mean ?? STREAM_QUERY.mean.default,
      meanS: settings.meanS ?? STREAM_QUERY.mean_s.default,
      segment: settings.segment ?? STREAM_QUERY.segment.default,
    });
    this.average.attach(p);
  }

  get hopS(): number {
    return this.pipeline.hopS;
  }

  get windowS(): number {
    return this.pipeline.windowS;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  get finalized(): boolean {
    return this.finalizing !== null;
  }

  /** Mono PCM at the client's rate. Refused (ERR_STREAM_FINALIZED) after finalize until reset: the track has ended. */
  push(mono: Float32Array): void {
    if (this.closed) return;
    if (this.finalizing) throw new EarshotError('ERR_STREAM_FINALIZED', 'the track was finalized; send {"type":"reset"} before more audio (this frame was ignored)');
    for (const w of this.pipeline.push(mono)) this.submit(w);
  }

  async configure(c: {
    hop?: number; k?: number; tags?: number; factors?: boolean; playable?: boolean; mean?: MeanMode; mean_s?: number; segment?: SegmentMode; history?: HistoryEntry[];
  }): Promise<{ event: ConfiguredEvent; unknown: string[] }> {
    // Checked before anything changes: the message is refused whole.
    if (c.mean_s !== undefined && (c.mean ?? this.average.mean) === 'track') throw new ProtocolError('bad_request', meanLengthMisplaced('configure.'));
    if (c.hop !== undefined) {
      this.settings.hopS = c.hop;
      this.pipeline.setHopS(c.hop);
    }
    if (c.k !== undefined) this.settings.k = c.k;
    if (c.tags !== undefined) this.settings.tags = c.tags;
    if (c.factors !== undefined) this.settings.factors = c.factors;
    if (c.playable !== undefined) this.settings.playable = c.playable;
    this.average.configure({ mean: c.mean, meanS: c.mean_s, segment: c.segment }, this.pipeline);
    let unknown: string[] = [];
    if (c.history !== undefined) {
      const r = await this.engine.recommender.listener(c.history);
      this.listener = r.listener;
      unknown = r.unknown;
    }
    const s = this.settings;
    const a = this.average;
    return {
      event: { type: 'configured', hop_s: round(this.pipeline.hopS), k: s.k, tags: s.tags, factors: s.factors, playable: s.playable ?? false, mean: a.mean, mean_s: a.meanS, segment: a.segment, history: this.listener?.known.size ?? 0 },
      unknown,
    };
  }

  /** A new track starts: forget audio and predictions. `track` (a catalogue id or uri) is then excluded from suggestions. */
  reset(track?: string): { event: ResetEvent; known: boolean } {
    this.engine.batcher.cancel(this);
    this.pipeline.reset();
    this.average.restart();
    this.restartMean();
    const known = this.setTrack(track);
    return { event: { type: 'reset', track: track ?? null }, known: track === undefined || known };
  }

  /**
   * What is playing, by a catalogue id or uri (undefined: unknown): its rows are excluded from the
   * suggestions, and what the factors took for it is forgotten. False when the name matches no song.
   */
  setTrack(track: string | undefined): boolean {
    this.track = track === undefined ? [] : this.engine.recommender.trackRows(track);
    this.sameTrack.clear();
    return this.track.length > 0;
  }

  /** End of the track: flushes the partial window; resolves with the `final` event once every window is in. */
  finalize(): Promise<WindowEvent> {
    if (this.finalizing) return Promise.resolve(this.snapshot('final'));
    return new Promise((resolve) => {
      this.finalizing = { resolve };
      for (const w of this.pipeline.finalize()) this.submit(w);
      this.settleFinal();
    });
  }

  /** The model changed (hot reload): predictions restart in the new factor space; audio continues when the front end is the same. */
  modelChanged(frontEndChanged: boolean): void {
    this.engine.batcher.cancel(this);
    if (frontEndChanged) {
      this.pipeline.dispose();
      this.pipeline = this.engine.createPipeline(this.settings.inputRateHz, this.settings.hopS);
    }
    this.average.modelChanged(this.engine.factors, { bands: this.pipeline.bands, frameS: this.pipeline.frameS }, this.pipeline, frontEndChanged);
    this.restartMean();
    this.listener = null;
    this.setTrack(undefined);
  }

  close(): void {
    this.closed = true;
    this.engine.batcher.cancel(this);
    // A finalize still waiting (e.g. server shutdown racing the client's close) answers with what is in.
    if (this.finalizing) {
      const f = this.finalizing;
      this.finalizing = { resolve: () => undefined };
      f.resolve(this.snapshot('final'));
    }
    this.pipeline.dispose(); // its native buffers now, not at some later garbage collection
  }

  // ---- BatchClient ----

  // The batcher copied each window's mel into its batch (or dropped it): the array goes back to the pool.

  onResult(window: MelWindow, factors: Float32Array, ticket: number): void {
    recycleWindow(window);
    if (this.closed || ticket !== this.generation) return;
    this.outstanding--;
    this.trackChanges(this.average.add(window, factors));
    this.lastWindow = window;
    // Regular windows completed by a finalize still get their event, before the final one.
    if (!window.final) this.sink.event(this.snapshot('window'));
    this.settleFinal();
  }

  onError(window: MelWindow, err: Error, ticket: number): void {
    recycleWindow(window);
    if (this.closed || ticket !== this.generation) return;
    this.outstanding--;
    this.sink.error(err);
    this.settleFinal();
  }

  onDropped(window: MelWindow): void {
    recycleWindow(window);
    this.droppedTotal++;
    this.outstanding--;
    this.settleFinal();
  }

  setBlocked(blocked: boolean): void {
    if (!this.closed) this.sink.blocked(blocked);
  }

  // ---- internals ----

  private submit(w: MelWindow): void {
    this.outstanding++;
    this.engine.batcher.submit(this, w, this.generation);
  }

  /** Results in flight are ignored from now on (the caller restarts the average its own way). */
  private restartMean(): void {
    this.generation++;
    this.outstanding = 0;
    this.lastWindow = null;
    this.finalizing = null;
  }

  /** Changes the detector found: told to the client before the window event whose average they restarted. */
  private trackChanges(times: number[]): void {
    for (const t of times) {
      this.sameTrack.clear(); // a new song: what was taken for the old one by its factors is not it
      this.sink.trackChange?.({ type: 'track_change', t: round(t) });
    }
  }

  private settleFinal(): void {
    if (!this.finalizing || this.outstanding > 0) return;
    this.trackChanges(this.average.finish(this.pipeline.audioS));
    const f = this.finalizing;
    // Stays set (finalized) until reset, so that a second finalize answers at once.
    f.resolve(this.snapshot('final'));
    this.finalizing = { resolve: () => undefined };
  }

  /** The running mean as a window event. */
  snapshot(type: 'window' | 'final'): WindowEvent {
    const mean = this.average.current();
    const count = this.average.count;
    const exclude = new Set<number>(this.track);
    const w = this.lastWindow;
    const rec = this.engine.recommender;
    const e: WindowEvent = {
      type,
      seq: w ? w.seq : -1,
      t_start: w ? round(w.tStartS) : 0,
      // A final event without any window (audio shorter than the model's minimum) reports the audio's length.
      t_end: w ? round(w.tEndS) : type === 'final' ? round(this.pipeline.audioS) : 0,
      windows: count,
      dropped: this.droppedTotal,
      suggestions: count > 0 ? rec.suggest(mean, this.settings.k, exclude, this.listener, { playable: this.settings.playable, sameTrack: this.sameTrack }) : [],
      tags: count > 0 ? rec.tags(mean, this.settings.tags) : [],
    };
    if (this.settings.factors) e.factors = Array.from(mean);
    return e;
  }
}

/** Event times to the microsecond: float noise out of the JSON. */
function round(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
