/**
 * Rows keyed by a dense index 0..size-1 that may come in any order, spread over several files (Spark's
 * factor parts, an id map): each index must be an integer in range and come once. Where each index
 * was first seen is kept (8 bytes an index) so a repeat names both places.
 */
import { intValue, parquetError } from './parquet-read';

export class IndexCoverage {
  private readonly seenFile: Int32Array;
  private readonly seenRow: Int32Array;
  private count = 0;

  /** `what`: the rows' name in messages ("user id"); `range`: where the size comes from ("the 1000 users of users.parquet"). */
  constructor(readonly size: number, private readonly what: string, private readonly range: string, private readonly files: string[]) {
    this.seenFile = new Int32Array(size).fill(-1);
    this.seenRow = new Int32Array(size);
  }

  /** Checks and records `v` read from files[file] at `row`; returns it as an index. */
  mark(v: unknown, file: number, row: number): number {
    const at = () => `${this.files[file]} row ${row}`; // built only for a message: mark runs once per row
    const i = intValue(v);
    if (i === null) throw parquetError(`${at()}: ${this.what} is ${v === null || v === undefined ? 'null' : `not an integer (${String(v)})`}`);
    if (i < 0 || i >= this.size) throw parquetError(`${at()}: ${this.what} ${i} is outside 0..${this.size - 1} (${this.range})`);
    if (this.seenFile[i] >= 0) throw parquetError(`${at()}: ${this.what} ${i} appears twice (first at ${this.files[this.seenFile[i]]} row ${this.seenRow[i]})`);
    this.seenFile[i] = file;
    this.seenRow[i] = row;
    this.count++;
    return i;
  }

  /** The indices never marked, ascending. */
  missing(): number[] {
    if (this.count === this.size) return [];
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.seenFile[i] < 0) out.push(i);
    return out;
  }
}

/** "3 (0, 5, 9)" or "12 (0, 1, 2, 3, 4, …)": a count with the first few indices. */
export function someIndices(ix: readonly number[], show = 5): string {
  return `${ix.length} (${ix.slice(0, show).join(', ')}${ix.length > show ? ', …' : ''})`;
}
