/** Loads the copied librosa references (test/fixtures/librosa) in earshot's frames x values layout. */
import * as path from 'node:path';
import { readNpy } from '../../src/io/npy';
import { repoRoot } from './shared';

export const FIXTURES = path.join(repoRoot(), 'test', 'fixtures', 'librosa');
export const CASES = ['sine440', 'noise', 'chirp', 'impulses', 'silence', 'elvish', 'beast'] as const;

export interface Matrix {
  data: Float32Array;
  rows: number; // frames
  cols: number; // bands or coefficients
}

/** librosa stores (values x frames); transpose to (frames x values). */
export function loadTransposed(file: string): Matrix {
  const a = readNpy(path.join(FIXTURES, file));
  const [vals, frames] = a.shape;
  const out = new Float32Array(vals * frames);
  for (let v = 0; v < vals; v++) for (let f = 0; f < frames; f++) out[f * vals + v] = a.data[v * frames + f];
  return { data: out, rows: frames, cols: vals };
}

export function loadInput(name: string): Float32Array {
  return Float32Array.from(readNpy(path.join(FIXTURES, name, 'input.npy')).data);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
