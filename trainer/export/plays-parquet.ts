/**
 * The play-count matrix WMF trains on as Spark-ready Parquet triplets, one row per (user, song) pair
 * with plays, in user order:
 *   user               INT32  the matrix row (Spark ALS takes Int ids, so dense indices)
 *   item               INT32  the matrix column
 *   plays              FLOAT  the raw count r, duplicates summed (what earshot trains on, float32)
 *   confidence_weight  FLOAT  log(1 + r / eps): Spark's implicit ALS uses c = 1 + alpha * rating,
 *                             so with ratingCol = confidence_weight and alpha = earshot's alpha it
 *                             trains with the paper's c = 1 + alpha * log(1 + r / eps)
 * Memory: the loaded matrix (the same loader as `earshot-train wmf`) plus one row group: 16 bytes a
 * row in these typed arrays, about as much again in the writer's copy and its encoded pages (about
 * 48 MiB at the default 1,048,576 rows a group), whatever the number of plays.
 */
import type { Csr } from '../data/csr';
import type { ParquetWriterModule } from './parquet-modules';
import { flatSchema, requiredColumn, writeParquetGroups, type ColumnSource, type ParquetFileSummary } from './parquet-write';

export const DEFAULT_PLAYS_GROUP_ROWS = 1 << 20;

const PLAYS_SCHEMA = flatSchema([requiredColumn('user', 'INT32'), requiredColumn('item', 'INT32'), requiredColumn('plays', 'FLOAT'), requiredColumn('confidence_weight', 'FLOAT')]);

export interface PlaysParquetOptions {
  /** eps of c = 1 + alpha log(1 + r / eps), > 0. */
  eps: number;
  /** Rows per row group (also Spark's unit of read parallelism). */
  groupRows: number;
  /** Called after each row group with the rows written so far. */
  onGroup?: (rowsWritten: number) => void;
}

/** log(1 + r / eps) as float32, the value Spark multiplies by alpha. */
function confidenceWeight(r: number, eps: number): number {
  return Math.fround(Math.log1p(r / eps));
}

/** Writes byUser's stored entries to `file` (see the file comment). */
export function writePlaysParquet(pq: ParquetWriterModule, file: string, byUser: Csr, o: PlaysParquetOptions): ParquetFileSummary {
  const n = Math.min(o.groupRows, Math.max(1, byUser.indices.length));
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const plays = new Float32Array(n);
  const weight = new Float32Array(n);
  const group = (k: number): ColumnSource[] => [
    { name: 'user', data: user.subarray(0, k) },
    { name: 'item', data: item.subarray(0, k) },
    { name: 'plays', data: plays.subarray(0, k) },
    { name: 'confidence_weight', data: weight.subarray(0, k) },
  ];
  function* groups(): Generator<ColumnSource[]> {
    let k = 0;
    let written = 0;
    for (let u = 0; u < byUser.rows; u++) {
      for (let j = byUser.indptr[u]; j < byUser.indptr[u + 1]; j++) {
        user[k] = u;
        item[k] = byUser.indices[j];
        plays[k] = byUser.data[j];
        weight[k] = confidenceWeight(byUser.data[j], o.eps);
        if (++k === n) {
          yield group(k); // the writer copies the group before this loop overwrites the arrays
          written += k;
          k = 0;
          o.onGroup?.(written);
        }
      }
    }
    if (k > 0) {
      yield group(k);
      o.onGroup?.(written + k);
    }
  }
  return writeParquetGroups(pq, file, PLAYS_SCHEMA, groups(), { 'earshot.confidence': `c = 1 + alpha * log(1 + plays / ${o.eps})`, 'earshot.eps': String(o.eps) });
}

/** Stored entries per row of a CSR: a user's songs with plays (by user) or a song's listeners (by item). */
export function rowCounts(m: Csr): Int32Array {
  const out = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.indptr[r + 1] - m.indptr[r];
  return out;
}
