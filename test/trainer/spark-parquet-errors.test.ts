// earshot-train import-spark on broken Spark output, each broken one way by DuckDB (a missing or
// mistyped column, a repeated, out-of-range or missing id, a null, ragged or NaN features row, a file
// that is not Parquet, an empty folder, ranks that differ): exit 1 with ERR_PARQUET_FORMAT naming
// the file (and row), and no model directory written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { distPath } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';
import { factorSql, lit, openDuck, type Duck } from './spark-duckdb';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = tempFiles('spark-errors');
let duck: Duck;
let exportDir: string;

const GOOD_USER = `"user" AS id, ${factorSql('"user"', 8)} AS features`;

before(async () => {
  duck = await openDuck();
  const lines: string[] = [];
  for (let u = 0; u < 12; u++) for (let s = 0; s <= u % 4; s++) lines.push(`u${u}\ts${(u + s) % 9}\t${1 + s}`);
  exportDir = path.join(tmp.dir, 'export');
  await run(process.execPath, [CLI, 'export-parquet', '--input', tmp.write('plays.tsv', lines.join('\n') + '\n'), '--out', exportDir]);
});
after(() => duck.close());

/** One part file: its SELECT list over an id map, and which of the map's rows it holds. */
type Part = string | [select: string, where: string];

/** A Spark model folder named `name`: userFactors from `userParts` (one file each), good itemFactors of `itemRank`. */
async function sparkModel(name: string, userParts: Part[], itemRank = 8): Promise<string> {
  const dir = path.join(tmp.dir, name);
  const write = async (side: string, map: string, parts: Part[]) => {
    fs.mkdirSync(path.join(dir, side), { recursive: true });
    for (let p = 0; p < parts.length; p++) {
      const [select, where] = typeof parts[p] === 'string' ? [parts[p] as string, 'true'] : (parts[p] as [string, string]);
      await duck.run(`COPY (SELECT ${select} FROM read_parquet(${lit(path.join(exportDir, map))}) WHERE ${where} ORDER BY hash(random()))
        TO ${lit(path.join(dir, side, `part-0000${p}-c000.snappy.parquet`))} (FORMAT parquet, COMPRESSION snappy)`);
    }
  };
  await write('userFactors', 'users.parquet', userParts);
  await write('itemFactors', 'items.parquet', [`item AS id, ${factorSql('item', itemRank)} AS features`]);
  return dir;
}

function importArgs(model: string): string[] {
  return ['import-spark', '--spark-model', model, '--export', exportDir, '--out', path.join(tmp.dir, `${path.basename(model)}-out`)];
}

test('broken factor files are refused with the file, the row and what is wrong', async () => {
  const part0 = 'userFactors/part-00000-c000\\.snappy\\.parquet';
  const nanRow = `list_transform(range(8), c -> CASE WHEN c = 2 THEN 'nan'::FLOAT ELSE 0.5::FLOAT END)`;
  const cases: [string, Part[], RegExp][] = [
    ['no-features', [`"user" AS id, ${factorSql('"user"', 8)} AS vec`], new RegExp(`${part0}: no column "features" \\(array<float>.*the file has "id", "vec"`)],
    ['double', [`"user" AS id, ${factorSql('"user"', 8, 'DOUBLE')} AS features`], new RegExp(`${part0}: column "features" must be array<float> .*it is group of DOUBLE \\(LIST\\)`)],
    ['string-id', [`'u' || CAST("user" AS VARCHAR) AS id, ${factorSql('"user"', 8)} AS features`], /column "id" must be an INT32 or INT64 integer, it is BYTE_ARRAY/],
    ['repeated', [GOOD_USER, [GOOD_USER, '"user" = 3']], new RegExp(`part-00001-c000\\.snappy\\.parquet row 0: user id 3 appears twice \\(first at .*${part0} row \\d+\\)`)],
    ['ragged', [`"user" AS id, CASE WHEN "user" = 5 THEN ${factorSql('"user"', 7)} ELSE ${factorSql('"user"', 8)} END AS features`], new RegExp(`${part0} row \\d+: features has (7 values, .* has 8|8 values, .* has 7): every row needs the same rank`)],
    ['nan', [`"user" AS id, CASE WHEN "user" = 4 THEN ${nanRow} ELSE ${factorSql('"user"', 8)} END AS features`], new RegExp(`${part0} row \\d+: features\\[2\\] is NaN; factors must be finite`)],
    ['null', [`"user" AS id, CASE WHEN "user" = 1 THEN NULL ELSE ${factorSql('"user"', 8)} END AS features`], new RegExp(`${part0} row \\d+: features is null`)],
    ['out-of-range', [`CASE WHEN "user" = 2 THEN 10000 ELSE "user" END AS id, ${factorSql('"user"', 8)} AS features`], /row \d+: user id 10000 is outside 0\.\.11 \(the 12 users of users\.parquet\)/],
    ['missing', [[GOOD_USER, '"user" <> 6']], /userFactors: 1 \(6\) user ids have no factors but have plays \(id 6 is "u6" in users\.parquet\)/],
    ['rank-differs', [GOOD_USER], /userFactors have rank 8, itemFactors 6/],
  ];
  const refusals: [string[], RegExp, number][] = [];
  for (const [name, parts, re] of cases) {
    const model = await sparkModel(name, parts, name === 'rank-differs' ? 6 : 8);
    refusals.push([importArgs(model), new RegExp(`${re.source}[^\\n]*\\[ERR_PARQUET_FORMAT\\]`), 1]);
  }
  await assertCliRefuses(CLI, refusals);
  for (const [name] of cases) assert.ok(!fs.existsSync(path.join(tmp.dir, `${name}-out`)), `${name}: no model written`);
});

test('folders that are not Spark output, and an --export that is not one, are refused', async () => {
  const notParquet = await sparkModel('not-parquet', [GOOD_USER]);
  fs.writeFileSync(path.join(notParquet, 'userFactors', 'part-00000-c000.snappy.parquet'), 'id,features\n0,"[1,2]"\n');
  const empty = await sparkModel('empty', [GOOD_USER]);
  fs.rmSync(path.join(empty, 'userFactors'), { recursive: true });
  fs.mkdirSync(path.join(empty, 'userFactors'));
  fs.writeFileSync(path.join(empty, 'userFactors', '_SUCCESS'), '');
  const noItems = await sparkModel('no-items', [GOOD_USER]);
  fs.rmSync(path.join(noItems, 'itemFactors'), { recursive: true });
  const out = path.join(tmp.dir, 'never');
  await assertCliRefuses(CLI, [
    [importArgs(notParquet), /part-00000-c000\.snappy\.parquet: not a readable Parquet file .*\[ERR_PARQUET_FORMAT\]/, 1],
    [importArgs(empty), /userFactors holds no part-\*\.parquet files .*\[ERR_PARQUET_FORMAT\]/, 1],
    [importArgs(noItems), /has no itemFactors folder .*\[ERR_PARQUET_FORMAT\]/, 1],
    [['import-spark', '--spark-model', noItems, '--export', tmp.dir, '--out', out], /--export .* is not an export-parquet folder: export\.json is missing/, 2],
    [['import-spark', '--spark-model', noItems, '--out', out], /--spark-model, --export and --out are required/, 2],
  ]);
  assert.ok(!fs.existsSync(out));
});
