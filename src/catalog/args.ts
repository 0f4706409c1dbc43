/**
 * Argument checks of the catalogue modules (search, tags, fold-in), done once here so that the native
 * kernels get typed arrays of the right length and finite values; every failure is an EarshotError
 * ERR_INVALID_ARGUMENT naming the argument.
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

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
