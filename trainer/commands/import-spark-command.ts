/**
 * `earshot-train import-spark --spark-model <dir> --export <dir> --out <dir>`: Spark ALS factors
 * (what ALSModel.save wrote: userFactors/ and itemFactors/ as part-*.parquet) for the dense ids of an
 * export-parquet folder -> an earshot WMF model directory, the same files `earshot-train wmf` writes
 * (trainer/wmf/model-io.ts), so eval, tags and the model pipeline take it as they take their own.
 * wmf.json records the objective in earshot's terms; spark.json what the job was and where it came from.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { EarshotError } from '../../src/errors';
import { checkOutputPath, intArg, numArg } from '../../src/cli/args';
import { defineCommand, type CommandInput, type OptionValues } from '../../src/cli/dispatch';
import { saveWmfModel, type WmfManifest } from '../wmf/model-io';
import { resolveWmfOptions, type WmfModel } from '../wmf/train';
import { parquetError } from '../export/parquet-read';
import { readIdMap, readSparkFactors } from '../export/spark-factors';
import { ITEMS_FILE, USERS_FILE, lambdaFor, readExportManifest } from '../export/spark-export-manifest';
import { progressLine, rateText } from './progress-line';

export const IMPORT_SPARK_USAGE = `usage: earshot-train import-spark --spark-model <dir> --export <dir> --out <dir> [options]
  --spark-model DIR    what ALSModel.save (or DataFrame.write.parquet) wrote: DIR/userFactors and DIR/itemFactors,
                       part-*.parquet files with columns id INT32 and features array<float>, rows in any order
  --export DIR         the export-parquet folder the job trained on (users.parquet, items.parquet, export.json)
  --out DIR            the earshot WMF model directory to write (as \`earshot-train wmf --out\`)
  --alpha A --reg-param R --max-iter N   what the job used, where it differs from export.json's settings
  --json               print a JSON summary`;

const OPTIONS = {
  'spark-model': { type: 'string' }, export: { type: 'string' }, out: { type: 'string' }, alpha: { type: 'string' }, 'reg-param': { type: 'string' },
  'max-iter': { type: 'string' }, json: { type: 'boolean' },
} as const;

async function importSparkCommand(v: OptionValues<typeof OPTIONS>, { argv }: CommandInput): Promise<void> {
  if (!v['spark-model'] || !v.export || !v.out) throw new EarshotError('ERR_INVALID_ARGUMENT', `--spark-model, --export and --out are required\n${IMPORT_SPARK_USAGE}`);
  const exp = readExportManifest(v.export);
  const alpha = numArg('alpha', v.alpha, 0) ?? exp.spark.alpha;
  const regParam = numArg('reg-param', v['reg-param'], 0) ?? exp.spark.regParam;
  const maxIter = intArg('max-iter', v['max-iter'], 1, 100000) ?? exp.spark.maxIter;
  checkOutputPath('--out', v.out, 'dir', { empty: true });
  for (const side of ['userFactors', 'itemFactors']) {
    if (!fs.existsSync(path.join(v['spark-model'], side))) throw parquetError(`--spark-model ${v['spark-model']} has no ${side} folder (give the path ALSModel.save wrote)`);
  }

  const t0 = process.hrtime.bigint();
  const users = await readIdMap(path.join(v.export, USERS_FILE), 'user', 'user_id');
  const items = await readIdMap(path.join(v.export, ITEMS_FILE), 'item', 'song_id');
  const progress = progressLine(process.stderr, 'import-spark');
  const total = users.ids.length + items.ids.length;
  const shown = (done: number) => progress(rateText(done, total, Number(process.hrtime.bigint() - t0) / 1e9, 'factor rows'));
  const u = await readSparkFactors(path.join(v['spark-model'], 'userFactors'), users, 'user', shown);
  const i = await readSparkFactors(path.join(v['spark-model'], 'itemFactors'), items, 'item', (done) => shown(users.ids.length + done));
  progress(null);
  if (u.rank !== i.rank) throw parquetError(`--spark-model ${v['spark-model']}: userFactors have rank ${u.rank}, itemFactors ${i.rank}`);
  const readS = Number(process.hrtime.bigint() - t0) / 1e9;

  // earshot's lambda for the job's regParam (export.json's own when the job used its suggestion).
  const lambda = v['reg-param'] === undefined ? exp.earshot.lambda : lambdaFor(regParam, exp.counts);
  const options = resolveWmfOptions({ factors: u.rank, iterations: maxIter, lambda, alpha, eps: exp.earshot.eps, mode: 'log', solver: 'exact', threads: 1 });
  const model: WmfModel = { userFactors: u.factors, itemFactors: i.factors, factors: u.rank, iterations: [], options };
  const manifest: WmfManifest = {
    format: 'earshot-wmf', version: 1, factors: u.rank, users: users.ids.length, items: items.ids.length, options, iterations: [],
    input: exp.input, holdout: { kind: 'none', fraction: 0, seed: 0, testNnz: 0 }, timings: { loadS: readS, trainS: 0 },
    command: ['earshot-train', 'import-spark', ...argv].join(' '),
  };
  const spark = {
    source: 'spark-als', sparkModel: path.resolve(v['spark-model']), export: path.resolve(v.export), rank: u.rank, alpha, regParam, maxIter, implicitPrefs: true,
    files: [...u.files, ...i.files].map((f) => path.resolve(f)), zeroFilled: { users: u.zeroFilled, items: i.zeroFilled }, readS,
  };
  await saveWmfModel(v.out, model, users.ids, items.ids, manifest, async (dir) => fs.writeFileSync(path.join(dir, 'spark.json'), JSON.stringify(spark, null, 2) + '\n'));
  const summary = { out: v.out, users: users.ids.length, items: items.ids.length, factors: u.rank, parts: { users: u.files.length, items: i.files.length }, zeroFilled: spark.zeroFilled, readS };
  if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    const filled = u.zeroFilled + i.zeroFilled > 0 ? `; ${u.zeroFilled} users and ${i.zeroFilled} songs without plays set to zero` : '';
    process.stdout.write(`${v.out}: ${summary.users} users x ${summary.items} songs, ${u.rank} factors from ${u.files.length} + ${i.files.length} Parquet parts in ${readS.toFixed(2)} s${filled}\n`);
  }
}

export const IMPORT_SPARK_COMMAND = defineCommand({
  name: 'import-spark', summary: 'Spark MLlib ALS factors (Parquet) -> an earshot WMF model', usage: IMPORT_SPARK_USAGE, options: OPTIONS, run: importSparkCommand,
});
