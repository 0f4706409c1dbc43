/**
 * `earshot-train wmf --input <plays> [--format triplets|hetrec] --out <dir> [...]`: trains WMF on play
 * counts and writes the model (trainer/wmf/model-io.ts). With --holdout, a seeded share of the data is
 * kept out of training and written as test.tsv (train.tsv holds the rest) for `earshot-train eval`.
 */
import { EarshotError } from '../../src/errors';
import { loadInteractions } from '../data/interactions';
import { writeTriplets } from '../data/write-triplets';
import { interactionHoldout, itemColdStartHoldout } from '../eval/splits';
import { saveWmfModel, type WmfManifest } from '../wmf/model-io';
import { trainWmf, type WmfOptions } from '../wmf/train';
import type { Csr } from '../data/csr';
import { checkOutputPath, choiceArg, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { progressLine } from './progress-line';

export const WMF_USAGE = `usage: earshot-train wmf --input <plays.tsv[.gz]> --out <dir> [options]
  --format triplets|hetrec   input layout (default triplets: user<TAB>item<TAB>count)
  --factors F                latent dimensions (default 50)
  --iterations N             ALS iterations (default 15)
  --alpha A --eps E          confidence c = 1 + A log(1 + r/E) (defaults 2, 1e-6)
  --confidence log|linear    linear: c = 1 + A r
  --lambda L                 L2 regularisation (default 1e-5)
  --solver cg|exact          conjugate gradient (default, --cg-steps 3) or Cholesky
  --threads N                CPU threads (default: all cores)
  --device cpu|cuda          cuda needs \`npm run build:cuda\` and a GPU
  --seed S                   initial factors and holdout (default 1)
  --loss                     compute the objective after every iteration
  --holdout none|interactions|cold-start  keep a share out of training (default none)
  --test-fraction P          share held out (default 0.2)
  --json                     print a JSON summary`;

const WMF_OPTIONS = {
  input: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, factors: { type: 'string' }, iterations: { type: 'string' },
  alpha: { type: 'string' }, eps: { type: 'string' }, confidence: { type: 'string' }, lambda: { type: 'string' }, solver: { type: 'string' },
  'cg-steps': { type: 'string' }, threads: { type: 'string' }, device: { type: 'string' }, seed: { type: 'string' }, loss: { type: 'boolean' },
  holdout: { type: 'string' }, 'test-fraction': { type: 'string' }, json: { type: 'boolean' },
} as const;

async function wmfCommand(v: OptionValues<typeof WMF_OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v.input || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--input and --out are required\n${WMF_USAGE}`);
  const format = choiceArg('format', v.format, ['triplets', 'hetrec']) ?? 'triplets';
  const holdout = choiceArg('holdout', v.holdout, ['none', 'interactions', 'cold-start']) ?? 'none';
  const seed = intArg('seed', v.seed) ?? 1;
  const fraction = numArg('test-fraction', v['test-fraction']) ?? 0.2;
  checkOutputPath('--out', v.out, 'dir', { empty: true }); // before loading and training, not after
  const opts: WmfOptions = {
    factors: intArg('factors', v.factors), iterations: intArg('iterations', v.iterations), alpha: numArg('alpha', v.alpha), eps: numArg('eps', v.eps),
    mode: choiceArg('confidence', v.confidence, ['log', 'linear']), lambda: numArg('lambda', v.lambda), solver: choiceArg('solver', v.solver, ['cg', 'exact']),
    cgSteps: intArg('cg-steps', v['cg-steps']), threads: intArg('threads', v.threads), device: choiceArg('device', v.device, ['cpu', 'cuda']), seed, computeLoss: !!v.loss,
  };

  const t0 = process.hrtime.bigint();
  const data = await loadInteractions(v.input, { format });
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  let train: Csr = data.byUser;
  let test: Csr | null = null;
  if (holdout === 'interactions') ({ train, test } = interactionHoldout(data.byUser, { fraction, seed }));
  else if (holdout === 'cold-start') ({ train, test } = itemColdStartHoldout(data.byUser, { fraction, seed }));

  const progress = progressLine(process.stderr, 'wmf');
  const t1 = process.hrtime.bigint();
  const model = await trainWmf(train, {
    ...opts,
    onIteration: (r) => progress(`iteration ${r.iteration}/${opts.iterations ?? 15}  ${r.seconds.toFixed(2)} s${r.loss === null ? '' : `  loss ${r.loss.toExponential(6)}`}`),
  });
  progress(null);
  const trainS = Number(process.hrtime.bigint() - t1) / 1e9;
  const manifest: WmfManifest = {
    format: 'earshot-wmf', version: 1, factors: model.factors, users: data.users.length, items: data.items.length,
    options: model.options, iterations: model.iterations,
    input: { path: v.input, format, sha256: data.checksum, nnz: data.nnz },
    holdout: { kind: holdout, fraction: holdout === 'none' ? 0 : fraction, seed, testNnz: test ? test.indices.length : 0 },
    timings: { loadS, trainS }, command: ['earshot-train', 'wmf', ...argv].join(' '),
  };
  await saveWmfModel(v.out, model, data.users, data.items, manifest, async (dir) => {
    if (!test) return;
    await writeTriplets(`${dir}/train.tsv`, train, data.users, data.items);
    await writeTriplets(`${dir}/test.tsv`, test, data.users, data.items);
  });
  const summary = {
    out: v.out, users: data.users.length, items: data.items.length, nnz: data.nnz, trainNnz: train.indices.length, testNnz: manifest.holdout.testNnz,
    factors: model.factors, iterations: model.iterations.length, loadS, trainS, finalLoss: model.iterations.at(-1)?.loss ?? null, device: model.options.device,
  };
  if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(`${v.out}: ${summary.users} users x ${summary.items} items, ${summary.trainNnz} training plays, ${summary.factors} factors, ${summary.iterations} iterations in ${trainS.toFixed(2)} s (${summary.device})\n`);
}

export const WMF_COMMAND = defineCommand({ name: 'wmf', summary: 'weighted matrix factorisation of play counts (implicit ALS)', usage: WMF_USAGE, options: WMF_OPTIONS, run: wmfCommand });
