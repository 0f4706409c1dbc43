/**
 * Spark ALS factors in the layout ALSModel.save writes (<model>/userFactors and <model>/itemFactors:
 * folders of part-*.parquet files, columns `id` INT32 and `features` array<float>, rows in any order
 * and spread over any number of parts), and the id maps that turn Spark's dense ids back into the
 * data set's ids (export-parquet's users.parquet / items.parquet).
 *
 * Spark writes no factors for a row without ratings; earshot's ALS gives such a row the zero vector
 * (its normal equations have a zero right-hand side), so the reader fills those with zeros when the
 * id map says the row has 0 interactions, and refuses every other missing id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParquetWriterModule } from './parquet-modules';
import { forEachRowGroup, openParquet, parquetError, type ParquetTable } from './parquet-read';
import { IndexCoverage, someIndices } from './index-coverage';
import { writeParquetGroups, type ColumnSource, type SchemaElement } from './parquet-write';

/** Spark's own schema for a factor DataFrame (`id: int` not null, `features: array<float>` without null elements). */
const SPARK_FACTORS_SCHEMA: SchemaElement[] = [
  { name: 'spark_schema', num_children: 2 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'features', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

export interface IdMap {
  file: string;
  ids: string[];
  /** Pairs with plays per row, when the map has the column. */
  interactions: Int32Array | null;
}

/** Reads an id map (`indexName` INT32, `idName` UTF8, optional `interactions`): every index 0..rows-1 once. */
export async function readIdMap(file: string, indexName: string, idName: string): Promise<IdMap> {
  const t = await openParquet(file, { [indexName]: 'int', [idName]: 'string' }, { interactions: 'int' });
  const ids: string[] = new Array(t.rows);
  const interactions = t.has.has('interactions') ? new Int32Array(t.rows) : null;
  const seen = new IndexCoverage(t.rows, indexName, `the file has ${t.rows} rows`, [file]);
  await forEachRowGroup(t, interactions ? [indexName, idName, 'interactions'] : [indexName, idName], (group, first) => {
    for (let k = 0; k < group.length; k++) {
      const [index, id, count] = group[k];
      const i = seen.mark(index, 0, first + k);
      if (typeof id !== 'string' || id === '') throw parquetError(`${file} row ${first + k}: ${idName} is empty or null`);
      ids[i] = id;
      if (interactions) {
        const n = Number(count);
        if (!Number.isInteger(n) || n < 0) throw parquetError(`${file} row ${first + k}: interactions must be an integer >= 0, got ${String(count)}`);
        interactions[i] = n;
      }
    }
  });
  return { file, ids, interactions };
}

/** The part files of a Spark output folder (part-*.parquet, sorted); _SUCCESS, .crc and _metadata files are not data. */
function sparkParts(dir: string): string[] {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw parquetError(`${dir} ${st ? 'is not a folder' : 'does not exist'} (expected a Spark output folder of part-*.parquet files)`);
  const parts = fs.readdirSync(dir).filter((f) => /^part-.*\.parquet$/.test(f)).sort();
  if (parts.length === 0) throw parquetError(`${dir} holds no part-*.parquet files (is it what ALSModel.save wrote under userFactors/ or itemFactors/?)`);
  return parts.map((f) => path.join(dir, f));
}

export interface SparkFactors {
  /** rows x rank, row-major, in the id map's order. */
  factors: Float32Array;
  rank: number;
  files: string[];
  /** Rows with 0 interactions that Spark wrote no factors for, set to zero. */
  zeroFilled: number;
}

/**
 * Reads the factor parts in `dir` for the ids of `map` (`what`: "user" or "item", for messages).
 * Errors name file and row: a bad schema, an id out of range or repeated, a null or ragged
 * `features`, a NaN or infinite value, a row with interactions and no factors. `onRows` hears the
 * rows read so far after each row group (progress).
 */
export async function readSparkFactors(dir: string, map: IdMap, what: string, onRows?: (rowsRead: number) => void): Promise<SparkFactors> {
  const files = sparkParts(dir);
  const rows = map.ids.length;
  const seen = new IndexCoverage(rows, `${what} id`, `the ${rows} ${what}s of ${path.basename(map.file)}`, files);
  let rank = 0;
  let rankAt = '';
  let factors = new Float32Array(0);
  let read = 0;
  for (let f = 0; f < files.length; f++) {
    const t: ParquetTable = await openParquet(files[f], { id: 'int', features: 'floatList' });
    await forEachRowGroup(t, ['id', 'features'], (group, first) => {
      for (let k = 0; k < group.length; k++) {
        const at = () => `${files[f]} row ${first + k}`; // only for messages
        const [id, v] = group[k];
        const i = seen.mark(id, f, first + k);
        if (!Array.isArray(v)) throw parquetError(`${at()}: features is null`);
        if (rank === 0) {
          if (v.length === 0) throw parquetError(`${at()}: features is empty`);
          rank = v.length;
          rankAt = at();
          factors = new Float32Array(rows * rank);
        } else if (v.length !== rank) {
          throw parquetError(`${at()}: features has ${v.length} values, ${rankAt} has ${rank}: every row needs the same rank`);
        }
        for (let c = 0; c < rank; c++) {
          const x = v[c];
          if (typeof x !== 'number' || !Number.isFinite(x)) throw parquetError(`${at()}: features[${c}] is ${x === null ? 'null' : String(x)}; factors must be finite`);
          factors[i * rank + c] = x;
        }
      }
      read += group.length;
      onRows?.(read);
    });
  }
  const missing = seen.missing();
  const unexplained = map.interactions ? missing.filter((i) => map.interactions![i] > 0) : missing;
  if (unexplained.length > 0) {
    const first = unexplained[0];
    throw parquetError(`${dir}: ${someIndices(unexplained)} ${what} ids have no factors${map.interactions ? ' but have plays' : ''} (id ${first} is "${map.ids[first]}" in ${path.basename(map.file)})`);
  }
  if (rank === 0) throw parquetError(`${dir}: no factor rows at all`);
  return { factors, rank, files, zeroFilled: missing.length };
}

/**
 * Rows per row group of a factor file: each row is a JS array while its group is encoded (hyparquet-
 * writer walks nested lists value by value), so groups stay small: 16,384 x rank 50 = 3.3 MB of floats.
 */
const FACTOR_GROUP_ROWS = 1 << 14;

/**
 * Writes rows x rank factors as Spark would save them: `dir`/part-00000.snappy.parquet (id = the row
 * index, features = its factors) and an empty _SUCCESS, in row groups of FACTOR_GROUP_ROWS; `onRows`
 * hears the rows written so far after each group.
 */
export function writeSparkFactors(pq: ParquetWriterModule, dir: string, factors: Float32Array, rows: number, rank: number, onRows?: (rowsWritten: number) => void): void {
  fs.mkdirSync(dir, { recursive: true });
  function* groups(): Generator<ColumnSource[]> {
    for (let s = 0; s < rows; s += FACTOR_GROUP_ROWS) {
      const e = Math.min(rows, s + FACTOR_GROUP_ROWS);
      const id = new Int32Array(e - s);
      const features: number[][] = [];
      for (let r = s; r < e; r++) {
        id[r - s] = r;
        features.push(Array.from(factors.subarray(r * rank, (r + 1) * rank)));
      }
      // No min/max statistics for the factors: nothing filters on them, and they cost a third of the time.
      yield [{ name: 'id', data: id }, { name: 'features', data: features, statistics: false }];
      onRows?.(e);
    }
  }
  writeParquetGroups(pq, path.join(dir, 'part-00000.snappy.parquet'), SPARK_FACTORS_SCHEMA, groups());
  fs.writeFileSync(path.join(dir, '_SUCCESS'), '');
}
