/**
 * The coordinate-format arrays the plays parser appends to: row j is (users[j], items[j], counts[j]).
 * They grow by 1.5x (at 48M rows a doubling would strand up to 48M x 12 bytes of unused capacity) and
 * stop at MAX_ROWS, since the CSR built from them (interactions.ts) addresses rows with Int32 offsets.
 */
import { EarshotError } from '../../src/errors';

/** Rows are addressed by Int32 (CSR indptr), so at most 2^31 - 1. */
export const MAX_ROWS = 0x7fffffff;

/** Coordinate-format play counts: row j is (users[j], items[j], counts[j]); arrays hold >= length. */
export interface Coo {
  users: Int32Array;
  items: Int32Array;
  counts: Float32Array;
  length: number;
}

/** `old`'s first `old.length` rows in arrays of `capacity` rows (an empty Coo when `old` is null). */
export function resizedCoo(old: Coo | null, capacity: number): Coo {
  const cap = Math.min(MAX_ROWS, Math.ceil(capacity));
  const next: Coo = { users: new Int32Array(cap), items: new Int32Array(cap), counts: new Float32Array(cap), length: old?.length ?? 0 };
  if (old) {
    next.users.set(old.users.subarray(0, old.length));
    next.items.set(old.items.subarray(0, old.length));
    next.counts.set(old.counts.subarray(0, old.length));
  }
  return next;
}

/** A full `old` with room for more: 1.5x its capacity; ERR_TRIPLETS_TOO_LARGE (naming `name`) past MAX_ROWS. */
export function grownCoo(old: Coo, name: string): Coo {
  if (old.length >= MAX_ROWS) {
    throw new EarshotError('ERR_TRIPLETS_TOO_LARGE', `${name}: more than ${MAX_ROWS} non-zero rows (CSR offsets are Int32)`);
  }
  return resizedCoo(old, old.users.length * 1.5);
}
