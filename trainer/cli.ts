#!/usr/bin/env node
/** `earshot-train`: the trainer's command line (WMF now; world, features, cnn and export follow). */
import { runCli } from '../src/cli/dispatch';
import { benchCommand, BENCH_USAGE } from './commands/bench-command';
import { evalCommand, EVAL_USAGE } from './commands/eval-command';
import { featuresCommand, FEATURES_USAGE } from './commands/features-command';
import { montageCommand, MONTAGE_USAGE } from './commands/montage-command';
import { tagsCommand, TAGS_USAGE } from './commands/tags-command';
import { wmfCommand, WMF_USAGE } from './commands/wmf-command';
import { worldCommand, WORLD_USAGE } from './commands/world-command';

runCli(
  'earshot-train',
  {
    wmf: { run: wmfCommand, usage: WMF_USAGE, summary: 'weighted matrix factorisation of play counts (implicit ALS)' },
    world: { run: worldCommand, usage: WORLD_USAGE, summary: 'generate a benchmark world: synthesized songs, simulated listeners, known truth' },
    tags: { run: tagsCommand, usage: TAGS_USAGE, summary: 'tag prediction from item factors: cross-validated logistic regression, mean AUC (paper Sec. 5.1)' },
    features: { run: featuresCommand, usage: FEATURES_USAGE, summary: 'log-mel (float16) and MFCC features of every clip, packed for training, resumable' },
    bench: { run: benchCommand, usage: BENCH_USAGE, summary: "the paper's protocol on a world: baselines, CNNs, upper bound, report (+ model bundle)" },
    eval: { run: evalCommand, usage: EVAL_USAGE, summary: 'mAP@500 and AUC of a model on held-out plays' },
    montage: { run: montageCommand, usage: MONTAGE_USAGE, summary: 'one labelled spectrogram per style of a benchmark world, as a PNG' },
  },
  process.argv.slice(2),
).then((code) => {
  process.exitCode = code;
});
