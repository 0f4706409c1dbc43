/**
 * `earshot-train eval --model <dir> --test <plays> [--train <plays>] [--json]`: mAP@500 and AUC of a
 * WMF model on held-out plays (trainer/eval/evaluate.ts), next to a random-scores row. Items the user
 * had in training are excluded from the ranking: from <dir>/train.tsv (written by `wmf --holdout`) or
 * --train. Test rows whose user or item the model does not know are counted and left out.
 *
 * Item cold start (a model made by `wmf --holdout cold-start`: songs with test plays and none in training):
 * only those songs are ranked, and the WMF row is the paper's upper bound: each cold song's factors
 * are folded in from its test plays against the trained user factors (trainer/wmf/fold-in.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import type { Csr } from '../data/csr';
import { loadInteractions, type Interactions } from '../data/interactions';
import { evaluate, randomBaseline } from '../eval/evaluate';
import { transpose } from '../data/csr';
import { RowSorter } from '../data/row-sort';
import { foldInRows } from '../wmf/fold-in';
import { loadWmfModel } from '../wmf/model-io';
import { intArg } from '../../src/cli/args';
import { defineCommand, type OptionValues } from '../../src/cli/dispatch';

export const EVAL_USAGE = `usage: earshot-train eval --model <dir> --test <plays.tsv> [--train <plays.tsv>] [--k 500] [--json]`;

/**
 * Re-indexes a loaded play matrix into the model's user/item index space in typed arrays: map ids once
 * per user and per item (not per play), count per model row, scatter, sort each row (RowSorter).
 */
function toModelSpace(d: Interactions, userIndex: Map<string, number>, itemIndex: Map<string, number>, users: number, items: number): { m: Csr; dropped: number } {
  const userMap = Int32Array.from(d.users, (id) => userIndex.get(id) ?? -1);
  const itemMap = Int32Array.from(d.items, (id) => itemIndex.get(id) ?? -1);
  const src = d.byUser;
  const indptr = new Int32Array(users + 1);
  let dropped = 0;
  for (let u = 0; u < src.rows; u++) {
    for (let j = src.indptr[u]; j < src.indptr[u + 1]; j++) {
      if (userMap[u] < 0 || itemMap[src.indices[j]] < 0) dropped++;
      else indptr[userMap[u] + 1]++;
    }
  }
  for (let u = 0; u < users; u++) indptr[u + 1] += indptr[u];
  const fill = indptr.slice(0, users);
  const indices = new Int32Array(indptr[users]);
  const data = new Float32Array(indptr[users]);
  for (let u = 0; u < src.rows; u++) {
    const mu = userMap[u];
    if (mu < 0) continue;
    for (let j = src.indptr[u]; j < src.indptr[u + 1]; j++) {
      const mi = itemMap[src.indices[j]];
      if (mi < 0) continue;
      indices[fill[mu]] = mi;
      data[fill[mu]++] = src.data[j];
    }
  }
  const sorter = new RowSorter();
  for (let u = 0; u < users; u++) sorter.sort(indices, data, indptr[u], indptr[u + 1]);
  return { m: { indptr, indices, data, rows: users, cols: items }, dropped };
}

/** Songs with test plays and no training plays (sorted), or null when there are none. */
function coldItems(train: Csr, test: Csr): Int32Array | null {
  const inTrain = new Uint8Array(train.cols);
  for (const i of train.indices) inTrain[i] = 1;
  const cold = new Set<number>();
  for (const i of test.indices) if (!inTrain[i]) cold.add(i);
  return cold.size === 0 ? null : Int32Array.from([...cold].sort((a, b) => a - b));
}

/** Item factors with each cold song re-solved from its test listeners (the paper's upper bound). */
async function upperBoundFactors(model: ReturnType<typeof loadWmfModel>, test: Csr, cold: Int32Array): Promise<Float32Array> {
  const f = model.manifest.factors;
  const o = model.manifest.options;
  const byItem = transpose(test);
  // The cold songs' rows of the item-by-user test matrix, solved in one sweep.
  const indptr = new Int32Array(cold.length + 1);
  for (let r = 0; r < cold.length; r++) indptr[r + 1] = indptr[r] + byItem.indptr[cold[r] + 1] - byItem.indptr[cold[r]];
  const indices = new Int32Array(indptr[cold.length]);
  const data = new Float32Array(indptr[cold.length]);
  cold.forEach((i, r) => {
    indices.set(byItem.indices.subarray(byItem.indptr[i], byItem.indptr[i + 1]), indptr[r]);
    data.set(byItem.data.subarray(byItem.indptr[i], byItem.indptr[i + 1]), indptr[r]);
  });
  const rows: Csr = { indptr, indices, data, rows: cold.length, cols: byItem.cols };
  const solved = await foldInRows(rows, model.userFactors, { factors: f, lambda: o.lambda, alpha: o.alpha, eps: o.eps, mode: o.mode, threads: o.threads });
  const out = Float32Array.from(model.itemFactors);
  cold.forEach((i, r) => out.set(solved.subarray(r * f, (r + 1) * f), i * f));
  return out;
}

const EVAL_OPTIONS = {
  model: { type: 'string' }, test: { type: 'string' }, train: { type: 'string' }, k: { type: 'string' }, json: { type: 'boolean' },
} as const;

async function evalCommand(v: OptionValues<typeof EVAL_OPTIONS>): Promise<void> {
  if (!v.model || !v.test) throw new EarshotError('ERR_INVALID_ARGUMENT', `--model and --test are required\n${EVAL_USAGE}`);
  const model = loadWmfModel(v.model);
  const trainPath = v.train ?? path.join(v.model, 'train.tsv');
  if (!fs.existsSync(trainPath)) throw new EarshotError('ERR_INVALID_ARGUMENT', `no training plays to exclude: ${trainPath} is missing; pass --train <plays used for training>`);
  const userIndex = new Map(model.users.map((id, i) => [id, i]));
  const itemIndex = new Map(model.items.map((id, i) => [id, i]));
  const nU = model.users.length, nI = model.items.length;
  const train = toModelSpace(await loadInteractions(trainPath), userIndex, itemIndex, nU, nI);
  const test = toModelSpace(await loadInteractions(v.test), userIndex, itemIndex, nU, nI);
  const k = intArg('k', v.k) ?? 500;
  const t0 = process.hrtime.bigint();
  // The setting is the model's: an interaction holdout also leaves a few rarely played songs without
  // training plays, but it ranks every song.
  const cold = model.manifest.holdout.kind === 'cold-start' ? coldItems(train.m, test.m) : null;
  let itemFactors = model.itemFactors;
  if (cold) itemFactors = await upperBoundFactors(model, test.m, cold);
  const opts = { train: train.m, test: test.m, factors: model.manifest.factors, k, candidates: cold ?? undefined };
  const wmf = evaluate({ ...opts, userFactors: model.userFactors, itemFactors });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const random = randomBaseline({ ...opts, seed: 1 });
  const row = cold ? 'upperBound' : 'wmf';
  const result = {
    model: v.model, test: v.test, k, setting: cold ? 'item-cold-start' : 'interactions', users: wmf.users, candidates: wmf.candidates,
    testRowsUnknown: test.dropped, [row]: { map: wmf.map, auc: wmf.auc }, random: { map: random.map, auc: random.auc }, seconds,
  };
  if (v.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  process.stdout.write(
    `${wmf.users} users, ${wmf.candidates} candidate items, k = ${k}` + (test.dropped ? ` (${test.dropped} test rows with unknown user/item left out)` : '') + '\n' +
      `model    mAP@${k}    AUC\n` +
      `${(cold ? 'upper' : 'wmf').padEnd(8)} ${wmf.map.toFixed(5)}  ${wmf.auc.toFixed(5)}\n` +
      `random   ${random.map.toFixed(5)}  ${random.auc.toFixed(5)}\n` +
      (cold ? 'item cold start: only held-out songs ranked; "upper" = their factors folded in from their test plays\n' : ''),
  );
}

export const EVAL_COMMAND = defineCommand({ name: 'eval', summary: 'mAP@500 and AUC of a model on held-out plays', usage: EVAL_USAGE, options: EVAL_OPTIONS, run: evalCommand });
