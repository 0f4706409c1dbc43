#!/usr/bin/env node
/** `earshot-train`: the trainer's command line (WMF now; world, features, cnn and export follow). */
import { runCli } from '../src/cli/dispatch';
import { evalCommand, EVAL_USAGE } from './commands/eval-command';
import { wmfCommand, WMF_USAGE } from './commands/wmf-command';

runCli(
  'earshot-train',
  {
    wmf: { run: wmfCommand, usage: WMF_USAGE, summary: 'weighted matrix factorisation of play counts (implicit ALS)' },
    eval: { run: evalCommand, usage: EVAL_USAGE, summary: 'mAP@500 and AUC of a model on held-out plays' },
  },
  process.argv.slice(2),
).then((code) => {
  process.exitCode = code;
});
