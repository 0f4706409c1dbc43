/**
 * `earshot-train tags --model <wmf dir> --tags <file> [--format hetrec|pairs] [--tag-names tags.dat]
 *  [--top 50] [--folds 10] [--lambda 1|cv] [--seed 1] [--json]`: the paper's tag experiment (Sec. 5.1)
 * on a model's item factors: cross-validated logistic regression per frequent tag, mean AUC. `--lambda
 * cv` cross-validates the bundle's tag-model procedure instead (trainer/tags/calibrated-tag.ts).
 */
import { EarshotError } from '../../src/errors';
import { readItemTags, topTags, type TagFormat } from '../tags/tag-file';
import { tagCrossValidation } from '../tags/tag-cv';
import { loadWmfModel } from '../wmf/model-io';
import { choiceArg, intArg, numArg } from '../../src/cli/args';
import { progressLine } from './progress-line';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';

export const TAGS_USAGE = `usage: earshot-train tags --model <wmf dir> --tags <file> [options]
  --format hetrec|pairs   hetrec: user_taggedartists.dat (default); pairs: item<TAB>tag lines
  --tag-names FILE        HetRec tags.dat, to print tag names
  --top N                 the N tags on the most items (default 50, as the paper)
  --folds K               cross-validation folds (default 10)
  --lambda L|cv           L2 penalty of the logistic regression on raw factors (default 1, the
                          README's figure); cv: the bundle's tag models (standardised factors, λ
                          chosen per tag and fold by inner 5-fold CV over 1e-4..1e2, Platt scaling)
  --seed S                fold assignment (default 1)
  --json                  print a JSON result`;

const TAGS_OPTIONS = {
  model: { type: 'string' }, tags: { type: 'string' }, format: { type: 'string' }, 'tag-names': { type: 'string' }, top: { type: 'string' },
  folds: { type: 'string' }, lambda: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
} as const;

/** --lambda: a number, or 'cv' for the bundle's procedure. */
function lambdaArg(v: string | undefined): number | 'cv' | undefined {
  if (v === 'cv') return 'cv';
  try {
    return numArg('lambda', v);
  } catch (err) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `--lambda must be a number or 'cv', got '${v}'`, { cause: err });
  }
}

async function tagsCommand(v: OptionValues<typeof TAGS_OPTIONS>): Promise<void> {
  if (!v.model || !v.tags) throw new EarshotError('ERR_INVALID_ARGUMENT', `--model and --tags are required\n${TAGS_USAGE}`);
  const format = choiceArg<TagFormat>('format', v.format, ['hetrec', 'pairs']) ?? 'hetrec';
  const top = intArg('top', v.top, 1) ?? 50;
  // Parsed before the model loads, so a mistyped option is reported first.
  const cv = { folds: intArg('folds', v.folds), lambda: lambdaArg(v.lambda), seed: intArg('seed', v.seed) };
  const model = loadWmfModel(v.model);
  const tags = readItemTags(v.tags, format, v['tag-names']);
  // Only items with factors and at least one tag take part, as in the paper (songs with tags).
  const rows: number[] = [];
  model.items.forEach((id, i) => {
    if (tags.has(id)) rows.push(i);
  });
  if (rows.length < 20) throw new EarshotError('ERR_INVALID_ARGUMENT', `only ${rows.length} of the model's ${model.items.length} items have tags; check that --tags matches the model's item ids`);
  const f = model.manifest.factors;
  const x = new Float32Array(rows.length * f);
  rows.forEach((i, r) => x.set(model.itemFactors.subarray(i * f, (i + 1) * f), r * f));
  const chosen = topTags(tags, rows.map((i) => model.items[i]), top);
  const progress = progressLine(process.stderr, 'tags');
  const t0 = performance.now();
  const result = tagCrossValidation(x, f, chosen, {
    ...cv,
    onTag: (d, n) => progress(`${d}/${n} tags`),
  });
  progress(null);
  const seconds = (performance.now() - t0) / 1e3;
  if (v.json) process.stdout.write(JSON.stringify({ ...result, factors: f, seconds }) + '\n');
  else {
    for (const t of result.perTag) process.stdout.write(`${t.tag.padEnd(24)} ${String(t.positives).padStart(6)} items  AUC ${t.auc.toFixed(3)}${t.lambdas ? `  λ ${t.lambdas.join(' ')}` : ''}\n`);
    process.stdout.write(`mean AUC over ${result.perTag.length} tags: ${result.meanAuc.toFixed(4)} (${result.items} items, ${f} factors, ${result.folds}-fold CV, ${seconds.toFixed(1)} s)\n`);
  }
}

export const TAGS_COMMAND = defineCommand({ name: 'tags', summary: 'tag prediction from item factors: cross-validated logistic regression, mean AUC (paper Sec. 5.1)', usage: TAGS_USAGE, options: TAGS_OPTIONS, run: tagsCommand });
