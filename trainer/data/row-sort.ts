/**
 * Sorts one CSR row's entries by column, stably, carrying each entry's value along: the second half of
 * building CSR from unordered triplets (interactions.ts scatters by row first). Stable, so repeats of a
 * column stay in input order and are summed in that order. Scratch space is kept between rows.
 *
 * Rows of the Taste Profile have 10 to ~4,400 entries (mean 47): short rows use insertion sort; longer
 * ones sort packed keys (column * n + position, exact below 2^53) with the native Float64Array sort,
 * which is stable by construction because positions are unique.
 */

/** At or below this many entries insertion sort beats the native sort's call and packing overhead. */
const INSERTION_MAX = 32;
/** Packed keys need column (< 2^31) * n < 2^53: rows up to 2^22 entries; longer ones use a comparator. */
const PACKED_MAX = 1 << 22;

export class RowSorter {
  private keys = new Float64Array(256);
  private idx = new Int32Array(256);
  private val = new Float32Array(256);

  /** Sorts indices[s, e) ascending, permuting data[s, e) the same way. */
  sort(indices: Int32Array, data: Float32Array, s: number, e: number): void {
    const n = e - s;
    let k = s + 1;
    while (k < e && indices[k - 1] <= indices[k]) k++;
    if (k >= e) return; // already in order: files sorted by (user, item) cost one scan
    if (n <= INSERTION_MAX) insertionSort(indices, data, s, e);
    else if (n < PACKED_MAX) this.packedSort(indices, data, s, n);
    else this.comparatorSort(indices, data, s, n);
  }

  private packedSort(indices: Int32Array, data: Float32Array, s: number, n: number): void {
    this.reserve(n);
    const keys = this.keys.subarray(0, n);
    for (let j = 0; j < n; j++) keys[j] = indices[s + j] * n + j;
    keys.sort();
    for (let j = 0; j < n; j++) {
      const key = keys[j];
      const pos = key % n;
      this.idx[j] = (key - pos) / n;
      this.val[j] = data[s + pos];
    }
    indices.set(this.idx.subarray(0, n), s);
    data.set(this.val.subarray(0, n), s);
  }

  private comparatorSort(indices: Int32Array, data: Float32Array, s: number, n: number): void {
    this.reserve(n);
    const order = Int32Array.from({ length: n }, (_, j) => j);
    order.sort((a, b) => indices[s + a] - indices[s + b] || a - b);
    for (let j = 0; j < n; j++) {
      this.idx[j] = indices[s + order[j]];
      this.val[j] = data[s + order[j]];
    }
    indices.set(this.idx.subarray(0, n), s);
    data.set(this.val.subarray(0, n), s);
  }

  private reserve(n: number): void {
    if (n <= this.idx.length) return;
    const cap = Math.max(n, this.idx.length * 2);
    this.keys = new Float64Array(cap);
    this.idx = new Int32Array(cap);
    this.val = new Float32Array(cap);
  }
}

function insertionSort(indices: Int32Array, data: Float32Array, s: number, e: number): void {
  for (let k = s + 1; k < e; k++) {
    const c = indices[k];
    const v = data[k];
    let j = k - 1;
    while (j >= s && indices[j] > c) {
      indices[j + 1] = indices[j];
      data[j + 1] = data[j];
      j--;
    }
    indices[j + 1] = c;
    data[j + 1] = v;
  }
}
