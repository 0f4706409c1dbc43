// earshot-train export-parquet: generated plays -> Parquet triplets + id maps, read back by DuckDB (a
// second Parquet implementation) and compared with the input parsed by the slow reference reader
// (test/helpers/plays-reference.ts) and the closed form log1p(r / eps); the Spark confidence
// 1 + alpha * weight against earshot's own confidence(); codec, types and row-group bounds from
// DuckDB's parquet_metadata/parquet_schema.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { confidence } from '../../src/catalog/confidence';
import { mulberry32 } from '../../trainer/eval/prng';
import { assertCliRefuses } from '../helpers/cli-refusals';
import { referenceParse } from '../helpers/plays-reference';
import { distPath } from '../helpers/shared';
import { tempFiles } from '../helpers/temp-files';
import { lit, openDuck, type Duck } from './spark-duckdb';

const run = promisify(execFile);
const CLI = distPath('trainer', 'cli.js');
const tmp = tempFiles('spark-export');
let duck: Duck;

before(async () => {
  duck = await openDuck();
});
after(() => duck.close());

/** 150 users x 90 songs, skewed, with repeated (user, song) lines to be summed and users/songs whose only lines count 0. */
function generatedPlays(seed: number): string {
  const r = mulberry32(seed);
  const lines: string[] = [];
  for (let u = 0; u < 150; u++) {
    const n = 1 + Math.floor(r() * r() * 30);
    for (let k = 0; k < n; k++) lines.push(`user-${u}\tSO${Math.floor(r() * r() * 90)}\t${1 + Math.floor(r() * r() * 200)}`);
    if (u % 17 === 0) lines.push(`user-${u}\tSO${Math.floor(r() * 90)}\t${1 + Math.floor(r() * 5)}`); // often a repeat of a pair
  }
  lines.push('listens-nothing\tSO1\t0', 'user-3\tnever-played\t0');
  return lines.join('\n') + '\n';
}

test('plays.parquet holds every (user, song) sum and its log confidence weight, read back by DuckDB; the id maps and export.json agree', async () => {
  const text = generatedPlays(7);
  const input = tmp.write('plays.tsv', text);
  const out = path.join(tmp.dir, 'export');
  const { stdout } = await run(process.execPath, [CLI, 'export-parquet', '--input', input, '--out', out, '--row-group-rows', '250', '--alpha', '2', '--eps', '1e-6', '--json']);
  const m = JSON.parse(stdout);
  const ref = referenceParse(text);

  const rows = await duck.rows(`SELECT u.user_id, i.song_id, p.plays, p.confidence_weight, p."user", p.item
    FROM read_parquet(${lit(path.join(out, 'plays.parquet'))}) p
    JOIN read_parquet(${lit(path.join(out, 'users.parquet'))}) u ON u."user" = p."user"
    JOIN read_parquet(${lit(path.join(out, 'items.parquet'))}) i ON i.item = p.item`);
  assert.equal(rows.length, ref.sums.size, 'one row per (user, song) pair with plays');
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.user_id}\t${row.song_id}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
    const r = ref.sums.get(key);
    assert.equal(row.plays, r, `${key}: plays`);
    assert.equal(row.confidence_weight, Math.fround(Math.log1p(r! / 1e-6)), `${key}: confidence_weight = log(1 + r / eps)`);
    // Spark's implicit confidence 1 + alpha * rating with rating = the weight is the paper's c (float32 rounding apart).
    const earshot = confidence(Float32Array.of(r!), { mode: 'log', alpha: 2, eps: 1e-6 })[0];
    assert.ok(Math.abs(1 + 2 * (row.confidence_weight as number) - earshot) <= 4e-6 * earshot, `${key}: Spark c vs earshot c`);
  }

  // Dense indices in first-appearance order, as the loader numbers them; interactions = songs (listeners) with plays.
  const users = await duck.rows(`SELECT "user", user_id, interactions FROM read_parquet(${lit(path.join(out, 'users.parquet'))}) ORDER BY "user"`);
  assert.deepEqual(users.map((u) => u.user_id), ref.users);
  assert.deepEqual(users.map((u) => u.user), ref.users.map((_, i) => i));
  const perUser = new Map<string, number>();
  const perItem = new Map<string, number>();
  for (const key of ref.sums.keys()) {
    const [u, i] = key.split('\t');
    perUser.set(u, (perUser.get(u) ?? 0) + 1);
    perItem.set(i, (perItem.get(i) ?? 0) + 1);
  }
  assert.deepEqual(users.map((u) => u.interactions), ref.users.map((u) => perUser.get(u) ?? 0));
  assert.equal(perUser.get('listens-nothing'), undefined, 'a user whose only line counts 0 is listed with 0 interactions');
  const items = await duck.rows(`SELECT item, song_id, interactions FROM read_parquet(${lit(path.join(out, 'items.parquet'))}) ORDER BY item`);
  assert.deepEqual(items.map((i) => i.song_id), ref.items);
  assert.deepEqual(items.map((i) => i.interactions), ref.items.map((i) => perItem.get(i) ?? 0));

  // Spark-ready physical types, Snappy, row groups of at most --row-group-rows.
  const schema = await duck.rows(`SELECT name, type, repetition_type FROM parquet_schema(${lit(path.join(out, 'plays.parquet'))}) WHERE type IS NOT NULL`);
  assert.deepEqual(schema.map((s) => [s.name, s.type, s.repetition_type]), [['user', 'INT32', 'REQUIRED'], ['item', 'INT32', 'REQUIRED'], ['plays', 'FLOAT', 'REQUIRED'], ['confidence_weight', 'FLOAT', 'REQUIRED']]);
  const groups = await duck.rows(`SELECT row_group_id::INTEGER AS g, any_value(row_group_num_rows)::INTEGER AS n, list(DISTINCT compression) AS codecs FROM parquet_metadata(${lit(path.join(out, 'plays.parquet'))}) GROUP BY row_group_id ORDER BY row_group_id`);
  assert.equal(groups.length, Math.ceil(ref.sums.size / 250), 'row groups');
  assert.ok(groups.every((g) => (g.n as number) <= 250 && String(g.codecs) === 'SNAPPY'), JSON.stringify(groups));

  // export.json: counts, the closed-form regParam, the Spark settings the documented job reads.
  const nU = ref.users.filter((u) => perUser.has(u)).length;
  const nI = ref.items.filter((i) => perItem.has(i)).length;
  assert.deepEqual(m.counts, { users: ref.users.length, items: ref.items.length, nnz: ref.sums.size, usersWithPlays: nU, itemsWithPlays: nI });
  assert.ok(Math.abs(m.spark.regParam - (1e-5 * (nU + nI)) / (2 * ref.sums.size)) < 1e-18, `regParam ${m.spark.regParam}`);
  assert.deepEqual({ ...m.spark, regParam: 0 }, { implicitPrefs: true, userCol: 'user', itemCol: 'item', ratingCol: 'confidence_weight', alpha: 2, regParam: 0, rank: 50, maxIter: 15, nonnegative: false });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'export.json'), 'utf8')).files, m.files);
  assert.equal(m.files.plays.rows, ref.sums.size);
});

test('export-parquet refuses bad invocations and bad plays with one line, leaving no output behind', async () => {
  const good = tmp.write('ok.tsv', 'u1\ts1\t3\n');
  const bad = tmp.write('bad.tsv', 'u1\ts1\t3\nu2\ts2\tmany\n');
  const out = path.join(tmp.dir, 'refused');
  await assertCliRefuses(CLI, [
    [['export-parquet', '--input', good], /--out and one of --input or --model are required/, 2],
    [['export-parquet', '--input', good, '--model', tmp.dir, '--out', out], /one of --input or --model/, 2],
    [['export-parquet', '--input', good, '--out', out, '--row-group-rows', '0'], /--row-group-rows must be an integer in 1\.\./, 2],
    [['export-parquet', '--input', good, '--out', out, '--eps', '0'], /--eps must be a number > 0/, 2],
    [['export-parquet', '--input', bad, '--out', out], /bad\.tsv:2: count is not a non-negative number.*\[ERR_TRIPLETS_FORMAT\]/, 1],
    [['export-parquet', '--input', good, '--out', good], /exists and is not a directory/, 1],
  ]);
  assert.ok(!fs.existsSync(out), 'nothing written under --out');
  assert.deepEqual(fs.readdirSync(tmp.dir).filter((f) => f.includes('.partial-')), [], 'no partial folder left');
});
