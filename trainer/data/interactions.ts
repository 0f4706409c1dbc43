/**
 * The user x item play-count matrix WMF trains on, built from parsed triplets: CSR by user (the user
 * sweep of ALS) and CSR by item (= CSC, the item sweep), duplicates summed, column indices sorted and
 * unique within each row, plus the id lists that map indices back to the data set's ids.
 *
 * Building is a stable counting sort by row, O(nnz + users), then a stable sort of each row by column
 * (row-sort.ts), after which repeats of a (user, item) are adjacent and summed in one compacting sweep.
 * byItem is the transpose (csr.ts), another counting sort, which keeps its columns sorted.
 */
import * as crypto from 'node:crypto';
import { EarshotError } from '../../src/errors';
import { transpose, type Csr } from './csr';
import { IdTable } from './id-table';
import { RowSorter } from './row-sort';
import { readTriplets, type Coo, type ReadTripletsOptions, type TripletSource } from './triplets';

export interface InteractionStats {
  /** Physical lines read, header and blank lines included. */
  lines: number;
  /** Data rows read, zero counts and duplicates included: nnz = rows - zeroCounts - duplicatesMerged. */
  rows: number;
  /** Rows with count 0: left out of the matrix (p_ui = 0 either way); their ids are still listed. */
  zeroCounts: number;
  /** Rows folded into an earlier row for the same (user, item), their counts added. */
  duplicatesMerged: number;
  /** Bytes of the input as given (compressed size for gzip). */
  bytes: number;
  gzip: boolean;
  /** Wall time of reading, parsing and building both matrices, s. */
  seconds: number;
}

export interface Interactions {
  /** users[u] is the data set's id of matrix row u. */
  users: string[];
  /** items[i] is the data set's id of matrix column i. */
  items: string[];
  /** users x items play counts. */
  byUser: Csr;
  /** items x users, the transpose of byUser. */
  byItem: Csr;
  nnz: number;
  stats: InteractionStats;
  /** Hex SHA-256 of the input bytes as given (fromTriples: of the equivalent TSV text). */
  checksum: string;
}

export type LoadInteractionsOptions = ReadTripletsOptions;

/**
 * Reads play counts (see readTriplets for formats and errors) and builds both matrices.
 * `loadInteractions('train_triplets.txt.gz')`, `loadInteractions('user_artists.dat', { format: 'hetrec' })`.
 */
export async function loadInteractions(source: TripletSource, o: LoadInteractionsOptions = {}): Promise<Interactions> {
  const t0 = process.hrtime.bigint();
  const parsed = await readTriplets(source, o);
  const { lines, rows, zeroCounts, bytes, gzip, sha256 } = parsed;
  const { duplicatesMerged, ...m } = buildMatrices(parsed.coo, parsed.users, parsed.items);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...m, checksum: sha256, stats: { lines, rows, zeroCounts, duplicatesMerged, bytes, gzip, seconds } };
}

/**
 * The same from arrays (tests, small data): row j is (userIds[j], itemIds[j], counts[j]). Indices follow
 * first appearance, as for a file with those lines.
 */
export function fromTriples(userIds: readonly string[], itemIds: readonly string[], counts: ArrayLike<number>): Interactions {
  const t0 = process.hrtime.bigint();
  const n = userIds.length;
  if (itemIds.length !== n || counts.length !== n) {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `userIds, itemIds and counts differ in length (${n}, ${itemIds.length}, ${counts.length})`);
  }
  const users = new IdTable(n);
  const items = new IdTable(n);
  const coo: Coo = { users: new Int32Array(n), items: new Int32Array(n), counts: new Float32Array(n), length: 0 };
  const hash = crypto.createHash('sha256');
  let zeroCounts = 0;
  for (let j = 0; j < n; j++) {
    const v = counts[j];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new EarshotError('ERR_INVALID_ARGUMENT', `counts[${j}] must be a finite number >= 0, got ${v}`);
    }
    if (userIds[j] === '' || itemIds[j] === '') throw new EarshotError('ERR_INVALID_ARGUMENT', `row ${j}: empty user or item id`);
    const u = users.internString(userIds[j]);
    const i = items.internString(itemIds[j]);
    hash.update(`${userIds[j]}\t${itemIds[j]}\t${v}\n`);
    if (v === 0) {
      zeroCounts++;
      continue;
    }
    const k = coo.length++;
    coo.users[k] = u;
    coo.items[k] = i;
    coo.counts[k] = v;
  }
  const { duplicatesMerged, ...m } = buildMatrices(coo, users, items);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...m, checksum: hash.digest('hex'), stats: { lines: n, rows: n, zeroCounts, duplicatesMerged, bytes: 0, gzip: false, seconds } };
}

function buildMatrices(coo: Coo, users: IdTable, items: IdTable) {
  const { byUser, duplicatesMerged } = cooToCsr(coo, users.size, items.size);
  const byItem = transpose(byUser);
  return { users: users.ids(), items: items.ids(), byUser, byItem, nnz: byUser.indices.length, duplicatesMerged };
}

/**
 * CSR (rows x cols) of the first coo.length entries, duplicates summed, columns sorted per row.
 * Consumes `coo`: its arrays are dropped once scattered, so their memory (12 bytes/row) can be
 * reclaimed before the output is trimmed — at Taste-Profile size that is ~0.6 GB of the peak.
 */
export function cooToCsr(coo: Coo, rows: number, cols: number): { byUser: Csr; duplicatesMerged: number } {
  let { indptr, indices, data } = groupByRow(coo, rows, cols);
  const sorter = new RowSorter();
  let w = 0;
  let duplicatesMerged = 0;
  for (let r = 0; r < rows; r++) {
    const s = indptr[r];
    const e = indptr[r + 1]; // still the original offset: only indptr[<= r] is rewritten
    sorter.sort(indices, data, s, e);
    indptr[r] = w;
    let last = -1;
    for (let k = s; k < e; k++) {
      const c = indices[k];
      if (c === last) {
        data[w - 1] += data[k]; // repeats are adjacent after the stable sort: summed in input order
        duplicatesMerged++;
      } else {
        indices[w] = c;
        data[w] = data[k];
        w++;
        last = c;
      }
    }
  }
  indptr[rows] = w;
  if (duplicatesMerged > 0) {
    indices = indices.slice(0, w);
    data = data.slice(0, w);
  }
  return { byUser: { indptr, indices, data, rows, cols }, duplicatesMerged };
}

/**
 * Stable counting sort of the COO by row. Files grouped by user (the Taste Profile and HetRec both are)
 * make this scatter sequential, which is why rows go first: a scatter by item is random access over
 * ~400k buckets and measured 2-3x slower at full size. Empties `coo`.
 */
function groupByRow(coo: Coo, rows: number, cols: number): Csr {
  const m = coo.length;
  const { users, items, counts } = coo;
  coo.users = new Int32Array(0);
  coo.items = new Int32Array(0);
  coo.counts = new Float32Array(0);
  coo.length = 0;
  const indptr = new Int32Array(rows + 1);
  for (let j = 0; j < m; j++) {
    const u = users[j];
    const i = items[j];
    if (u < 0 || u >= rows || i < 0 || i >= cols) throw new EarshotError('ERR_INVALID_ARGUMENT', `entry ${j} (${u}, ${i}) outside ${rows} x ${cols}`);
    indptr[u + 1]++;
  }
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const indices = new Int32Array(m);
  const data = new Float32Array(m);
  const fill = indptr.slice(0, rows);
  for (let j = 0; j < m; j++) {
    const d = fill[users[j]]++;
    indices[d] = items[j];
    data[d] = counts[j];
  }
  return { indptr, indices, data, rows, cols };
}
