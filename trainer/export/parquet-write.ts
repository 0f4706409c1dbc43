/**
 * One Parquet file written a row group at a time (hyparquet-writer): the caller yields each group's
 * columns, so only one group is ever in memory, and the file writer appends to disk every ~1 MB.
 * Snappy (Spark's default codec), data page v2 with PLAIN or dictionary encoding, an explicit schema
 * so every column has the exact physical type Spark reads (INT32 ids, FLOAT values, UTF8 strings).
 * Writing is synchronous (fs.writeFileSync appends), which lets whole folders be swapped in whole
 * (trainer/export/replace-dir.ts).
 */
import * as fs from 'node:fs';
import type { ParquetWriterModule } from './parquet-modules';

/** The schema and column types the writer takes (hyparquet's SchemaElement, hyparquet-writer's ColumnSource). */
type WriterOptions = ConstructorParameters<ParquetWriterModule['ParquetWriter']>[0];
export type SchemaElement = WriterOptions['schema'][number];
export type ColumnSource = Parameters<InstanceType<ParquetWriterModule['ParquetWriter']>['write']>[0]['columnData'][number];

/** Rows per row group of the id maps and factor files (a group's strings or factor arrays are JS values). */
const ID_MAP_GROUP_ROWS = 1 << 16;

export interface ParquetFileSummary {
  rows: number;
  rowGroups: number;
  bytes: number;
}

/** A required INT32, FLOAT or UTF8 column of the root schema. */
export function requiredColumn(name: string, type: 'INT32' | 'FLOAT' | 'STRING'): SchemaElement {
  return type === 'STRING' ? { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } : { name, type, repetition_type: 'REQUIRED' };
}

/** The root element over `columns` (leaf columns only). */
export function flatSchema(columns: SchemaElement[]): SchemaElement[] {
  return [{ name: 'schema', num_children: columns.length }, ...columns];
}

/**
 * Writes `file` from `groups` (each a list of same-length columns, in schema order); empty groups are
 * skipped. `kv` goes into the footer's key/value metadata (earshot records what wrote the file).
 */
export function writeParquetGroups(pq: ParquetWriterModule, file: string, schema: SchemaElement[], groups: Iterable<ColumnSource[]>, kv: Record<string, string> = {}): ParquetFileSummary {
  const writer = new pq.ParquetWriter({
    writer: pq.fileWriter(file), schema, codec: 'SNAPPY', createdBy: 'earshot-train (hyparquet-writer)',
    kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
  });
  let rows = 0;
  let rowGroups = 0;
  for (const columns of groups) {
    const n = columns[0].data.length;
    if (n === 0) continue;
    writer.write({ columnData: columns, rowGroupSize: n });
    rows += n;
    rowGroups++;
  }
  writer.finish();
  return { rows, rowGroups, bytes: fs.statSync(file).size };
}

/**
 * An id map: `indexName` INT32 0..n-1 in order, `idName` the data set's id (UTF8), and, when given,
 * `interactions` INT32: how many (user, song) pairs with plays the row has (0: Spark ALS never sees it
 * and writes no factors for it; earshot's ALS gives such a row the zero vector).
 */
export function writeIdMap(pq: ParquetWriterModule, file: string, indexName: string, idName: string, ids: readonly string[], interactions?: Int32Array): ParquetFileSummary {
  const columns = [requiredColumn(indexName, 'INT32'), requiredColumn(idName, 'STRING')];
  if (interactions) columns.push(requiredColumn('interactions', 'INT32'));
  function* groups(): Generator<ColumnSource[]> {
    for (let s = 0; s < ids.length; s += ID_MAP_GROUP_ROWS) {
      const e = Math.min(ids.length, s + ID_MAP_GROUP_ROWS);
      const index = new Int32Array(e - s);
      for (let k = 0; k < index.length; k++) index[k] = s + k;
      const group: ColumnSource[] = [{ name: indexName, data: index }, { name: idName, data: ids.slice(s, e) }];
      if (interactions) group.push({ name: 'interactions', data: interactions.subarray(s, e) });
      yield group;
    }
  }
  return writeParquetGroups(pq, file, flatSchema(columns), groups());
}
