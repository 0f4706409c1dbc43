/**
 * Runs the track-change detector over a recording offline, as a stream would (the engine's own window
 * pipeline and CNN, windows in order, the detector advanced after each window), and returns its changes
 * and, for tuning, every candidate's cues. Streaming and offline results agree because the detector only
 * looks at frames and windows that end before each candidate's right side does.
 */
import type { Engine } from '../src/engine/engine';
import { type ChangeCues, TrackChangeDetector, type TrackChangeParams } from '../src/engine/track-change-detector';
import type { MelWindow } from '../src/engine/window-pipeline';

export interface DetectorRun {
  changes: number[];
  cues: ChangeCues[];
  durationS: number;
}

/** Samples pushed per step: bounds the windows (and their mel) held at once. */
const CHUNK_S = 60;

export async function runDetector(engine: Engine, samples: Float32Array, rateHz: number, params: TrackChangeParams, hopS: number, keepCues: boolean): Promise<DetectorRun> {
  const m = engine.bundle.manifest;
  const cues: ChangeCues[] = [];
  const det = new TrackChangeDetector(m.mel.nMels, m.mel.hopSamples / m.mel.sampleRateHz, params, keepCues ? (c) => cues.push(c) : undefined);
  const pipeline = engine.createPipeline(rateHz, hopS);
  pipeline.onFrames = (f) => det.pushFrames(f);
  const changes: number[] = [];
  const predict = async (ws: MelWindow[]): Promise<void> => {
    const model = engine.bundle.model;
    const f = m.factors;
    for (let i = 0; i < ws.length; ) {
      let j = i;
      while (j < ws.length && j - i < 64 && ws[j].frames === ws[i].frames) j++;
      const per = ws[i].mel.length;
      const mel = new Float32Array((j - i) * per);
      for (let k = i; k < j; k++) mel.set(ws[k].mel, (k - i) * per);
      const out = await model.predictWindows(mel, j - i, ws[i].frames);
      for (let k = i; k < j; k++) {
        det.pushFactors(ws[k].tStartS, ws[k].tEndS, out.slice((k - i) * f, (k - i + 1) * f));
        changes.push(...det.advance(ws[k].tEndS));
      }
      i = j;
    }
  };
  try {
    const step = Math.round(CHUNK_S * rateHz);
    for (let at = 0; at < samples.length; at += step) await predict(pipeline.push(samples.subarray(at, Math.min(samples.length, at + step))));
    await predict(pipeline.finalize());
    changes.push(...det.advance(pipeline.audioS, true));
  } finally {
    pipeline.dispose();
  }
  return { changes, cues, durationS: samples.length / rateHz };
}
