/**
 * `earshot-train experiment --world <dir> [--features <dir>] --out <report-dir> [options]`: the paper's
 * cold-start experiment end to end (trainer/report/experiment.ts: WMF → features → baselines and CNNs →
 * evaluation) with its report (report.md, report.json, Figure 1), and optionally the model bundle of the
 * best CNN (--bundle <dir>). Its old name, `earshot-train bench`, still runs it until the next release.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { PAPER_NET, type NetConfig } from '../cnn/net-config';
import { loadInteractions } from '../data/interactions';
import { runFeatures } from '../features/run-features';
import { bowRows } from '../pipeline/bow-rows';
import { openFeatureStore } from '../features/store';
import { PAPER_CNN, runExperiment, type RowName } from '../report/experiment';
import { writeReport } from '../report/report-writer';
import { readSongsTsv } from '../world/songs-tsv';
import { checkOutputPath, choiceArg, choicesArg, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { progressLine } from './progress-line';
import { writeDefaultBundle } from '../report/bundle-from-experiment';
import { hetrecTagExperiment } from '../tags/hetrec-experiment';

export const EXPERIMENT_USAGE = `usage: earshot-train experiment --world <dir> --out <report-dir> [options]
  --features DIR        feature store of the world's audio (default: <out>/features, computed if absent)
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

/** The paper's layer types at a quarter of the width (≈ 0.68M parameters, a 2.7 MB ONNX file): the default bundle's net. */
const COMPACT_NET: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 128, kernel: 4, pool: 4 }, { filters: 128, kernel: 4, pool: 2 }, { filters: 256, kernel: 4, pool: 1 }], globalPool: ['mean', 'max', 'l2'], dense: [512], dropout: 0.5, outputs: 50 };
const SMALL_NET: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 32, kernel: 4, pool: 4 }, { filters: 32, kernel: 4, pool: 2 }], globalPool: ['mean', 'max', 'l2'], dense: [256], dropout: 0.3, outputs: 50 };
const NETS = { paper: PAPER_NET, compact: COMPACT_NET, small: SMALL_NET };
const NET_NAMES = Object.keys(NETS) as (keyof typeof NETS)[];
const ALL_ROWS: RowName[] = ['random', 'bow-linear', 'bow-mlr', 'bow-mlp', 'cnn-mse', 'cnn-wpe', 'upper-bound'];

const EXPERIMENT_OPTIONS = {
  world: { type: 'string' }, features: { type: 'string' }, out: { type: 'string' }, rows: { type: 'string' }, cnn: { type: 'string' }, 'cnn-epochs': { type: 'string' },
  'windows-per-clip': { type: 'string' }, factors: { type: 'string' }, k: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' }, device: { type: 'string' }, backend: { type: 'string' },
  bundle: { type: 'string' }, lr: { type: 'string' }, patience: { type: 'string' }, hetrec: { type: 'string' },
} as const;

async function experimentCommand(v: OptionValues<typeof EXPERIMENT_OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v.world || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--world and --out are required\n${EXPERIMENT_USAGE}`);
  const rows = choicesArg('rows', v.rows, ALL_ROWS) ?? ALL_ROWS;
  const net = NETS[choiceArg('cnn', v.cnn, NET_NAMES) ?? 'paper'];
  if (v.bundle && !rows.includes('cnn-mse') && !rows.includes('cnn-wpe')) throw new EarshotError('ERR_INVALID_ARGUMENT', '--bundle needs a CNN row (cnn-mse or cnn-wpe) in --rows');
  const device = choiceArg('device', v.device, ['cpu', 'cuda']) ?? 'cpu';
  const backend = choiceArg('backend', v.backend, ['torch', 'tfjs']) ?? 'torch';
  const threads = intArg('threads', v.threads);
  const seed = intArg('seed', v.seed) ?? 1;
  const factors = intArg('factors', v.factors) ?? 50;
  // Every output is checked now: a report or bundle that cannot be written must not cost the whole run.
  checkOutputPath('--out', v.out, 'dir');
  if (v.features !== undefined) checkOutputPath('--features', v.features, 'dir');
  if (v.bundle) checkOutputPath('--bundle', v.bundle, 'dir');
  const started = performance.now();
  const progress = progressLine(process.stderr, 'experiment');
  const log = (line: string) => {
    progress(line);
    progress(null);
  };

  const featuresDir = v.features ?? path.join(v.out, 'features');
  if (!fs.existsSync(path.join(featuresDir, 'features.json'))) {
    log(`computing features of ${v.world}/audio into ${featuresDir}`);
    await runFeatures({ audio: path.join(v.world, 'audio'), out: featuresDir, threads, onProgress: (p) => progress(`features ${p.done}/${p.total}`) });
    progress(null);
  }
  const store = openFeatureStore(featuresDir);
  const songs = readSongsTsv(v.world);
  try {
    const cnn = { ...PAPER_CNN, config: { ...net, outputs: factors }, maxEpochs: intArg('cnn-epochs', v['cnn-epochs']) ?? PAPER_CNN.maxEpochs, windowsPerClip: intArg('windows-per-clip', v['windows-per-clip']) ?? PAPER_CNN.windowsPerClip, patience: intArg('patience', v.patience) ?? PAPER_CNN.patience, threads, device, lr: numArg('lr', v.lr), backend };
    const bow = bowRows(store, rows, { k: intArg('k', v.k), seed, threads, log });
    const result = await runExperiment({ data: await loadInteractions(path.join(v.world, 'plays.tsv')), store, factors, seed, rows, cnn, log, extraRows: bow.extraRows });
    const hetrec = v.hetrec ? await hetrecTagExperiment(v.hetrec, factors) : undefined;
    if (hetrec) log(`HetRec tags from artist factors: mean AUC ${hetrec.meanAuc.toFixed(4)} over ${hetrec.tags} tags, ${hetrec.artists} artists`);
    const command = ['earshot-train', 'experiment', ...argv].join(' ');
    const totalSeconds = (performance.now() - started) / 1e3;
    writeReport(v.out, result, {
      title: `earshot report: ${path.basename(path.resolve(v.world))}`, command, totalSeconds, bow: bow.features(), hetrec,
      songs: new Map(songs.map((x) => [x.id, { id: x.id, audio: null, artist: x.artist, title: x.title, uri: '', tags: [x.style, ...x.moods] }])),
      missing: [],
    });
    if (v.bundle) writeDefaultBundle(v.bundle, result, store, songs, { command, world: v.world });
    for (const r of result.rows) process.stdout.write(`${r.name.padEnd(12)} mAP@500 ${r.map.toFixed(5)}  AUC ${r.auc.toFixed(4)}\n`);
    process.stdout.write(`report: ${path.join(v.out, 'report.md')} (${(totalSeconds / 60).toFixed(1)} min)\n`);
  } finally {
    store.close();
  }
}

export const EXPERIMENT_COMMAND = defineCommand({ name: 'experiment', summary: "the paper's cold-start experiment on a world: baselines, CNNs, upper bound, report (+ model bundle)", usage: EXPERIMENT_USAGE, options: EXPERIMENT_OPTIONS, run: experimentCommand });
