/**
 * `earshot-train neighbours --bundle <dir> (--songs <tsv> --audio <dir> | --audio <dir>)`: how well a
 * model's predicted factors group real recordings the way people label them (trainer/eval/neighbours.ts):
 * same-label share of each clip's k nearest other-track clips vs chance vs the MFCC reference, and the
 * mean pairwise cosine. Clips are analysed as `earshot analyze` does (the mean over 3-s windows).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { intArg } from '../../src/cli/args';
import { DEFAULT_BUNDLE_DIR } from '../../src/cli/default-bundle';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';
import { loadAudio } from '../../src/audio/load';
import { computeMel } from '../../src/dsp/mel';
import { MFCC_DEFAULTS, mfccWithDeltas } from '../../src/dsp/mfcc';
import { Engine } from '../../src/engine/engine';
import { meanPairwiseCosine, mfccSummary, neighbourShare, zScore, type NeighbourResult } from '../eval/neighbours';
import { readSongColumns } from '../sources/song-columns';
import { AUDIO_EXTENSIONS } from '../features/list-audio';
import { progressLine } from './progress-line';

export const NEIGHBOURS_USAGE = `usage: earshot-train neighbours --audio <dir> [--songs <tsv> --label COL] [options]
  --audio DIR      the clips; without --songs every audio file in DIR, labelled by its name up to the
                   first "-" (the shared test clips' <soundtrack>-<track>.<ext> naming)
  --songs FILE     songs file (TSV, header): id, path (relative to --audio) and the --label column
  --label COL      the human label to group by (default soundtrack)
  --bundle DIR     the model (default: the bundled default model)
  --k N            neighbours per clip (default 5)
  --json           print a JSON summary`;

const OPTIONS = { audio: { type: 'string' }, songs: { type: 'string' }, label: { type: 'string' }, bundle: { type: 'string' }, k: { type: 'string' }, json: { type: 'boolean' } } as const;

export interface LabelledClip {
  id: string;
  file: string;
  label: string;
}

/** The clips of `audio`, labelled by the --songs column or by their file names. */
export function labelledClips(audio: string, songs: string | undefined, label: string): LabelledClip[] {
  if (!fs.existsSync(audio) || !fs.statSync(audio).isDirectory()) throw new EarshotError('ERR_INVALID_ARGUMENT', `--audio ${audio} is not a folder`);
  if (songs === undefined) {
    return fs.readdirSync(audio).filter((f) => (AUDIO_EXTENSIONS as readonly string[]).includes(path.extname(f).toLowerCase())).sort().map((f) => ({ id: f.replace(/\.[^.]+$/, ''), file: path.join(audio, f), label: f.split('-')[0] }));
  }
  return readSongColumns(songs, ['path', label]).map((r) => {
    const p = r.values.path;
    const l = r.values[label];
    if (!p || !l) throw new EarshotError('ERR_SONGS_FORMAT', `${songs}: song ${r.id} has no ${p ? label : 'path'}`);
    return { id: r.id, file: path.isAbsolute(p) ? p : path.join(audio, p), label: l };
  });
}

export interface NeighbourReport {
  clips: number;
  labels: number;
  k: number;
  model: NeighbourResult;
  mfccReference: NeighbourResult;
  meanPairwiseCosine: number;
}

/** Predicted factors and MFCC summaries of every clip, then the neighbour figures of both. */
export async function neighbourReport(clips: readonly LabelledClip[], bundleDir: string, k: number, onClip?: (done: number) => void): Promise<NeighbourReport> {
  if (clips.length < 2) throw new EarshotError('ERR_INVALID_ARGUMENT', `neighbours need at least 2 clips, got ${clips.length}`);
  const engine = await Engine.open({ bundleDir });
  const factors: Float32Array[] = [];
  const mfccs: Float64Array[] = [];
  try {
    const rate = engine.bundle.manifest.mel.sampleRateHz;
    for (const [i, c] of clips.entries()) {
      const audio = await loadAudio(c.file, { sampleRateHz: rate });
      const r = await engine.analyze(audio.samples, rate);
      if (r.windows === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `${c.file} is too short for one window`);
      factors.push(r.factors);
      const m = mfccWithDeltas(computeMel(audio.samples, {}), MFCC_DEFAULTS.nMfcc);
      mfccs.push(mfccSummary(m.data, m.width, MFCC_DEFAULTS.nMfcc));
      onClip?.(i + 1);
    }
  } finally {
    await engine.close();
  }
  const labels = clips.map((c) => c.label);
  const tracks = clips.map((c) => c.id);
  return {
    clips: clips.length, labels: new Set(labels).size, k,
    model: neighbourShare(factors, labels, tracks, k),
    mfccReference: neighbourShare(zScore(mfccs), labels, tracks, k),
    meanPairwiseCosine: meanPairwiseCosine(factors),
  };
}

async function neighboursCommand(v: OptionValues<typeof OPTIONS>): Promise<void> {
  if (!v.audio) throw new EarshotError('ERR_INVALID_ARGUMENT', `--audio is required\n${NEIGHBOURS_USAGE}`);
  if (v.label !== undefined && v.songs === undefined) throw new EarshotError('ERR_INVALID_ARGUMENT', '--label needs --songs');
  const k = intArg('k', v.k, 1, 1000) ?? 5;
  const clips = labelledClips(v.audio, v.songs, (v.label ?? 'soundtrack').toLowerCase());
  const progress = progressLine(process.stderr, 'neighbours');
  const started = performance.now();
  const r = await neighbourReport(clips, v.bundle ?? DEFAULT_BUNDLE_DIR, k, (d) => progress(`${d}/${clips.length} clips  ${(d / ((performance.now() - started) / 1e3)).toFixed(1)} clips/s`));
  progress(null);
  if (v.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const f = (x: number) => x.toFixed(3);
  process.stdout.write([
    `${r.clips} clips, ${r.labels} labels; same-label share of the ${k} nearest other-track clips:`,
    `  model          ${f(r.model.share)}  (${f(r.model.share / r.model.chance)}× chance)`,
    `  MFCC reference ${f(r.mfccReference.share)}  (${f(r.mfccReference.share / r.mfccReference.chance)}× chance)`,
    `  chance         ${f(r.model.chance)}`,
    `mean pairwise cosine of the predicted factors: ${f(r.meanPairwiseCosine)}`,
  ].join('\n') + '\n');
}

export const NEIGHBOURS_COMMAND = defineCommand({ name: 'neighbours', summary: 'do predicted factors group real clips the way people label them? (vs chance and an MFCC reference)', usage: NEIGHBOURS_USAGE, options: OPTIONS, run: neighboursCommand });
