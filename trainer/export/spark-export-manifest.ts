/**
 * export.json, written by `earshot-train export-parquet` beside its Parquet files and read back by
 * `earshot-train import-spark`: what the files hold, the confidence they encode, and the Spark ALS
 * settings that train earshot's objective on them (the documented job reads these; docs/scale.md).
 *
 * Spark's implicit ALS solves each row with regParam * n (n: the row's ratings; ALS-WR), earshot with
 * a constant lambda. No single regParam equals a constant lambda for rows of different n; the one
 * suggested makes the two penalties' total weight equal, regParam * 2 nnz = lambda (users + items)
 * over the rows with plays (with lambda 1e-5 against confidences of ~28 a play, either is negligible).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EarshotError } from '../../src/errors';

const EXPORT_MANIFEST = 'export.json';
export const PLAYS_FILE = 'plays.parquet';
export const USERS_FILE = 'users.parquet';
export const ITEMS_FILE = 'items.parquet';

export interface SparkAlsSettings {
  implicitPrefs: true;
  userCol: 'user';
  itemCol: 'item';
  ratingCol: 'confidence_weight';
  /** Spark's c = 1 + alpha * rating: earshot's alpha when rating = log(1 + r / eps). */
  alpha: number;
  regParam: number;
  rank: number;
  maxIter: number;
  nonnegative: false;
}

export interface ExportManifest {
  format: 'earshot-spark-export';
  version: 1;
  /** The earshot objective the files encode: c = 1 + alpha log(1 + r / eps), constant L2 lambda. */
  earshot: { mode: 'log'; alpha: number; eps: number; lambda: number };
  spark: SparkAlsSettings;
  counts: { users: number; items: number; nnz: number; usersWithPlays: number; itemsWithPlays: number };
  /** Files beside export.json, by role, with their rows and row groups. */
  files: Record<string, { path: string; rows: number; rowGroups: number; bytes: number }>;
  /** The plays these came from (for --model: the model's training input, as its wmf.json names it). */
  input: { path: string; format: string; sha256: string; nnz: number };
  /** --model only: the earshot model whose factors were written in Spark's layout. */
  model?: { path: string; sparkModel: string };
  command: string;
  seconds: number;
}

/** The regParam whose total penalty weight over rows with plays equals lambda's (see the file comment). */
export function regParamFor(lambda: number, c: ExportManifest['counts']): number {
  return c.nnz === 0 ? lambda : (lambda * (c.usersWithPlays + c.itemsWithPlays)) / (2 * c.nnz);
}

/** The inverse: earshot's lambda for a regParam a job used. */
export function lambdaFor(regParam: number, c: ExportManifest['counts']): number {
  return c.usersWithPlays + c.itemsWithPlays === 0 ? regParam : (regParam * 2 * c.nnz) / (c.usersWithPlays + c.itemsWithPlays);
}

export function writeExportManifest(dir: string, m: ExportManifest): void {
  fs.writeFileSync(path.join(dir, EXPORT_MANIFEST), JSON.stringify(m, null, 2) + '\n');
}

/** Reads `dir`/export.json; a folder without one, or with another file there, is not an export. */
export function readExportManifest(dir: string): ExportManifest {
  const file = path.join(dir, EXPORT_MANIFEST);
  let m: Partial<ExportManifest>;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ExportManifest>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EarshotError(code === 'ENOENT' ? 'ERR_INVALID_ARGUMENT' : 'ERR_IO', `--export ${dir} is not an export-parquet folder: ${code === 'ENOENT' ? `${EXPORT_MANIFEST} is missing` : `cannot read ${EXPORT_MANIFEST} (${code ?? (err as Error).message})`}`, { cause: err });
  }
  if (m.format !== 'earshot-spark-export' || m.version !== 1 || !m.earshot || !m.spark || !m.counts || !m.input) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `--export ${dir}: ${EXPORT_MANIFEST} is not an earshot-spark-export version 1 manifest`);
  }
  return m as ExportManifest;
}
