/**
 * Argument checks before a native call (the catalogue's search, tags and fold-in; the bag-of-words
 * k-means, histograms, PCA and MLR), done once here so that the native kernels get typed arrays of
 * the right length and finite values; every failure is an EarshotError ERR_INVALID_ARGUMENT naming
 * the argument.
 */
import * as os from 'node:os';
import { EarshotError } from '../errors';

export function invalid(message: string): EarshotError {
  return new EarshotError('ERR_INVALID_ARGUMENT', message);
}

/** An integer in lo..hi. */
export function intArg(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(`${name} must be an integer in ${lo}..${hi}, got ${String(v)}`);
  return v;
}

/** A finite number in [lo, hi]. */
export function numberArg(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw invalid(`${name} must be a finite number in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/** Worker threads: default all cores. */
export function threadsArg(v: number | undefined): number {
  return intArg('threads', v ?? os.availableParallelism(), 1, 1024);
}

/** A Float32Array of `rows` vectors of f values each, all finite. */
export function vectorsArg(name: string, x: unknown, rows: number, f: number): Float32Array {
  if (!(x instanceof Float32Array)) throw invalid(`${name} must be a Float32Array, got ${describe(x)}`);
  if (x.length !== rows * f) {
    throw invalid(rows === 1 ? `${name} must hold F = ${f} values, got ${x.length}` : `${name} holds ${x.length} values, expected ${rows} x F = ${rows} x ${f} = ${rows * f}`);
  }
  for (let j = 0; j < x.length; j++) {
    if (!Number.isFinite(x[j])) throw invalid(`${name}[${j}] is ${x[j]}${rows > 1 ? ` (row ${Math.floor(j / f)})` : ''}; values must be finite`);
  }
  return x;
}

/** x must be a Float32Array of rows x cols values (row-major), rows >= minRows, cols >= 1. */
export function matrixArg(name: string, x: unknown, rows: unknown, cols: unknown, minRows = 1): { rows: number; cols: number } {
  if (!(x instanceof Float32Array)) throw invalid(`${name} must be a Float32Array, got ${describe(x)}`);
  const r = intArg(`${name} rows`, rows, minRows, 2 ** 31 - 1);
  const c = intArg(`${name} columns`, cols, 1, 2 ** 31 - 1);
  if (x.length !== r * c) throw invalid(`${name} holds ${x.length} values, expected ${r} x ${c} = ${r * c}`);
  return { rows: r, cols: c };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
