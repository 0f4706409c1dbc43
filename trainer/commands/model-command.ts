/**
 * `earshot-train model --plays <file> --audio <dir> --out <bundle-dir> [options]`: a service's own
 * plays and audio → a bundle `earshot serve --bundle` serves, through the model pipeline
 * (trainer/pipeline/model-pipeline.ts, the same stages `earshot-train experiment` runs on a world).
 * Progress on stderr: a status line with rate and time left on a terminal, one line per stage in a
 * log. stdout: a short summary, or with --json one JSON object as its last line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { checkOutputPath, choiceArg, intArg, positiveArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { BOW_ROWS } from '../pipeline/bow-rows';
import { songsWithoutAudio } from '../pipeline/left-out';
import { LEFT_OUT_FILE, runModelPipeline, type ModelPipelineResult } from '../pipeline/model-pipeline';
import type { PlaysFormat } from '../pipeline/training-data';
import { userTrainingData } from '../pipeline/user-data';
import type { RowName } from '../report/experiment';
import { cnnSettings, CNN_OPTIONS } from './cnn-options';
import { rateText, stageProgress } from './progress-line';

export const MODEL_USAGE = `usage: earshot-train model --plays <file> --audio <dir> --out <bundle-dir> [options]
  --plays FILE          play counts: user<TAB>song<TAB>count lines (the Taste Profile's), a TSV or CSV with a
                        header naming the user, song and count columns, or HetRec's user_artists.dat; .gz too
  --format auto|triplets|columns|hetrec  how --plays is laid out (default auto: told by its first line)
  --audio DIR           the songs' audio, <id>.<wav|flac|mp3|ogg|opus|m4a> in it or its subfolders
  --songs FILE          songs file (TSV, header line): id, and optionally path (relative to --audio),
                        artist, title, uri (what a player opens) and tags (comma-separated); other columns ignored
  --out DIR             the bundle; an existing bundle there is replaced only once the new one is complete
  --work DIR            stage results, reused and resumed by later runs (default <out>.work beside the bundle)
  --holdout cold-start  also evaluate: hold --test-fraction of the songs out of WMF entirely, predict them from
                        audio, write report.md and report.json (into the bundle) with mAP@500 and AUC (default off)
  --test-fraction F     share of the songs held out (default 0.2)
  --baselines           add the bag-of-words rows (linear, MLR, MLP) to the evaluation
  --no-refit            bundle the holdout run's CNN and factors instead of training again on all songs
  --cnn paper|compact|small  the network: the paper's, a quarter-width one (default), or a small one for quick runs
  --objective mse|wpe   the CNN's loss: squared error to the WMF factors (default) or the weighted prediction error
  --cnn-epochs N        most epochs (default 30; early stopping, patience 4)
  --windows-per-clip N  random 3-s windows per training clip per epoch (default 4)
  --patience N          epochs without validation improvement before stopping (default 4)
  --factors F           WMF factors (default 50)
  --k N                 bag-of-words dictionary size (default 4000)
  --seed S              split, WMF, training (default 1)
  --threads N --device cpu|cuda --lr X
  --backend torch|tfjs  CNN training backend: libtorch (default) or TensorFlow.js (no resumable checkpoints)
  --json                print one JSON summary as the last line of stdout`;

const MODEL_OPTIONS = {
  ...CNN_OPTIONS,
  plays: { type: 'string' }, format: { type: 'string' }, audio: { type: 'string' }, songs: { type: 'string' }, out: { type: 'string' }, work: { type: 'string' },
  holdout: { type: 'string' }, 'test-fraction': { type: 'string' }, baselines: { type: 'boolean' }, 'no-refit': { type: 'boolean' }, objective: { type: 'string' },
  factors: { type: 'string' }, k: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
} as const;

const FORMATS: readonly PlaysFormat[] = ['auto', 'triplets', 'columns', 'hetrec'];

/** --out may be missing, empty, or a bundle (replaced): anything else is a user's folder, never deleted. */
function checkBundleOut(out: string): void {
  checkOutputPath('--out', out, 'dir');
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, 'manifest.json'))) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `--out ${out} exists and is not a model bundle; choose another --out (a bundle there would be replaced)`);
  }
}

/** Entries of each left-out list in the --json summary. */
const LISTED = 100;

/** The --json summary: stages, counts, bundle, and the evaluation as {row: {auc, map500}} (row names with '_'). */
function jsonSummary(r: ModelPipelineResult, work: string, totalSeconds: number): Record<string, unknown> {
  return {
    bundle: r.bundle, report: r.report, work,
    stages: r.stages.map((s) => ({ name: s.name, reused: s.reused, seconds: Number(s.seconds.toFixed(3)) })),
    counts: r.counts,
    // The first of each list; the whole lists are in <work>/left-out.json (a catalogue may miss 100,000s).
    leftOut: {
      file: path.join(work, LEFT_OUT_FILE), songsWithoutAudio: songsWithoutAudio(r.leftOut).slice(0, LISTED), undecodable: r.leftOut.undecodable.slice(0, LISTED),
      droppedUsers: r.leftOut.droppedUsers, problems: r.leftOut.problems.slice(0, LISTED),
    },
    ...(r.evaluation ? { evaluation: Object.fromEntries(r.evaluation.map((x) => [x.name.startsWith('cnn-') ? 'cnn' : x.name.replace('-', '_'), { auc: x.auc, map500: x.map }])) } : {}),
    seconds: Number(totalSeconds.toFixed(3)),
  };
}

async function modelCommand(v: OptionValues<typeof MODEL_OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v.plays || !v.audio || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--plays, --audio and --out are required\n${MODEL_USAGE}`);
  const format = choiceArg('format', v.format, FORMATS) ?? 'auto';
  const holdout = choiceArg('holdout', v.holdout, ['cold-start']);
  for (const needs of ['test-fraction', 'baselines', 'no-refit'] as const) {
    if (v[needs] !== undefined && !holdout) throw new EarshotError('ERR_INVALID_ARGUMENT', `--${needs} needs --holdout cold-start`);
  }
  const testFraction = positiveArg('test-fraction', v['test-fraction'], 0.9) ?? 0.2;
  const objective = choiceArg('objective', v.objective, ['mse', 'wpe']) ?? 'mse';
  const factors = intArg('factors', v.factors, 1) ?? 50;
  const seed = intArg('seed', v.seed) ?? 1;
  const k = intArg('k', v.k, 2);
  const cnn = cnnSettings(v, 'compact', factors);
  // Every output is checked now: a bundle that cannot be written must not cost the whole run.
  checkBundleOut(v.out);
  const work = v.work ?? `${path.resolve(v.out)}.work`;
  checkOutputPath('--work', work, 'dir');
  if (path.resolve(work).startsWith(path.resolve(v.out) + path.sep)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--work ${work} is inside --out ${v.out}, which is replaced by the new bundle; put it beside`);
  const started = performance.now();
  const progress = stageProgress(process.stderr, 'model');
  const command = ['earshot-train', 'model', ...argv].join(' ');

  const data = await userTrainingData({ plays: v.plays, format, audio: v.audio, songs: v.songs });
  const rows: RowName[] = ['random', ...(v.baselines ? BOW_ROWS : []), objective === 'wpe' ? 'cnn-wpe' : 'cnn-mse', 'upper-bound'];
  const result = await runModelPipeline(data, {
    work, out: v.out, refit: !v['no-refit'], factors, seed, objective, cnn, threads: cnn.threads, command,
    holdout: holdout ? { testFraction, rows, k, title: `earshot report: ${path.basename(v.plays)}` } : undefined,
    log: progress.line,
    progress: (p) => progress.update(`${p.stage}: ${rateText(p.done, p.total, p.elapsedS, p.unit)}`),
  });
  const totalSeconds = (performance.now() - started) / 1e3;
  if (v.json) {
    process.stdout.write(JSON.stringify(jsonSummary(result, work, totalSeconds)) + '\n');
    return;
  }
  const c = result.counts;
  process.stdout.write(`bundle: ${v.out} (${c.catalogue} songs: ${c.played} with plays, ${c.unplayed} placed from their audio alone; ${c.users} users, ${c.plays} plays)\n`);
  if (c.playsWithoutAudio || c.undecodable) process.stdout.write(`left out: ${c.playsWithoutAudio} songs with plays and no audio, ${c.undecodable} undecodable audio files (--json lists them)\n`);
  for (const r of result.evaluation ?? []) process.stdout.write(`${r.name.padEnd(12)} mAP@500 ${r.map.toFixed(5)}  AUC ${r.auc.toFixed(4)}\n`);
  if (result.report) process.stdout.write(`report: ${result.report}\n`);
  process.stdout.write(`${result.stages.filter((s) => s.reused).length} of ${result.stages.length} stages reused (${work}); ${(totalSeconds / 60).toFixed(1)} min\n`);
}

export const MODEL_COMMAND = defineCommand({ name: 'model', summary: 'train a servable bundle from your own plays file and audio folder', usage: MODEL_USAGE, options: MODEL_OPTIONS, run: modelCommand });
