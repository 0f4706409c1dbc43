/**
 * The exact catalogue search in plain JavaScript: the same contract as the native kernel
 * (nativeAddon().catalogTopK, native/search/topk.h), kept as the readable reference that the tests hold the
 * native one to and that bench/catalog.ts times it against. The Catalog uses the native kernel: float32
 * SIMD dot products run ~10x faster than this float64 loop (bench/README.md, `catalog`).
 */
import type { Hit } from './hit';

/**
 * The k best items of factors (n x f, row-major) for one query by score = (q·y_i) × (scale ? scale[i] : 1),
 * best first: score descending, ties to the lower index. Dot products in float64.
 */
export function topKJs(factors: Float32Array, n: number, f: number, query: Float32Array, k: number, scale: Float32Array | null): Hit[] {
  const kk = Math.min(k, n);
  // A binary heap of the kept items whose root is the worst one (lowest score, then highest index).
  const hs = new Float64Array(kk);
  const hi = new Int32Array(kk);
  let size = 0;
  const worse = (a: number, b: number) => hs[a] < hs[b] || (hs[a] === hs[b] && hi[a] > hi[b]);
  const swap = (a: number, b: number) => {
    const s = hs[a], i = hi[a];
    hs[a] = hs[b]; hi[a] = hi[b]; hs[b] = s; hi[b] = i;
  };
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * f;
    for (let t = 0; t < f; t++) s += query[t] * factors[o + t];
    if (scale) s *= scale[i];
    if (size < kk) {
      hs[size] = s; hi[size] = i;
      for (let c = size++; c > 0; ) {
        const p = (c - 1) >> 1;
        if (!worse(c, p)) break;
        swap(c, p);
        c = p;
      }
    } else if (s > hs[0]) {  // an equal score never wins: its index is higher than every kept one's
      hs[0] = s; hi[0] = i;
      for (let c = 0; ; ) {
        const l = 2 * c + 1, r = l + 1;
        let w = c;
        if (l < size && worse(l, w)) w = l;
        if (r < size && worse(r, w)) w = r;
        if (w === c) break;
        swap(c, w);
        c = w;
      }
    }
  }
  const out: Hit[] = [];
  for (let j = 0; j < size; j++) out.push({ index: hi[j], score: hs[j] });
  return out.sort((a, b) => b.score - a.score || a.index - b.index);
}
