/**
 * The user x item play-count matrix WMF trains on, built from parsed triplets: CSR by user (the user
 * sweep of ALS) and CSR by item (= CSC, the item sweep), duplicates summed, column indices sorted and
 * unique within each row, plus the id lists that map indices back to the data set's ids.
 *
 * Sorting is two stable counting sorts, O(nnz + users + items) with no comparisons: COO -> grouped by
 * item, then that -> grouped by user. Visiting items in increasing order in the second pass writes
 * each user's columns already ascending, and repeats of one (user, item) land next to each other,
 * where they are summed on the spot.
 */
import * as crypto from 'node:crypto';
import { EarshotError } from '../../src/errors';
import { transpose, type Csr } from './csr';
import { IdTable } from './id-table';
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
  const m = buildMatrices(parsed.coo, parsed.users, parsed.items);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ...m, checksum: sha256, stats: { lines, rows, zeroCounts, duplicatesMerged: m.duplicatesMerged, bytes, gzip, seconds } };
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
  const m = buildMatrices(coo, users, items);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    ...m,
    checksum: hash.digest('hex'),
    stats: { lines: n, rows: n, zeroCounts, duplicatesMerged: m.duplicatesMerged, bytes: 0, gzip: false, seconds },
  };
}

function buildMatrices(coo: Coo, users: IdTable, items: IdTable) {
  const { byUser, duplicatesMerged } = cooToCsr(coo, users.size, items.size);
  const byItem = transpose(byUser);
  return { users: users.ids(), items: items.ids(), byUser, byItem, nnz: byUser.indices.length, duplicatesMerged };
}

/**
 * CSR (rows x cols) of the first coo.length entries, duplicates summed, columns sorted per row.
 * Consumes `coo`: its arrays are dropped after the first pass so their memory (12 bytes/row) can be
 * reclaimed before the output is allocated — at Taste-Profile size that is ~0.6 GB of the peak.
 */
export function cooToCsr(coo: Coo, rows: number, cols: number): { byUser: Csr; duplicatesMerged: number } {
  let grouped: ByColumn | null = groupByColumn(coo, rows, cols);
  const { indptr, rowFill } = grouped;
  let { indices, data, duplicatesMerged } = scatterByRow(grouped, cols);
  grouped = null; // 8 bytes/row no longer needed before the compaction below copies

  // Close the gaps merged duplicates left at the end of their rows.
  if (duplicatesMerged > 0) {
    let w = 0;
    for (let r = 0; r < rows; r++) {
      const s = indptr[r];
      const e = rowFill[r];
      indptr[r] = w;
      indices.copyWithin(w, s, e);
      data.copyWithin(w, s, e);
      w += e - s;
    }
    indptr[rows] = w;
    indices = indices.slice(0, w);
    data = data.slice(0, w);
  }
  return { byUser: { indptr, indices, data, rows, cols }, duplicatesMerged };
}

/** The entries grouped by column (stable: input order within a column), and per-row entry offsets. */
interface ByColumn {
  colPtr: Int32Array;
  rowOf: Int32Array;
  valueOf: Float32Array;
  /** Row offsets counting duplicates; pass 2 fills rows from here and records where each ends. */
  indptr: Int32Array;
  rowFill: Int32Array;
}

/** Pass 1: stable counting sort of the COO by column. Empties `coo`. */
function groupByColumn(coo: Coo, rows: number, cols: number): ByColumn {
  const m = coo.length;
  const { users, items, counts } = coo;
  coo.users = new Int32Array(0);
  coo.items = new Int32Array(0);
  coo.counts = new Float32Array(0);
  coo.length = 0;
  const colPtr = new Int32Array(cols + 1);
  const indptr = new Int32Array(rows + 1);
  for (let j = 0; j < m; j++) {
    const u = users[j];
    const i = items[j];
    if (u < 0 || u >= rows || i < 0 || i >= cols) throw new EarshotError('ERR_INVALID_ARGUMENT', `entry ${j} (${u}, ${i}) outside ${rows} x ${cols}`);
    colPtr[i + 1]++;
    indptr[u + 1]++;
  }
  for (let c = 0; c < cols; c++) colPtr[c + 1] += colPtr[c];
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const rowOf = new Int32Array(m);
  const valueOf = new Float32Array(m);
  const fill = colPtr.slice(0, cols);
  for (let j = 0; j < m; j++) {
    const d = fill[items[j]]++;
    rowOf[d] = users[j];
    valueOf[d] = counts[j];
  }
  return { colPtr, rowOf, valueOf, indptr, rowFill: indptr.slice(0, rows) };
}

/** Pass 2: by row, columns visited in increasing order; a repeat of the column just written is summed. */
function scatterByRow(g: ByColumn, cols: number): { indices: Int32Array; data: Float32Array; duplicatesMerged: number } {
  const { colPtr, rowOf, valueOf, indptr, rowFill } = g;
  const m = rowOf.length;
  const indices = new Int32Array(m);
  const data = new Float32Array(m);
  let dups = 0;
  for (let c = 0; c < cols; c++) {
    for (let k = colPtr[c], e = colPtr[c + 1]; k < e; k++) {
      const r = rowOf[k];
      const d = rowFill[r];
      if (d > indptr[r] && indices[d - 1] === c) {
        data[d - 1] += valueOf[k];
        dups++;
      } else {
        indices[d] = c;
        data[d] = valueOf[k];
        rowFill[r] = d + 1;
      }
    }
  }
  return { indices, data, duplicatesMerged: dups };
}
