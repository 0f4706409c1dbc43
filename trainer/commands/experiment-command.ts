/**
 * `earshot-train experiment --world <dir> [--features <dir>] --out <report-dir> [options]`: the paper's
 * cold-start experiment end to end (features → WMF → baselines and CNNs → evaluation,
 * trainer/report/experiment.ts) with its report (report.md, report.json, Figure 1), and optionally the
 * model bundle of the best CNN (--bundle <dir>). It is the model pipeline (trainer/pipeline/, the one
 * `earshot-train model` runs) with the world as its data, so its stages are kept under --work and a
 * rerun reuses them. Its old name, `earshot-train bench`, still runs it until the next release.
 */
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { checkOutputPath, choicesArg, intArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { runModelPipeline } from '../pipeline/model-pipeline';
import { worldTrainingData } from '../pipeline/world-data';
import type { RowName } from '../report/experiment';
import { hetrecTagExperiment } from '../tags/hetrec-experiment';
import { cnnSettings, CNN_OPTIONS } from './cnn-options';
import { rateText, stageProgress } from './progress-line';

export const EXPERIMENT_USAGE = `usage: earshot-train experiment --world <dir> --out <report-dir> [options]
  --features DIR        feature store of the world's audio (default: <out>/features, computed if absent)
  --work DIR            stage results (trainer/pipeline), reused and resumed by later runs (default: <out>/work)
  --rows LIST           comma-separated subset of random,bow-linear,bow-mlr,bow-mlp,cnn-mse,cnn-wpe,upper-bound (default all)
  --cnn paper|compact|small  the paper's network (default), a quarter-width one (the default bundle's), or a small one for quick runs
  --cnn-epochs N        most epochs per CNN (default 30; early stopping, patience 4)
  --windows-per-clip N  random 3-s windows per training clip per epoch (default 4)
  --patience N          epochs without validation improvement before stopping (default 4)
  --factors F           WMF factors (default 50)
  --k N                 bag-of-words dictionary size (default 4000)
  --seed S              split, WMF, training (default 1)
  --threads N --device cpu|cuda
  --backend torch|tfjs  CNN training backend: libtorch (default) or TensorFlow.js (optional packages; pure-JS tfjs is very slow)
  --bundle DIR          also write the best CNN as a model bundle (manifest, model.onnx, catalogue)
  --hetrec DIR          also run the tag experiment on Last.fm HetRec artist factors (e.g. ../shared/data/lastfm-2k)`;

const ALL_ROWS: RowName[] = ['random', 'bow-linear', 'bow-mlr', 'bow-mlp', 'cnn-mse', 'cnn-wpe', 'upper-bound'];

const EXPERIMENT_OPTIONS = {
  ...CNN_OPTIONS,
  world: { type: 'string' }, features: { type: 'string' }, work: { type: 'string' }, out: { type: 'string' }, rows: { type: 'string' },
  factors: { type: 'string' }, k: { type: 'string' }, seed: { type: 'string' }, bundle: { type: 'string' }, hetrec: { type: 'string' },
} as const;

async function experimentCommand(v: OptionValues<typeof EXPERIMENT_OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v.world || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--world and --out are required\n${EXPERIMENT_USAGE}`);
  const rows = choicesArg('rows', v.rows, ALL_ROWS) ?? ALL_ROWS;
  const factors = intArg('factors', v.factors) ?? 50;
  const cnn = cnnSettings(v, 'paper', factors);
  if (v.bundle && !rows.includes('cnn-mse') && !rows.includes('cnn-wpe')) throw new EarshotError('ERR_INVALID_ARGUMENT', '--bundle needs a CNN row (cnn-mse or cnn-wpe) in --rows');
  const seed = intArg('seed', v.seed) ?? 1;
  // Every output is checked now: a report or bundle that cannot be written must not cost the whole run.
  checkOutputPath('--out', v.out, 'dir');
  if (v.features !== undefined) checkOutputPath('--features', v.features, 'dir');
  if (v.work !== undefined) checkOutputPath('--work', v.work, 'dir');
  if (v.bundle) checkOutputPath('--bundle', v.bundle, 'dir');
  const started = performance.now();
  const progress = stageProgress(process.stderr, 'experiment');

  const data = worldTrainingData(v.world);
  const hetrec = v.hetrec ? await hetrecTagExperiment(v.hetrec, factors) : undefined;
  if (hetrec) progress.line(`HetRec tags from artist factors: mean AUC ${hetrec.meanAuc.toFixed(4)} over ${hetrec.tags} tags, ${hetrec.artists} artists`);
  // The paper's experiment is the pipeline with the world as its data, the evaluation on and the
  // evaluated CNN bundled as it is (no refit).
  const result = await runModelPipeline(data, {
    work: v.work ?? path.join(v.out, 'work'), featuresDir: v.features ?? path.join(v.out, 'features'), out: v.bundle, reportDir: v.out,
    holdout: { testFraction: 0.2, rows, k: intArg('k', v.k), title: `earshot report: ${path.basename(path.resolve(v.world))}`, hetrec },
    refit: false, factors, seed, objective: 'mse', cnn, threads: cnn.threads, command: ['earshot-train', 'experiment', ...argv].join(' '),
    log: progress.line,
    progress: (p) => progress.update(`${p.stage}: ${rateText(p.done, p.total, p.elapsedS, p.unit)}`),
  });
  const totalSeconds = (performance.now() - started) / 1e3;
  for (const r of result.evaluation ?? []) process.stdout.write(`${r.name.padEnd(12)} mAP@500 ${r.map.toFixed(5)}  AUC ${r.auc.toFixed(4)}\n`);
  process.stdout.write(`report: ${path.join(v.out, 'report.md')} (${(totalSeconds / 60).toFixed(1)} min)\n`);
}

export const EXPERIMENT_COMMAND = defineCommand({ name: 'experiment', summary: "the paper's cold-start experiment on a world: baselines, CNNs, upper bound, report (+ model bundle)", usage: EXPERIMENT_USAGE, options: EXPERIMENT_OPTIONS, run: experimentCommand });
