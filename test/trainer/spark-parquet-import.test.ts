// earshot-train import-spark: Spark-shaped factor folders written by DuckDB (a second Parquet
// implementation: several part files, rows shuffled, Snappy, Spark's _SUCCESS and .crc files beside
// them) -> an earshot model directory whose factors equal DuckDB's own reading of those files exactly,
// and which `earshot-train eval` scores exactly as a model saved from the reference factors directly.
// Then earshot's own WMF factors out as Spark-shaped Parquet and back in, byte for byte.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { mulberry32 } from '../../trainer/eval/prng';
import { loadWmfModel, saveWmfModel } from '../../trainer/wmf/model-io';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { distPath } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';
import { factorSql, lit, openDuck, type Duck } from './spark-duckdb';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = tempFiles('spark-import');
let duck: Duck;
let exportDir: string;

const RANK = 8;

/** Plays of 60 users x 40 songs; `ghost` and song `silent` only have zero counts (0 interactions). */
function plays(seed: number, keep: (k: number) => boolean): string {
  const r = mulberry32(seed);
  const lines: string[] = [];
  for (let k = 0; k < 900; k++) {
    const line = `u${Math.floor(r() * 60)}\ts${Math.floor(r() * r() * 40)}\t${1 + Math.floor(r() * 9)}`; // drawn always: one stream for every split
    if (keep(k)) lines.push(line);
  }
  return lines.join('\n') + '\n';
}

before(async () => {
  duck = await openDuck();
  const all = plays(3, () => true) + 'ghost\ts1\t0\nu1\tsilent\t0\n';
  tmp.write('train.tsv', plays(3, (k) => k % 5 !== 0));
  tmp.write('test.tsv', plays(3, (k) => k % 5 === 0));
  exportDir = path.join(tmp.dir, 'export');
  await run(process.execPath, [CLI, 'export-parquet', '--input', tmp.write('all.tsv', all), '--out', exportDir, '--factors', String(RANK)]);
});
after(() => duck.close());

/**
 * A Spark-shaped factor folder for the ids of `map` (users/items.parquet) with interactions > 0: `parts`
 * part files of shuffled rows, small row groups, Snappy, plus Spark's _SUCCESS and .crc files.
 */
async function sparkFolder(dir: string, map: string, index: string, parts: number, select = `${index} AS id, ${factorSql(index, RANK)} AS features`, where = 'interactions > 0'): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let p = 0; p < parts; p++) {
    const name = `part-0000${p}-7f3a9c1e-0b2d-4e4f-9a8b-1c2d3e4f5a6b-c000.snappy.parquet`;
    await duck.run(`COPY (SELECT ${select} FROM read_parquet(${lit(path.join(exportDir, map))}) WHERE ${where} AND hash(${index}) % ${parts} = ${p} ORDER BY hash(${index} + 17))
      TO ${lit(path.join(dir, name))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 7)`);
    fs.writeFileSync(path.join(dir, `.${name}.crc`), 'crc of the part, not Parquet');
  }
  fs.writeFileSync(path.join(dir, '_SUCCESS'), '');
}

/** DuckDB's reading of a factor folder: rows x rank in id order, zeros for ids it has no row for. */
async function duckFactors(dir: string, rows: number, rank = RANK): Promise<Float32Array> {
  const out = new Float32Array(rows * rank);
  for (const r of await duck.rows(`SELECT id, features FROM read_parquet(${lit(path.join(dir, '*.parquet'))})`)) out.set(r.features as number[], (r.id as number) * rank);
  return out;
}

test('DuckDB-written Spark factors (3 + 2 shuffled parts) import exactly; users and songs without plays get zeros; eval scores it as the reference', async () => {
  const spark = path.join(tmp.dir, 'spark-model');
  await sparkFolder(path.join(spark, 'userFactors'), 'users.parquet', '"user"', 3);
  await sparkFolder(path.join(spark, 'itemFactors'), 'items.parquet', 'item', 2);
  const out = path.join(tmp.dir, 'imported');
  const { stdout } = await run(process.execPath, [CLI, 'import-spark', '--spark-model', spark, '--export', exportDir, '--out', out, '--json']);
  const s = JSON.parse(stdout);
  assert.deepEqual(s.parts, { users: 3, items: 2 });
  assert.deepEqual(s.zeroFilled, { users: 1, items: 1 }, 'ghost and silent: no plays, no Spark row');

  const model = loadWmfModel(out);
  const users = (await duck.rows(`SELECT user_id FROM read_parquet(${lit(path.join(exportDir, 'users.parquet'))}) ORDER BY "user"`)).map((r) => r.user_id);
  const items = (await duck.rows(`SELECT song_id FROM read_parquet(${lit(path.join(exportDir, 'items.parquet'))}) ORDER BY item`)).map((r) => r.song_id);
  assert.deepEqual(model.users, users);
  assert.deepEqual(model.items, items);
  const refU = await duckFactors(path.join(spark, 'userFactors'), users.length);
  const refI = await duckFactors(path.join(spark, 'itemFactors'), items.length);
  assert.deepEqual(model.userFactors, refU, 'user factors bit for bit');
  assert.deepEqual(model.itemFactors, refI, 'item factors bit for bit');
  assert.ok(refU.some((x) => x !== 0) && model.userFactors.subarray(users.indexOf('ghost') * RANK, (users.indexOf('ghost') + 1) * RANK).every((x) => x === 0));
  assert.equal(model.manifest.factors, RANK);
  assert.equal(model.manifest.options.alpha, 2);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'spark.json'), 'utf8')).files.length, 5);

  // A consumer: eval on the imported model = eval on a model saved from DuckDB's factors directly.
  const direct = path.join(tmp.dir, 'direct');
  await saveWmfModel(direct, { userFactors: refU, itemFactors: refI, factors: RANK, iterations: [], options: model.manifest.options }, users as string[], items as string[], model.manifest);
  const evalJson = async (dir: string) => {
    const r = JSON.parse((await run(process.execPath, [CLI, 'eval', '--model', dir, '--train', path.join(tmp.dir, 'train.tsv'), '--test', path.join(tmp.dir, 'test.tsv'), '--json'])).stdout);
    delete r.model;
    delete r.seconds;
    return r;
  };
  const a = await evalJson(out);
  assert.ok(a.users > 20 && a.wmf.auc >= 0 && a.wmf.auc <= 1, JSON.stringify(a));
  assert.deepEqual(a, await evalJson(direct));
});

test("earshot's own WMF factors -> Spark-shaped Parquet (Spark's schema, read by DuckDB) -> import-spark: the model files come back byte for byte", async () => {
  const trained = path.join(tmp.dir, 'wmf');
  await run(process.execPath, [CLI, 'wmf', '--input', path.join(tmp.dir, 'train.tsv'), '--out', trained, '--factors', '6', '--iterations', '3', '--threads', '1']);
  const exported = path.join(tmp.dir, 'wmf-export');
  await run(process.execPath, [CLI, 'export-parquet', '--model', trained, '--out', exported]);
  const part = path.join(exported, 'model', 'userFactors', 'part-00000.snappy.parquet');
  const schema = await duck.rows(`SELECT name, type, repetition_type, converted_type FROM parquet_schema(${lit(part)})`);
  assert.deepEqual(schema.slice(1).map((s) => [s.name, s.type, s.repetition_type, s.converted_type]), [
    ['id', 'INT32', 'REQUIRED', null], ['features', null, 'OPTIONAL', 'LIST'], ['list', null, 'REPEATED', null], ['element', 'FLOAT', 'REQUIRED', null],
  ], "Spark's schema for array<float> without null elements");
  const codecs = await duck.rows(`SELECT DISTINCT compression FROM parquet_metadata(${lit(part)})`);
  assert.deepEqual(codecs.map((c) => c.compression), ['SNAPPY']);
  const m = loadWmfModel(trained);
  assert.deepEqual(await duckFactors(path.dirname(part), m.users.length, 6), m.userFactors, 'DuckDB reads the factors earshot wrote');

  const back = path.join(tmp.dir, 'wmf-back');
  await run(process.execPath, [CLI, 'import-spark', '--spark-model', path.join(exported, 'model'), '--export', exported, '--out', back]);
  for (const f of ['user_factors.npy', 'item_factors.npy', 'users.txt', 'items.txt']) {
    assert.ok(fs.readFileSync(path.join(back, f)).equals(fs.readFileSync(path.join(trained, f))), `${f} identical`);
  }
});

test('parts of several row groups: every group read, rows counted across groups in messages', async () => {
  const lines: string[] = [];
  for (let u = 0; u < 5000; u++) lines.push(`v${u}\ts${u % 7}\t${1 + (u % 3)}`);
  const exp = path.join(tmp.dir, 'export-5k');
  await run(process.execPath, [CLI, 'export-parquet', '--input', tmp.write('5k.tsv', lines.join('\n') + '\n'), '--out', exp]);
  const spark = path.join(tmp.dir, 'spark-5k');
  const part = (side: string, name: string) => path.join(spark, side, name);
  fs.mkdirSync(path.join(spark, 'userFactors'), { recursive: true });
  fs.mkdirSync(path.join(spark, 'itemFactors'), { recursive: true });
  const users = lit(path.join(exp, 'users.parquet'));
  await duck.run(`COPY (SELECT item AS id, ${factorSql('item', RANK)} AS features FROM read_parquet(${lit(path.join(exp, 'items.parquet'))})) TO ${lit(part('itemFactors', 'part-00000.parquet'))} (FORMAT parquet)`);
  // DuckDB cuts row groups of 2,048 rows (its vector size): rows 0-2047, 2048-4095, 4096-4999.
  await duck.run(`COPY (SELECT "user" AS id, ${factorSql('"user"', RANK)} AS features FROM read_parquet(${users}) ORDER BY "user") TO ${lit(part('userFactors', 'part-00000.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  const groups = await duck.rows(`SELECT count(DISTINCT row_group_id)::INTEGER AS g FROM parquet_metadata(${lit(part('userFactors', 'part-00000.parquet'))})`);
  assert.equal(groups[0].g, 3, 'the premise: three row groups');
  const out = path.join(tmp.dir, 'imported-5k');
  await run(process.execPath, [CLI, 'import-spark', '--spark-model', spark, '--export', exp, '--out', out]);
  assert.deepEqual(loadWmfModel(out).userFactors, await duckFactors(path.join(spark, 'userFactors'), 5000));

  // Row 4,500 (the third group's 405th) repeats the id of row 4,499.
  await duck.run(`COPY (SELECT CASE WHEN "user" = 4500 THEN 4499 ELSE "user" END AS id, ${factorSql('"user"', RANK)} AS features FROM read_parquet(${users}) ORDER BY "user")
    TO ${lit(part('userFactors', 'part-00000.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  await assertCliRefuses(CLI, [[['import-spark', '--spark-model', spark, '--export', exp, '--out', path.join(tmp.dir, 'never-5k')], /part-00000\.parquet row 4500: user id 4499 appears twice \(first at .*part-00000\.parquet row 4499\) \[ERR_PARQUET_FORMAT\]/, 1]]);
});
