/**
 * A stream's factor vector over time: the chosen average of its window predictions (./factor-average.ts)
 * and, with `segment: 'auto'`, the song-change detector (./track-change-detector.ts) that restarts it.
 * The detector reads the pipeline's log-mel frames as they are computed and the window predictions as
 * they come back; a change found at t (seconds of audio since the last reset, as the events' times)
 * restarts the average with the windows that start at or after t.
 */
import type { MeanMode, SegmentMode } from '../protocol/query';
import { type AverageSettings, FactorAverage } from './factor-average';
import { TrackChangeDetector } from './track-change-detector';
import type { MelWindow, WindowPipeline } from './window-pipeline';

export interface AveragingSettings {
  mean: MeanMode;
  /** sliding: window length; decay: half-life (s). */
  meanS: number;
  segment: SegmentMode;
}

/** What the detector needs of the front end: bands and seconds per frame. */
export interface FrontEnd {
  bands: number;
  frameS: number;
}

export class StreamAverager {
  private average: FactorAverage;
  private detector: TrackChangeDetector | null = null;
  /** Stream time of the detector's first frame (it can be switched on mid-stream). */
  private originS = 0;

  constructor(
    private factors: number,
    private frontEnd: FrontEnd,
    private settings: AveragingSettings,
  ) {
    this.average = this.newAverage();
  }

  get mean(): MeanMode {
    return this.settings.mean;
  }

  get meanS(): number {
    return this.settings.meanS;
  }

  get segment(): SegmentMode {
    return this.settings.segment;
  }

  /** Windows in the average now. */
  get count(): number {
    return this.average.count;
  }

  current(): Float32Array {
    return this.average.mean();
  }

  /** Starts reading a pipeline's frames (a new stream, or a new pipeline after a model reload). */
  attach(pipeline: WindowPipeline): void {
    pipeline.onFrames = null;
    this.detector = null;
    if (this.settings.segment !== 'auto') return;
    this.originS = pipeline.frames * this.frontEnd.frameS;
    const det = new TrackChangeDetector(this.frontEnd.bands, this.frontEnd.frameS);
    this.detector = det;
    pipeline.onFrames = (f) => det.pushFrames(f);
  }

  /**
   * New settings; a new mean or length restarts the average (from the next window), switching the
   * detector on starts it on the next frames of `pipeline`.
   */
  configure(c: Partial<AveragingSettings>, pipeline: WindowPipeline): void {
    const s = this.settings;
    const meanChanged = (c.mean !== undefined && c.mean !== s.mean) || (c.meanS !== undefined && c.meanS !== s.meanS);
    const segmentChanged = c.segment !== undefined && c.segment !== s.segment;
    this.settings = { mean: c.mean ?? s.mean, meanS: c.meanS ?? s.meanS, segment: c.segment ?? s.segment };
    if (meanChanged || segmentChanged) this.average = this.newAverage();
    if (segmentChanged) this.attach(pipeline);
  }

  /** A window's prediction (windows in order): returns the changes this lets the detector decide (s). */
  add(w: MelWindow, f: Float32Array): number[] {
    this.average.add(w.tStartS, w.tEndS, f);
    const det = this.detector;
    if (!det) return [];
    det.pushFactors(w.tStartS - this.originS, w.tEndS - this.originS, f);
    const changes = this.restartAt(det.advance(w.tEndS - this.originS));
    // Windows before the first undecided candidate can no longer start a restarted average.
    this.average.forgetBefore(det.undecidedS + this.originS);
    return changes;
  }

  /** The audio ended at audioS (s): changes near the end are decided with what there is. */
  finish(audioS: number): number[] {
    return this.detector ? this.restartAt(this.detector.advance(audioS - this.originS, true)) : [];
  }

  /** A new track (reset): everything starts over, the detector at the pipeline's first frame. */
  restart(): void {
    this.average.clear();
    this.detector?.reset();
    this.originS = 0;
  }

  /** A new model: the average restarts in its factor space; the detector keeps its audio but forgets the old predictions. */
  modelChanged(factors: number, frontEnd: FrontEnd, pipeline: WindowPipeline, pipelineReplaced: boolean): void {
    this.factors = factors;
    this.frontEnd = frontEnd;
    this.average = this.newAverage();
    if (pipelineReplaced) this.attach(pipeline);
    else this.detector?.dropFactors();
  }

  private restartAt(changes: number[]): number[] {
    const out = changes.map((t) => t + this.originS);
    if (out.length > 0) this.average.restartFrom(out[out.length - 1]);
    return out;
  }

  private newAverage(): FactorAverage {
    const s = this.settings;
    const avg: AverageSettings = { mode: s.mean, seconds: s.meanS };
    return new FactorAverage(this.factors, avg, s.segment === 'auto');
  }
}
