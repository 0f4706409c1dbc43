/**
 * Reading Parquet files that come from elsewhere (Spark's factor parts, the id maps): the columns
 * asked for are checked against the file's schema once, by kind, before any row is read, and rows
 * are then read one row group at a time (hyparquet), so memory stays at one group whatever the file's
 * size. Every problem is an ERR_PARQUET_FORMAT naming the file (and the row, counting from 0).
 */
import { EarshotError } from '../../src/errors';
import { parquetReader, type ParquetReaderModule } from './parquet-modules';

/** int: INT32 or INT64; string: UTF8 byte array; floatList: a LIST of FLOAT (Spark's array<float>). */
export type ColumnKind = 'int' | 'string' | 'floatList';

type Metadata = Awaited<ReturnType<ParquetReaderModule['parquetMetadataAsync']>>;
type SchemaTree = ReturnType<ParquetReaderModule['parquetSchema']>;
type AsyncBuffer = Awaited<ReturnType<ParquetReaderModule['asyncBufferFromFile']>>;

export interface ParquetTable {
  file: string;
  rows: number;
  /** Which of the optional columns asked for the file has. */
  has: Set<string>;
  buffer: AsyncBuffer;
  metadata: Metadata;
}

export function parquetError(message: string, cause?: unknown): EarshotError {
  return new EarshotError('ERR_PARQUET_FORMAT', message, cause === undefined ? undefined : { cause });
}

const KIND_TEXT: Record<ColumnKind, string> = { int: 'an INT32 or INT64 integer', string: 'a UTF8 string', floatList: 'array<float> (a LIST of FLOAT, as Spark ALS writes features)' };

function leaves(node: SchemaTree): SchemaTree[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leaves);
}

/** "INT32", "BYTE_ARRAY (UTF8)", "group of DOUBLE (LIST)": what a column is, for messages. */
function describe(node: SchemaTree): string {
  const e = node.element;
  const note = e.logical_type?.type ?? e.converted_type;
  if (node.children.length === 0) return `${e.type}${note ? ` (${note})` : ''}`;
  return `group of ${leaves(node).map((l) => l.element.type).join(', ')}${note ? ` (${note})` : ''}`;
}

function matches(node: SchemaTree, kind: ColumnKind): boolean {
  const e = node.element;
  const note = e.logical_type?.type ?? e.converted_type;
  if (kind === 'int') return node.children.length === 0 && (e.type === 'INT32' || e.type === 'INT64') && (note === undefined || note === 'INTEGER' || note === 'INT_32' || note === 'INT_64');
  if (kind === 'string') return node.children.length === 0 && e.type === 'BYTE_ARRAY' && (note === 'UTF8' || note === 'STRING');
  const l = leaves(node);
  return node.children.length > 0 && note === 'LIST' && l.length === 1 && l[0].element.type === 'FLOAT';
}

/**
 * Opens `file` and checks that it has each `required` column (and each `optional` one it has) of its
 * kind. Errors: not a Parquet file (or unreadable), a column missing or of another type.
 */
export async function openParquet(file: string, required: Record<string, ColumnKind>, optional: Record<string, ColumnKind> = {}): Promise<ParquetTable> {
  const pq = await parquetReader();
  let buffer: AsyncBuffer;
  let metadata: Metadata;
  try {
    buffer = await pq.asyncBufferFromFile(file);
    metadata = await pq.parquetMetadataAsync(buffer);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new EarshotError('ERR_IO', `cannot read ${file}: ${code}`, { cause: err });
    throw parquetError(`${file}: not a readable Parquet file (${(err as Error).message})`, err);
  }
  const columns = new Map(pq.parquetSchema(metadata).children.map((c) => [c.element.name, c]));
  const check = (name: string, kind: ColumnKind) => {
    const node = columns.get(name);
    if (node && !matches(node, kind)) throw parquetError(`${file}: column "${name}" must be ${KIND_TEXT[kind]}, it is ${describe(node)}`);
    return !!node;
  };
  for (const [name, kind] of Object.entries(required)) {
    if (!check(name, kind)) throw parquetError(`${file}: no column "${name}" (${KIND_TEXT[kind]}); the file has ${[...columns.keys()].map((c) => `"${c}"`).join(', ') || 'no columns'}`);
  }
  const has = new Set(Object.entries(optional).filter(([name, kind]) => check(name, kind)).map(([name]) => name));
  return { file, rows: Number(metadata.num_rows), has, buffer, metadata };
}

/**
 * Calls `onRows(rows, firstRow)` once per row group, `rows[k][c]` being column `columns[c]` at row
 * `firstRow + k` of the file (INT64 values as bigint, lists as arrays of numbers).
 */
export async function forEachRowGroup(t: ParquetTable, columns: string[], onRows: (rows: unknown[][], firstRow: number) => void): Promise<void> {
  const pq = await parquetReader();
  let start = 0;
  for (const group of t.metadata.row_groups) {
    const end = start + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await pq.parquetRead({ file: t.buffer, metadata: t.metadata, columns, rowStart: start, rowEnd: end, onComplete: (r: unknown[][]) => (rows = r) });
    } catch (err) {
      throw parquetError(`${t.file}: rows ${start}..${end - 1} cannot be decoded (${(err as Error).message})`, err);
    }
    if (rows.length !== end - start) throw parquetError(`${t.file}: a row group of ${end - start} rows decoded to ${rows.length}`);
    onRows(rows, start);
    start = end;
  }
}

/** An integer column's value as a number, or null when it is not an integer in the safe range. */
export function intValue(v: unknown): number | null {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : null;
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
}
