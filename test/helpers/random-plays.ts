/**
 * Seeded random play-count matrices (users × items CSR) for the WMF and evaluation tests: a uniform
 * one (each pair played with a fixed probability) and a skewed one (like real play data: few users
 * play much, low item ids are popular, some items are never played).
 */
import type { Csr } from '../../trainer/data/csr';
import { mulberry32, type Rand } from '../../trainer/eval/prng';

/** Builds the CSR from one row per user: its (item, count) pairs, items strictly increasing. */
function playsFromRows(users: number, items: number, row: (u: number) => [item: number, count: number][]): Csr {
  const indptr = new Int32Array(users + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < users; u++) {
    for (const [i, count] of row(u)) {
      indices.push(i);
      data.push(count);
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows: users, cols: items };
}

/** Each (user, item) pair played with probability `density`, counts 1..20. */
export function uniformPlays(users: number, items: number, density: number, seed: number): Csr {
  const r: Rand = mulberry32(seed);
  return playsFromRows(users, items, () => {
    const row: [number, number][] = [];
    for (let i = 0; i < items; i++) if (r() < density) row.push([i, 1 + Math.floor(r() * 20)]);
    return row;
  });
}

/** Users with 0..maxPerUser distinct items (skewed, like play data), counts 1..50. */
export function skewedPlays(seed: number, users: number, items: number, maxPerUser: number): Csr {
  const r: Rand = mulberry32(seed);
  return playsFromRows(users, items, () => {
    const n = Math.floor(r() * r() * (maxPerUser + 1));
    const row = new Set<number>();
    while (row.size < n) row.add(Math.floor(r() * r() * items)); // popular low ids, some never played
    return [...row].sort((a, b) => a - b).map((i): [number, number] => [i, 1 + Math.floor(r() * 50)]);
  });
}
