/**
 * `earshot-train export-parquet --input <plays> --out <dir>`: the plays WMF trains on as Parquet for
 * Spark MLlib ALS (plays.parquet: dense user/item indices, raw plays, confidence_weight; users.parquet
 * and items.parquet: index -> id), with export.json naming the Spark settings that train earshot's
 * objective on them (trainer/export/spark-export-manifest.ts). `--model <dir>` instead writes a trained
 * earshot model's factors in the layout Spark's ALSModel.save uses, with the same id maps.
 * The folder appears whole or not at all (trainer/export/replace-dir.ts).
 */
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';
import { checkOutputPath, choiceArg, intArg, numArg, positiveArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { CONFIDENCE_DEFAULTS } from '../wmf/confidence';
import { loadWmfModel } from '../wmf/model-io';
import { WMF_DEFAULTS } from '../wmf/train';
import { loadInteractions } from '../data/interactions';
import { parquetWriter, type ParquetWriterModule } from '../export/parquet-modules';
import { writeIdMap } from '../export/parquet-write';
import { DEFAULT_PLAYS_GROUP_ROWS, rowCounts, writePlaysParquet } from '../export/plays-parquet';
import { replaceDir } from '../export/replace-dir';
import { writeSparkFactors } from '../export/spark-factors';
import { ITEMS_FILE, PLAYS_FILE, USERS_FILE, regParamFor, writeExportManifest, type ExportManifest } from '../export/spark-export-manifest';
import { progressLine, rateText } from './progress-line';

export const EXPORT_PARQUET_USAGE = `usage: earshot-train export-parquet --input <plays.tsv[.gz]> --out <dir> [options]
       earshot-train export-parquet --model <wmf model dir> --out <dir>
  --input FILE               plays, read as \`earshot-train wmf\` reads them
  --format auto|triplets|columns|hetrec   input layout (default triplets)
  --alpha A --eps E          confidence c = 1 + A log(1 + r/E) (defaults 2, 1e-6): confidence_weight = log(1 + r/E), Spark alpha = A
  --lambda L                 earshot's L2 regularisation (default 1e-5): export.json suggests the matching regParam
  --factors F --iterations N rank and maxIter for the Spark job (defaults 50, 15)
  --row-group-rows N         rows per row group of plays.parquet (default ${DEFAULT_PLAYS_GROUP_ROWS}; bounds memory)
  --model DIR                instead of plays: a trained model's factors as Spark saves them (<out>/model/userFactors, itemFactors)
  --json                     print export.json's contents
Writes <out>/plays.parquet (user INT32, item INT32, plays FLOAT, confidence_weight FLOAT), users.parquet
(user, user_id, interactions), items.parquet (item, song_id, interactions) and export.json.`;

const OPTIONS = {
  input: { type: 'string' }, format: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, alpha: { type: 'string' }, eps: { type: 'string' },
  lambda: { type: 'string' }, factors: { type: 'string' }, iterations: { type: 'string' }, 'row-group-rows': { type: 'string' }, json: { type: 'boolean' },
} as const;

type Values = OptionValues<typeof OPTIONS>;

function sparkSettings(alpha: number, rank: number, maxIter: number, regParam: number): ExportManifest['spark'] {
  return { implicitPrefs: true, userCol: 'user', itemCol: 'item', ratingCol: 'confidence_weight', alpha, regParam, rank, maxIter, nonnegative: false };
}

async function exportPlays(pq: ParquetWriterModule, v: Values, input: string, command: string, t0: bigint): Promise<ExportManifest> {
  const format = choiceArg('format', v.format, ['auto', 'triplets', 'columns', 'hetrec']) ?? 'triplets';
  const alpha = numArg('alpha', v.alpha, 0) ?? CONFIDENCE_DEFAULTS.alpha;
  const eps = positiveArg('eps', v.eps) ?? CONFIDENCE_DEFAULTS.eps;
  const lambda = numArg('lambda', v.lambda, 0) ?? WMF_DEFAULTS.lambda;
  const rank = intArg('factors', v.factors, 1, 1024) ?? WMF_DEFAULTS.factors;
  const maxIter = intArg('iterations', v.iterations, 1, 100000) ?? WMF_DEFAULTS.iterations;
  const groupRows = intArg('row-group-rows', v['row-group-rows'], 1, 1 << 26) ?? DEFAULT_PLAYS_GROUP_ROWS;
  checkOutputPath('--out', v.out!, 'dir', { empty: true });
  const data = await loadInteractions(input, { format });
  const perUser = rowCounts(data.byUser);
  const perItem = rowCounts(data.byItem);
  const counts = {
    users: data.users.length, items: data.items.length, nnz: data.nnz,
    usersWithPlays: perUser.reduce((n, c) => n + (c > 0 ? 1 : 0), 0), itemsWithPlays: perItem.reduce((n, c) => n + (c > 0 ? 1 : 0), 0),
  };
  const progress = progressLine(process.stderr, 'export-parquet');
  const tWrite = process.hrtime.bigint();
  const manifest = replaceDir(v.out!, (tmp) => {
    const plays = writePlaysParquet(pq, path.join(tmp, PLAYS_FILE), data.byUser, {
      eps, groupRows,
      onGroup: (done) => progress(rateText(done, data.nnz, Number(process.hrtime.bigint() - tWrite) / 1e9, 'plays')),
    });
    const users = writeIdMap(pq, path.join(tmp, USERS_FILE), 'user', 'user_id', data.users, perUser);
    const items = writeIdMap(pq, path.join(tmp, ITEMS_FILE), 'item', 'song_id', data.items, perItem);
    const m: ExportManifest = {
      format: 'earshot-spark-export', version: 1, earshot: { mode: 'log', alpha, eps, lambda }, spark: sparkSettings(alpha, rank, maxIter, regParamFor(lambda, counts)), counts,
      files: { plays: { path: PLAYS_FILE, ...plays }, users: { path: USERS_FILE, ...users }, items: { path: ITEMS_FILE, ...items } },
      input: { path: path.resolve(input), format, sha256: data.checksum, nnz: data.nnz },
      command, seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
    writeExportManifest(tmp, m);
    return m;
  });
  progress(null);
  return manifest;
}

function exportModel(pq: ParquetWriterModule, v: Values, dir: string, command: string, t0: bigint): ExportManifest {
  const conflicting = (['input', 'format', 'alpha', 'eps', 'lambda', 'factors', 'iterations', 'row-group-rows'] as const).filter((k) => v[k] !== undefined);
  if (conflicting.length > 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `--model takes its settings from the model's wmf.json; leave out ${conflicting.map((k) => `--${k}`).join(', ')}`);
  checkOutputPath('--out', v.out!, 'dir', { empty: true });
  const model = loadWmfModel(dir);
  const o = model.manifest.options;
  const f = model.manifest.factors;
  if (o.mode !== 'log') throw new EarshotError('ERR_INVALID_ARGUMENT', `${dir} was trained with ${o.mode} confidence; export-parquet maps the paper's log confidence only`);
  const counts = { users: model.users.length, items: model.items.length, nnz: model.manifest.input.nnz, usersWithPlays: model.users.length, itemsWithPlays: model.items.length };
  const progress = progressLine(process.stderr, 'export-parquet');
  const tWrite = process.hrtime.bigint();
  const total = model.users.length + model.items.length;
  const shown = (done: number) => progress(rateText(done, total, Number(process.hrtime.bigint() - tWrite) / 1e9, 'factor rows'));
  const m = replaceDir(v.out!, (tmp) => {
    const users = writeIdMap(pq, path.join(tmp, USERS_FILE), 'user', 'user_id', model.users);
    const items = writeIdMap(pq, path.join(tmp, ITEMS_FILE), 'item', 'song_id', model.items);
    writeSparkFactors(pq, path.join(tmp, 'model', 'userFactors'), model.userFactors, model.users.length, f, shown);
    writeSparkFactors(pq, path.join(tmp, 'model', 'itemFactors'), model.itemFactors, model.items.length, f, (done) => shown(model.users.length + done));
    const manifest: ExportManifest = {
      format: 'earshot-spark-export', version: 1, earshot: { mode: 'log', alpha: o.alpha, eps: o.eps, lambda: o.lambda },
      spark: sparkSettings(o.alpha, f, o.iterations, regParamFor(o.lambda, counts)), counts,
      files: { users: { path: USERS_FILE, ...users }, items: { path: ITEMS_FILE, ...items } },
      input: model.manifest.input, model: { path: path.resolve(dir), sparkModel: 'model' }, command, seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
    writeExportManifest(tmp, manifest);
    return manifest;
  });
  progress(null);
  return m;
}

async function exportParquetCommand(v: Values, { argv }: CommandInput): Promise<void> {
  if (!v.out || (!v.input === !v.model)) throw new EarshotError('ERR_INVALID_ARGUMENT', `--out and one of --input or --model are required\n${EXPORT_PARQUET_USAGE}`);
  const t0 = process.hrtime.bigint();
  const pq = await parquetWriter();
  const command = ['earshot-train', 'export-parquet', ...argv].join(' ');
  const m = v.input ? await exportPlays(pq, v, v.input, command, t0) : exportModel(pq, v, v.model!, command, t0);
  if (v.json) {
    process.stdout.write(JSON.stringify({ out: v.out, ...m }) + '\n');
    return;
  }
  const s = m.spark;
  const what = m.files.plays ? `${m.counts.nnz} plays of ${m.counts.users} users x ${m.counts.items} songs (${m.files.plays.rowGroups} row group${m.files.plays.rowGroups === 1 ? '' : 's'}, ${(m.files.plays.bytes / 1e6).toFixed(1)} MB)` : `the factors of ${m.counts.users} users and ${m.counts.items} songs in ${path.join(v.out, 'model')}`;
  process.stdout.write(`${v.out}: ${what} in ${m.seconds.toFixed(1)} s\n` +
    `Spark ALS: implicitPrefs=True, userCol="user", itemCol="item", ratingCol="confidence_weight", alpha=${s.alpha}, regParam=${s.regParam.toExponential(4)}, rank=${s.rank}, maxIter=${s.maxIter}\n`);
}

export const EXPORT_PARQUET_COMMAND = defineCommand({
  name: 'export-parquet', summary: 'plays (or a model\'s factors) as Parquet for Spark MLlib ALS', usage: EXPORT_PARQUET_USAGE, options: OPTIONS, run: exportParquetCommand,
});
