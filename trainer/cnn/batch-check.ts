/**
 * Argument checks for one CNN batch, done once here for every training backend: shapes from the
 * NetConfig, lengths, finite values, and the quadratic loss's symmetric A. Every failure is an
 * ERR_INVALID_ARGUMENT that names the field (and the first bad index).
 */
import { EarshotError } from '../../src/errors';
import { minFrames, type NetConfig } from './net-config';

export type CnnLoss = 'mse' | 'quadratic';

/** A batch of examples and their targets, row-major float32. */
export interface CnnBatch {
  /** [batch, frames, bands] log-mel windows (mel input) or [batch, features] (vector input). */
  x: Float32Array;
  batch: number;
  /** Frames per example (mel input); default x.length / (batch · bands). */
  frames?: number;
  /** [batch, F] targets: the 'mse' loss only. */
  y?: Float32Array;
  /** [batch, F, F], symmetric PSD, and [batch, F]: the 'quadratic' loss only (trainer/cnn/wpe.ts). */
  a?: Float32Array;
  b?: Float32Array;
}

/** Most examples per call: 2^24 keeps every size a safe int32 on the native side. */
export const MAX_BATCH = 1 << 24;

function bad(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function checkArray(name: string, v: unknown, length: number): Float32Array {
  if (!(v instanceof Float32Array)) bad(`${name} must be a Float32Array, got ${v === undefined ? 'undefined' : typeof v}`);
  if (v.length !== length) bad(`${name} holds ${v.length} values, expected ${length}`);
  // Fast pass (x − x is 0 for finite x, NaN otherwise); the index search only when it fails.
  let acc = 0;
  for (let i = 0; i < v.length; i++) acc += v[i] - v[i];
  if (acc !== 0) {
    const i = v.findIndex((e) => !Number.isFinite(e));
    bad(`${name}[${i}] is ${v[i]}; every value must be finite`);
  }
  return v;
}

/**
 * Checks the input of `batch` examples and returns the frames per example (1 for a vector input).
 * Used by predict() as well as by the loss calls.
 */
export function checkInput(config: NetConfig, x: unknown, batch: unknown, frames: unknown): number {
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) bad(`batch must be an integer in 1..${MAX_BATCH}, got ${String(batch)}`);
  if (!(x instanceof Float32Array)) bad(`x must be a Float32Array, got ${typeof x}`);
  if (config.input.kind === 'vector') {
    if (frames !== undefined && frames !== 1) bad(`frames must be omitted (or 1) for a vector input, got ${String(frames)}`);
    checkArray('x', x, batch * config.input.features);
    return 1;
  }
  const bands = config.input.bands;
  const f = frames === undefined ? x.length / (batch * bands) : frames;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 1) {
    bad(frames === undefined ? `x holds ${x.length} values: not a whole number of ${batch} x frames x ${bands} bands` : `frames must be a positive integer, got ${String(frames)}`);
  }
  const need = minFrames(config);
  if (f < need) bad(`frames is ${f}, but this conv stack needs at least ${need} frames per example`);
  checkArray('x', x, batch * f * bands);
  return f;
}

/** A_i must be symmetric (the loss reads only its symmetric part; asymmetry means a caller's bug). */
function checkSymmetric(a: Float32Array, batch: number, f: number): void {
  for (let i = 0; i < batch; i++) {
    const base = i * f * f;
    for (let p = 0; p < f; p++) {
      for (let q = 0; q < p; q++) {
        const u = a[base + p * f + q];
        const v = a[base + q * f + p];
        if (Math.abs(u - v) > 1e-5 * (Math.abs(u) + Math.abs(v))) bad(`a[${i}] is not symmetric: A[${p}][${q}] = ${u} but A[${q}][${p}] = ${v}`);
      }
    }
  }
}

/** Checks a loss call's batch and targets; returns the frames per example. */
export function checkBatch(config: NetConfig, batch: CnnBatch, loss: CnnLoss): number {
  if (typeof batch !== 'object' || batch === null) bad('batch must be { x, batch, frames?, y? | a?, b? }');
  if (loss !== 'mse' && loss !== 'quadratic') bad(`loss must be 'mse' or 'quadratic', got ${String(loss)}`);
  const frames = checkInput(config, batch.x, batch.batch, batch.frames);
  const n = batch.batch;
  const f = config.outputs;
  if (loss === 'mse') {
    if (batch.a !== undefined || batch.b !== undefined) bad("a and b belong to the 'quadratic' loss; the 'mse' loss takes y");
    checkArray('y', batch.y, n * f);
  } else {
    if (batch.y !== undefined) bad("y belongs to the 'mse' loss; the 'quadratic' loss takes a and b");
    checkArray('a', batch.a, n * f * f);
    checkArray('b', batch.b, n * f);
    checkSymmetric(batch.a as Float32Array, n, f);
  }
  return frames;
}
