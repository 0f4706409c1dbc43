/**
 * The Parquet libraries, loaded once where a command needs them: hyparquet (reader) and
 * hyparquet-writer (writer), pure JavaScript with Snappy built in (Spark's default codec), no native
 * build. Both are published as ES modules only, so this CommonJS build reaches them through import().
 */
const loadReader = () => import('hyparquet');
const loadWriter = () => import('hyparquet-writer');

export type ParquetReaderModule = Awaited<ReturnType<typeof loadReader>>;
export type ParquetWriterModule = Awaited<ReturnType<typeof loadWriter>>;

let reader: Promise<ParquetReaderModule> | null = null;
let writer: Promise<ParquetWriterModule> | null = null;

export function parquetReader(): Promise<ParquetReaderModule> {
  return (reader ??= loadReader());
}

export function parquetWriter(): Promise<ParquetWriterModule> {
  return (writer ??= loadWriter());
}
