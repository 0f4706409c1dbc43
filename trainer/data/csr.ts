/**
 * Compressed sparse rows: the one interaction-matrix shape shared by the loader (trainer/data),
 * WMF (trainer/wmf) and evaluation (trainer/eval). Column indices are sorted and unique within a row.
 */
import { EarshotError } from '../../src/errors';

export interface Csr {
  /** rows + 1 offsets into indices/data. */
  indptr: Int32Array;
  indices: Int32Array;
  /** Play counts (or any non-negative weights) per stored entry. */
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Checks the invariants the native solvers rely on, once, naming the first violation. */
export function checkCsr(m: Csr, name = 'matrix'): void {
  const bad = (msg: string): never => {
    throw new EarshotError('ERR_INVALID_ARGUMENT', `${name}: ${msg}`);
  };
  if (m.indptr.length !== m.rows + 1) bad(`indptr has ${m.indptr.length} entries, expected rows + 1 = ${m.rows + 1}`);
  if (m.indptr[0] !== 0 || m.indptr[m.rows] !== m.indices.length) bad('indptr must start at 0 and end at the number of entries');
  if (m.data.length !== m.indices.length) bad('data and indices differ in length');
  for (let r = 0; r < m.rows; r++) {
    for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) {
      const c = m.indices[j];
      if (c < 0 || c >= m.cols) bad(`row ${r} has column ${c} outside 0..${m.cols - 1}`);
      if (j > m.indptr[r] && c <= m.indices[j - 1]) bad(`row ${r}: column indices must be strictly increasing`);
    }
  }
}

/** The same matrix by columns (CSC as CSR of the transpose), O(nnz) counting sort. */
export function transpose(m: Csr): Csr {
  const indptr = new Int32Array(m.cols + 1);
  for (let j = 0; j < m.indices.length; j++) indptr[m.indices[j] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(m.indices.length);
  const data = new Float32Array(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) {
      const dst = fill[m.indices[j]]++;
      indices[dst] = r; // rows visited in order: indices stay sorted within each column
      data[dst] = m.data[j];
    }
  }
  return { indptr, indices, data, rows: m.cols, cols: m.rows };
}
